package fastscan

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The benchmark shape is the reference kernel's: 10,000 events × 16 sub-quantizers.
const benchEvents, benchM = 10000, 16

func benchCodes(b *testing.B) (packed []byte, nblocks int) {
	r := rand.New(rand.NewPCG(1, 1))
	packed = make([]byte, PackedLen4(benchEvents, benchM))
	require.NoError(b, PackCodes4(packed, randCodes4(r, benchEvents, benchM), benchEvents, benchM))
	return packed, Blocks(benchEvents)
}

// reportLookups adds table lookups per second (events × sub-quantizers × LUTs per op).
func reportLookups(b *testing.B, perOp int) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Glookups/s")
}

func BenchmarkScan4(b *testing.B) {
	packed, nblocks := benchCodes(b)
	lut := randLUT(rand.New(rand.NewPCG(2, 2)), benchM)
	out := make([]uint16, nblocks*BlockSize)
	for _, k := range implementations() {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k.scan4(lut, packed, nblocks, benchM, out)
			}
			reportLookups(b, benchEvents*benchM)
		})
	}
}

func BenchmarkScanMulti4(b *testing.B) {
	packed, nblocks := benchCodes(b)
	for _, nlut := range []int{2, 4} {
		luts := randLUT(rand.New(rand.NewPCG(3, 3)), nlut*benchM)
		out := make([]uint16, nlut*nblocks*BlockSize)
		for _, k := range implementations() {
			b.Run("luts="+strconv.Itoa(nlut)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					k.scanMulti4(luts, packed, nblocks, benchM, out)
				}
				reportLookups(b, nlut*benchEvents*benchM)
			})
		}
	}
}

func BenchmarkScan8(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	lut := make([]float32, 256*benchM)
	for i := range lut {
		lut[i] = float32(r.NormFloat64())
	}
	codes := make([]byte, benchEvents*benchM)
	for i := range codes {
		codes[i] = byte(r.IntN(256))
	}
	out := make([]float32, benchEvents)
	b.ReportAllocs()
	for b.Loop() {
		if err := Scan8(lut, codes, benchEvents, benchM, out); err != nil {
			b.Fatal(err)
		}
	}
	reportLookups(b, benchEvents*benchM)
}

// benchScores are Scan4 sums of random codes under a random LUT: the distribution TopK16
// sees in retrieval, in event order.
func benchScores(b *testing.B) []uint16 {
	packed, nblocks := benchCodes(b)
	out := make([]uint16, nblocks*BlockSize)
	scan4Portable(randLUT(rand.New(rand.NewPCG(5, 5)), benchM), packed, nblocks, benchM, out)
	return out[:benchEvents]
}

func BenchmarkTopK16(b *testing.B) {
	scores := benchScores(b)
	for _, k := range []int{64, 256} {
		idx := make([]int32, 0, k)
		for _, impl := range implementations() {
			b.Run("k="+strconv.Itoa(k)+"/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					idx = topK16(scores, k, idx, impl.simdTopK)
				}
			})
		}
	}
}

// BenchmarkTopKFloat selects from 10,000 scores, and 64 of 256 as the refine step of the
// default two-stage codec does.
func BenchmarkTopKFloat(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	scores := make([]float32, benchEvents)
	for i := range scores {
		scores[i] = float32(r.NormFloat64())
	}
	for _, tc := range []struct{ n, k int }{{benchEvents, 64}, {benchEvents, 256}, {256, 64}} {
		idx := make([]int32, 0, tc.k)
		b.Run("n="+strconv.Itoa(tc.n)+"/k="+strconv.Itoa(tc.k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				idx = TopKFloat(scores[:tc.n], tc.k, idx)
			}
		})
	}
}
