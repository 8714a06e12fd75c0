//go:build goexperiment.simd && wasm

package fastscan

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The SIMD selection must take the score patterns of retrieval itself, not leave them to the
// portable fallback, and agree with the portable selection.
func TestTopK16SIMDTakesScanLikeScores(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, n := range []int{3000, 10000, 10003} {
		sets := scoreSets(r, n)
		for _, name := range []string{"random", "narrow", "bursts"} {
			for _, k := range []int{1, 64, 100, 256, 400} {
				msg := name + " n=" + strconv.Itoa(n) + " k=" + strconv.Itoa(k)
				got, ok := topK16SIMD(sets[name], k, nil)
				require.True(t, ok, msg)
				require.Equal(t, topK16(sets[name], k, nil, false), got, msg)
			}
		}
	}
}

// The SIMD float selection must take the refine step's short lists and agree with the
// portable reservoir bit for bit, ties and non-finite scores included.
func TestTopKFloatSIMDMatchesPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	negZero := float32(math.Copysign(0, -1))
	sets := []struct {
		name  string
		score func(i int) float32
	}{
		{"normal", func(int) float32 { return float32(r.NormFloat64()) }},
		{"positive", func(int) float32 { return 10 + r.Float32() }},
		{"ties", func(int) float32 { return float32(r.IntN(4)) - 1.5 }},
		{"equal", func(int) float32 { return 0.25 }},
		{"zeros", func(int) float32 { return []float32{0, negZero}[r.IntN(2)] }},
		{"ascending", func(i int) float32 { return float32(i) }},
		{"descending", func(i int) float32 { return -float32(i) }},
		{"non-finite", func(int) float32 {
			return []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(r.NormFloat64())}[r.IntN(4)]
		}},
	}
	for _, n := range []int{2, 5, 16, 33, 256, 400, floatCap} {
		for _, set := range sets {
			scores := make([]float32, n)
			for i := range scores {
				scores[i] = set.score(i)
			}
			for _, k := range []int{1, 2, n / 4, n / 2, n - 1} {
				if k < 1 || k >= n {
					continue
				}
				msg := set.name + " n=" + strconv.Itoa(n) + " k=" + strconv.Itoa(k)
				got, ok := topKFloatSIMD(scores, k, nil)
				require.True(t, ok, msg)
				require.Equal(t, topKFloat(scores, k, nil, false), got, msg)
			}
		}
	}
}
