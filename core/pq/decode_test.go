package pq

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AddDecoded adds w times Decode's reconstruction, for the unrolled 4-dimension sub-spaces and
// the general loop alike, and checks its arguments as Decode does.
func TestAddDecoded(t *testing.T) {
	rng := newRand(31)
	for _, tc := range []struct{ dim, m, bits int }{
		{16, 4, 4}, {16, 4, 8}, {16, 16, 4}, {18, 6, 8},
	} {
		cb := randomCodebook(t, rng, tc.dim, tc.m, tc.bits)
		codes := randomCodes(rng, tc.m, cb.K())
		decoded := make([]float32, tc.dim)
		require.NoError(t, cb.Decode(decoded, codes))
		dst := gaussian(rng, 1, tc.dim)
		want := make([]float32, tc.dim)
		for i := range want {
			want[i] = dst[i] + float32(-0.5*decoded[i])
		}
		require.NoError(t, cb.AddDecoded(dst, codes, -0.5))
		assert.Equal(t, want, dst, "%+v", tc)
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = cb.AddDecoded(dst, codes, 1) }))

		require.Error(t, cb.AddDecoded(dst[1:], codes, 1))
		require.Error(t, cb.AddDecoded(dst, codes[1:], 1))
		if tc.bits == 4 {
			bad := append([]byte(nil), codes...)
			bad[0] = 16
			require.Error(t, cb.AddDecoded(dst, bad, 1))
		}
	}
}

// TestAddDecodedKernelsAgree checks the build's decoding kernel (SIMD128 in wasm builds)
// against the portable one, bit for bit, for the widths it specialises and others.
func TestAddDecodedKernelsAgree(t *testing.T) {
	rng := newRand(32)
	for _, tc := range []struct{ dim, m, bits int }{
		{64, 32, 4}, {62, 31, 4}, {60, 30, 4}, {64, 16, 8}, {64, 4, 4}, {18, 6, 8},
	} {
		cb := randomCodebook(t, rng, tc.dim, tc.m, tc.bits)
		for _, w := range []float32{1, -0.5, 0.3} {
			codes := randomCodes(rng, tc.m, cb.K())
			start := gaussian(rng, 1, tc.dim)
			want, got := append([]float32(nil), start...), append([]float32(nil), start...)
			addDecodedPortable(want, cb.centroids, codes, cb.SubDim(), cb.K(), w)
			cb.addDecoded(got, codes, w)
			assert.Equal(t, want, got, "%+v w=%g", tc, w)
		}
	}
}
