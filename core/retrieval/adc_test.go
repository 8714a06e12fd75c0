package retrieval

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

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
