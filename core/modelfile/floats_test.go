package modelfile

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFirstNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	quietNaN := math.Float32frombits(0xffc0_0001)
	finite := []float32{0, -0.0, 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
		math.Float32frombits(0x7f7f_ffff), math.Float32frombits(0x0080_0000)}
	base := make([]float32, 37) // several words, an odd length
	for i := range base {
		base[i] = finite[i%len(finite)]
	}
	// Every start offset, so that the slice begins on and off an 8-byte boundary, and every
	// position of the bad value, first word to the float left over.
	for off := range 3 {
		v := base[off:]
		require.Equal(t, -1, firstNonFinite(v), "offset %d, all finite", off)
		for at := range v {
			for _, bad := range []float32{nan, inf, -inf, quietNaN} {
				w := append([]float32(nil), v...)
				w[at] = bad
				assert.Equal(t, at, firstNonFinite(w), "offset %d, %v at %d", off, bad, at)
				if at+1 < len(w) {
					w[len(w)-1] = nan
					assert.Equal(t, at, firstNonFinite(w), "offset %d, %v at %d and a later NaN", off, bad, at)
				}
			}
		}
	}
	assert.Equal(t, -1, firstNonFinite(nil))
	assert.Equal(t, 0, firstNonFinite([]float32{inf}))
}

func TestDecodeFloats(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5, decodeBlock - 1, decodeBlock, decodeBlock + 3, 3*decodeBlock + 1} {
		want := make([]float32, n)
		src := make([]byte, 1+4*n) // from an odd address, as a tensor's bytes in a file are
		for i := range want {
			want[i] = float32(i)*0.37 - 11
			binary.LittleEndian.PutUint32(src[1+4*i:], math.Float32bits(want[i]))
		}
		got := make([]float32, n)
		require.Equal(t, -1, decodeFloats(got, src[1:]), "n=%d", n)
		assert.Equal(t, want, got, "n=%d", n)
		if n > 0 {
			at := n - 1 - n/3
			binary.LittleEndian.PutUint32(src[1+4*at:], 0x7f80_0000)
			assert.Equal(t, at, decodeFloats(got, src[1:]), "n=%d", n)
		}
	}
}
