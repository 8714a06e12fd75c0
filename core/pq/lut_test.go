package pq

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuildLUTKernelsAgree checks the build's table kernel (SIMD128 in wasm builds) and the
// portable one against the documented order of operations, bit for bit.
func TestBuildLUTKernelsAgree(t *testing.T) {
	rng := newRand(60)
	for _, tc := range []struct{ dim, m, bits int }{
		{64, 32, 4}, {64, 4, 4}, {64, 16, 8}, {64, 64, 4}, {48, 16, 4}, {40, 5, 8}, {16, 2, 8},
	} {
		cb := randomCodebook(t, rng, tc.dim, tc.m, tc.bits)
		q := gaussian(rng, 1, tc.dim)
		q[0], q[1] = 0, float32(math.Copysign(0, -1)) // signed zeros keep their sums' signs
		for _, w := range []float32{1, 0.5, 0, -2} {
			name := strconv.Itoa(tc.dim) + "/" + strconv.Itoa(tc.m) + "/" + strconv.Itoa(tc.bits) + " w=" + strconv.FormatFloat(float64(w), 'g', -1, 32)
			ks, sub := cb.K(), cb.SubDim()
			want := make([]float32, cb.LUTSize())
			for c := range tc.m {
				for k := range ks {
					var acc float32
					for j := range sub {
						acc += float32(q[c*sub+j] * cb.centroids[(c*ks+k)*sub+j])
					}
					if w != 1 {
						acc *= w
					}
					want[c*ks+k] = acc
				}
			}
			portable := make([]float32, cb.LUTSize())
			buildLUTPortable(portable, cb.tiles, q, sub, ks, w)
			built := make([]float32, cb.LUTSize())
			cb.buildLUT(built, q, w)
			for i := range want {
				require.Equal(t, math.Float32bits(want[i]), math.Float32bits(portable[i]), "portable %s entry %d", name, i)
				require.Equal(t, math.Float32bits(want[i]), math.Float32bits(built[i]), "built %s entry %d", name, i)
			}
		}
	}
}
