package retrieval

import (
	"slices"
	"testing"
	"time"

	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
)

func BenchmarkZZTiming(b *testing.B) {
	bs := newBenchSetup(b)
	s := bs.s4
	r := NewRanker(s.Codec())
	opt, _ := r.resolve(Options{K: 100, Shortlist: 400}, s)
	n := s.Len()
	r.grow(n, 1, opt)
	tv := bs.targets[0]
	rows := s.codec.CodesPerEvent()
	nb := fastscan.Blocks(n)
	scores := make([]float32, n)

	fs := []struct {
		name string
		f    func()
	}{
		{"tables", func() { r.tables(0, tv, opt) }},
		{"gsuq", func() { r.m.GSUQueries(r.gq, tv) }},
		{"buildlut", func() { r.codec.books.BuildLUT(r.flut[:r.codec.books.LUTSize()], r.queries[:64], r.weights) }},
		{"quantize", func() { fastscan.QuantizeLUT(r.qlut[:rows*16], r.flut[:rows*16], rows) }},

		{"topk16-100", func() { r.short = fastscan.TopK16(r.s16[:n], 100, r.short) }},
		{"topkF-100", func() { r.short = fastscan.TopKFloat(scores, 100, r.short) }},
		{"refine400", func() {
			for i, j := range r.short[:400] {
				r.shortScore[i] = r.refineScore(s, 0, int(j), FromCodes)
			}
		}},
		{"scan4", func() { fastscan.Scan4(r.qlut[:rows*16], s.codes, nb, rows, r.s16) }},
		{"topk16", func() { r.short = fastscan.TopK16(r.s16[:n], 400, r.short) }},
		{"refine400", func() {
			for i, j := range r.short[:400] {
				r.shortScore[i] = r.refineScore(s, 0, int(j), FromCodes)
			}
		}},
		{"select", func() { r.kept = r.kept[:0]; r.selectTable(s, 0, opt) }},
		{"refine400-int8", func() {
			for i, j := range r.short[:400] {
				r.shortScore[i] = r.refineScore(s, 0, int(j), FromInt8)
			}
		}},
		{"sort400", func() { slices.Sort(r.short); slices.Reverse(r.short) }},
		{"topkF400-100", func() { r.pick = fastscan.TopKFloat(r.shortScore[:400], 100, r.pick) }},
		{"matvec", func() { kernels.MatVec(scores, bs.h.Vectors(), tv) }},
		{"topkLatest", func() { r.short = topKLatest(scores, 100, r.short) }},
	}
	mins := make([]time.Duration, len(fs))
	for i := range mins {
		mins[i] = time.Hour
	}
	for range 50 {
		for i, f := range fs {
			st := time.Now()
			f.f()
			mins[i] = min(mins[i], time.Since(st))
		}
	}
	for i, f := range fs {
		println(f.name, mins[i].String())
	}
}
