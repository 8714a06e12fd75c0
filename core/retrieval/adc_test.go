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
	q := []float32{1, -2, 0.5, 3, 4}
	v := []int8{127, -128, 2, 0, -1}
	assert.InDelta(t, (127+256+1+0-4)*0.5, dotInt8(q, v, 0.5), 1e-4)
}
