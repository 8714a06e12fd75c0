//go:build goexperiment.simd && wasm

package fastscan

import (
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
