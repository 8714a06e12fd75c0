package fastscan

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScan8EqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 16, 17, 32} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 1001} {
			lut := make([]float32, 256*m)
			for i := range lut {
				lut[i] = float32(r.NormFloat64())
			}
			codes := make([]byte, n*m)
			for i := range codes {
				codes[i] = byte(r.IntN(256))
			}
			want := make([]float32, n)
			for e := 0; e < n; e++ {
				var s float32
				for c := 0; c < m; c++ {
					s += lut[256*c+int(codes[e*m+c])]
				}
				want[e] = s
			}
			out := make([]float32, n+1)
			out[n] = 42
			require.NoError(t, Scan8(lut, codes, n, m, out))
			// Same additions in the same order: bit-identical, not merely close.
			require.Equal(t, want, out[:n], "m=%d n=%d", m, n)
			require.Equal(t, float32(42), out[n], "must not write past n")
		}
	}
}

func TestScan8Errors(t *testing.T) {
	lut, codes, out := make([]float32, 256*4), make([]byte, 40), make([]float32, 10)
	for _, c := range []struct {
		name   string
		err    error
		substr string
	}{
		{"zero m", Scan8(lut, codes, 10, 0, out), "at least one"},
		{"negative n", Scan8(lut, codes, -1, 4, out), "negative"},
		{"short LUT", Scan8(lut[:1023], codes, 10, 4, out), "LUT has length"},
		{"short codes", Scan8(lut, codes[:39], 10, 4, out), "codes has length"},
		{"short output", Scan8(lut, codes, 10, 4, out[:9]), "output has length"},
	} {
		require.ErrorContains(t, c.err, c.substr, c.name)
	}
}
