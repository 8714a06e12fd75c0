package fastscan

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveScan4 sums the LUT entries of each event's codes, the definition Scan4 implements.
func naiveScan4(lut []uint8, codes []byte, n, m int) []uint16 {
	out := make([]uint16, n)
	for e := 0; e < n; e++ {
		for c := 0; c < m; c++ {
			out[e] += uint16(lut[16*c+int(codes[e*m+c])])
		}
	}
	return out
}

func randLUT(r *rand.Rand, m int) []uint8 {
	lut := make([]uint8, 16*m)
	for i := range lut {
		lut[i] = uint8(r.IntN(256))
	}
	return lut
}

// scanShapes covers every chunking of the sub-quantizer pairs (8, 4, 2 and 1 at a time and
// their sums) and event counts around the block size.
var (
	scanMs = []int{2, 4, 6, 8, 10, 12, 14, 16, 18, 24, 30, 32, 34, 64}
	scanNs = []int{0, 1, 5, 31, 32, 33, 64, 100, 1000}
)

func TestScan4MatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, m := range scanMs {
		for _, n := range scanNs {
			codes := randCodes4(r, n, m)
			lut := randLUT(r, m)
			packed := make([]byte, PackedLen4(n, m))
			require.NoError(t, PackCodes4(packed, codes, n, m))
			// The reference reads the codes back out of the packed layout.
			unpacked := make([]byte, n*m)
			for e := 0; e < n; e++ {
				require.NoError(t, UnpackCodes4(unpacked[e*m:], packed, m, e))
			}
			want := naiveScan4(lut, unpacked, n, m)
			// Padding events have all codes 0.
			pad := uint16(0)
			for c := 0; c < m; c++ {
				pad += uint16(lut[16*c])
			}
			results := map[string][]uint16{}
			for _, k := range implementations() {
				out := make([]uint16, Blocks(n)*BlockSize)
				for i := range out {
					out[i] = 0xdead // must be overwritten, not added to
				}
				k.scan4(lut, packed, Blocks(n), m, out)
				require.Equal(t, want, out[:n], "%s m=%d n=%d", k.name, m, n)
				for j := n; j < len(out); j++ {
					require.Equal(t, pad, out[j], "%s m=%d n=%d padding %d", k.name, m, n, j)
				}
				results[k.name] = out
			}
			exported := make([]uint16, Blocks(n)*BlockSize)
			require.NoError(t, Scan4(lut, packed, Blocks(n), m, exported))
			require.Equal(t, results[implementations()[len(implementations())-1].name], exported)
		}
	}
}

func TestScan4LargestSumsDoNotWrap(t *testing.T) {
	const n, m = 70, MaxSubquantizers4
	lut := make([]uint8, 16*m)
	for i := range lut {
		lut[i] = 255
	}
	codes := randCodes4(rand.New(rand.NewPCG(5, 6)), n, m)
	packed := make([]byte, PackedLen4(n, m))
	require.NoError(t, PackCodes4(packed, codes, n, m))
	for _, k := range implementations() {
		out := make([]uint16, Blocks(n)*BlockSize)
		k.scan4(lut, packed, Blocks(n), m, out)
		for j, v := range out {
			require.Equal(t, uint16(m*255), v, "%s event %d", k.name, j)
		}
	}
}

func TestScanMulti4MatchesScan4(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, m := range []int{2, 6, 8, 16, 18, 32} {
		for _, n := range []int{0, 33, 300} {
			for _, c := range []int{0, 1, 2, 3, 5} {
				codes := randCodes4(r, n, m)
				packed := make([]byte, PackedLen4(n, m))
				require.NoError(t, PackCodes4(packed, codes, n, m))
				luts := randLUT(r, c*m)
				rowLen := Blocks(n) * BlockSize
				want := make([]uint16, c*rowLen)
				for i := 0; i < c; i++ {
					scan4Portable(luts[16*m*i:16*m*(i+1)], packed, Blocks(n), m, want[rowLen*i:rowLen*(i+1)])
				}
				for _, k := range implementations() {
					out := make([]uint16, c*rowLen)
					k.scanMulti4(luts, packed, Blocks(n), m, out)
					require.Equal(t, want, out, "%s m=%d n=%d luts=%d", k.name, m, n, c)
				}
				out := make([]uint16, c*rowLen)
				require.NoError(t, ScanMulti4(luts, packed, Blocks(n), m, out))
				require.Equal(t, want, out)
			}
		}
	}
}

func TestScan4Errors(t *testing.T) {
	const n, m = 40, 8
	nb := Blocks(n)
	lut, packed, out := make([]uint8, 16*m), make([]byte, PackedLen4(n, m)), make([]uint16, nb*BlockSize)
	cases := []struct {
		name   string
		err    error
		substr string
	}{
		{"odd m", Scan4(lut, packed, nb, 7, out), "even number"},
		{"m too large", Scan4(make([]uint8, 16*258), make([]byte, 16*258*nb), nb, 258, out), "even number"},
		{"negative blocks", Scan4(lut, packed, -1, m, out), "negative block count"},
		{"short LUT", Scan4(lut[:16*m-1], packed, nb, m, out), "LUT has length"},
		{"short codes", Scan4(lut, packed[:len(packed)-1], nb, m, out), "packed codes has length"},
		{"short output", Scan4(lut, packed, nb, m, out[:len(out)-1]), "output has length"},
		{"multi: ragged LUTs", ScanMulti4(make([]uint8, 16*m+1), packed, nb, m, out), "not a multiple"},
		{"multi: short output", ScanMulti4(make([]uint8, 2*16*m), packed, nb, m, out), "output has length"},
		{"multi: odd m", ScanMulti4(lut, packed, nb, 5, out), "even number"},
	}
	for _, c := range cases {
		require.ErrorContains(t, c.err, c.substr, c.name)
	}
	require.NoError(t, Scan4(lut, packed, 0, m, nil), "zero blocks need no output")
}

func TestScanAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const n, m = 1000, 16
	codes := randCodes4(r, n, m)
	packed := make([]byte, PackedLen4(n, m))
	require.NoError(t, PackCodes4(packed, codes, n, m))
	lut, luts := randLUT(r, m), randLUT(r, 3*m)
	out := make([]uint16, 3*Blocks(n)*BlockSize)
	lut8, codes8, out8 := make([]float32, 256*m), make([]byte, n*m), make([]float32, n)
	require.Zero(t, testing.AllocsPerRun(10, func() {
		require.NoError(t, Scan4(lut, packed, Blocks(n), m, out))
		require.NoError(t, ScanMulti4(luts, packed, Blocks(n), m, out))
		require.NoError(t, Scan8(lut8, codes8, n, m, out8))
	}))
}
