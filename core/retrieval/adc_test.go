package retrieval

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/fastscan"
)

func TestScoreKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1))
	for _, m := range []int{2, 16, 34, 68} {
		n := 77
		lut := make([]float32, 16*m)
		for i := range lut {
			lut[i] = float32(r.NormFloat64())
		}
		codes := make([]byte, n*m)
		for i := range codes {
			codes[i] = byte(r.IntN(16))
		}
		packed := make([]byte, fastscan.PackedLen4(n, m))
		require.NoError(t, fastscan.PackCodes4(packed, codes, n, m))
		for j := range n {
			var want float32
			for c := 0; c < m; c += 2 {
				want += lut[16*c+int(codes[j*m+c])] + lut[16*(c+1)+int(codes[j*m+c+1])]
			}
			assert.Equal(t, want, adc4(lut, packed, m, j))
		}
	}
	lut := make([]float32, 256*3)
	for i := range lut {
		lut[i] = float32(i)
	}
	assert.Equal(t, float32(7+256+9+512+255), adc8(lut, []byte{7, 9, 255}))
}

// Every version of dotInt8 gives the same bits as the portable loop, and the dot product up to
// rounding.
func TestDotInt8(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 1))
	for _, n := range []int{3, 4, 16, 64, 70, 256} {
		q, v := make([]float32, n), make([]int8, n)
		for trial := range 20 {
			var want float64
			for i := range q {
				q[i] = float32(r.NormFloat64())
				v[i] = int8(r.IntN(256) - 128)
				if trial == 0 {
					v[i] = -128
				}
				want += float64(q[i]) * float64(v[i]) * 0.01
			}
			portable := dotInt8Portable(q, v, 0.01)
			assert.InDelta(t, want, portable, 1e-3*float64(n))
			assert.Equal(t, portable, dotInt8(q, v, 0.01))
			if n%16 == 0 { // the SIMD version's widths
				for name, impl := range dotInt8Impls {
					assert.Equal(t, portable, impl(q, v, 0.01), name)
				}
			}
		}
	}
}
