//go:build goexperiment.simd && amd64

package fastscan

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// implementations lists the kernel versions this build can run: portable, and AVX2 when the
// CPU has it (the last one listed is the one the exported functions use).
func implementations() []impl {
	if !SIMD {
		return []impl{portableImpl}
	}
	return []impl{portableImpl, {
		name:       "simd",
		scan4:      scan4AVX2,
		scanMulti4: scanMulti4AVX2,
		simdTopK:   false,
		rowRange:   rowRangePortable,
	}}
}

// The AVX2 scan keeps pairsPerPass sub-quantizer pairs per pass and adds later passes to out:
// every m around the pass boundaries, up to the largest, must give the portable sums bit for
// bit, for one LUT and for even and odd LUT counts, with LUT entries all 255 too (the largest
// sums, where the even/odd split would show any wrap).
func TestAVX2ScanPassesMatchPortable(t *testing.T) {
	if !SIMD {
		t.Skip("no AVX2 on this CPU")
	}
	r := rand.New(rand.NewPCG(41, 42))
	ms := []int{2, 4, 30, 32, 34, 62, 64, 66, 96, 130, MaxSubquantizers4}
	for _, m := range ms {
		for _, n := range []int{1, 32, 65, 333} {
			for _, c := range []int{1, 2, 3} {
				name := "m=" + strconv.Itoa(m) + " n=" + strconv.Itoa(n) + " luts=" + strconv.Itoa(c)
				t.Run(name, func(t *testing.T) {
					packed := make([]byte, PackedLen4(n, m))
					require.NoError(t, PackCodes4(packed, randCodes4(r, n, m), n, m))
					for _, full := range []bool{false, true} {
						luts := randLUT(r, c*m)
						if full {
							for i := range luts {
								luts[i] = 255
							}
						}
						nb, rowLen := Blocks(n), Blocks(n)*BlockSize
						want, got := make([]uint16, c*rowLen), make([]uint16, c*rowLen)
						scanMulti4Portable(luts, packed, nb, m, want)
						scanMulti4AVX2(luts, packed, nb, m, got)
						require.Equal(t, want, got, "multi")
						scan4AVX2(luts[:16*m], packed, nb, m, got[:rowLen])
						require.Equal(t, want[:rowLen], got[:rowLen], "single")
					}
				})
			}
		}
	}
}

func TestAVX2ScanDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	const n, m = 1000, 36
	packed := make([]byte, PackedLen4(n, m))
	require.NoError(t, PackCodes4(packed, randCodes4(r, n, m), n, m))
	luts := randLUT(r, 3*m)
	out := make([]uint16, 3*Blocks(n)*BlockSize)
	require.Zero(t, testing.AllocsPerRun(10, func() {
		require.NoError(t, Scan4(luts[:16*m], packed, Blocks(n), m, out))
		require.NoError(t, ScanMulti4(luts, packed, Blocks(n), m, out))
	}))
}

// The AVX2 threshold test must stop at the same score as the scalar one for every start,
// threshold (0, every score, none) and tail length.
func TestNextAbove16AVX2MatchesPortable(t *testing.T) {
	if !SIMD {
		t.Skip("no AVX2 on this CPU")
	}
	r := rand.New(rand.NewPCG(45, 46))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 33, 100, 1000} {
		scores := make([]uint16, n)
		for i := range scores {
			scores[i] = uint16(r.IntN(1 << 16))
		}
		if n > 3 {
			scores[n-1], scores[n/2] = 0xffff, 0
		}
		for _, th := range []uint32{0, 1, 0x7fff, 0x8000, 0x8001, 0xfff0, 0xffff, 0x10000} {
			for i := 0; i <= n; i++ {
				require.Equal(t, nextAbove16Portable(scores, i, th), nextAbove16AVX2(scores, i, th),
					"n=%d i=%d th=%#x", n, i, th)
			}
		}
	}
}
