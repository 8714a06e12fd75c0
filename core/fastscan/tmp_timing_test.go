package fastscan

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestTmpTiming(t *testing.T) {
	packed, nblocks := benchCodes(&testing.B{})
	out := make([]uint16, nblocks*BlockSize)
	lut := randLUT(rand.New(rand.NewPCG(5, 5)), benchM)
	scan4Portable(lut, packed, nblocks, benchM, out)
	scores := out[:benchEvents]
	idx := make([]int32, 0, 256)
	fs := []struct {
		name string
		f    func()
	}{
		{"scan4", func() { scan4(lut, packed, nblocks, benchM, out) }},
		{"topk64simd", func() { topK16(scores, 64, idx, true) }},
		{"topk64port", func() { topK16(scores, 64, idx, false) }},
		{"topk256simd", func() { topK16(scores, 256, idx, true) }},
		{"topkF64", func() { TopKFloat([]float32{}, 64, idx) }},
	}
	mins := make([]time.Duration, len(fs))
	for i := range mins {
		mins[i] = time.Hour
	}
	for range 300 {
		for i, f := range fs {
			st := time.Now()
			f.f()
			mins[i] = min(mins[i], time.Since(st))
		}
	}
	for i, f := range fs {
		t.Log(f.name, mins[i])
	}
}
