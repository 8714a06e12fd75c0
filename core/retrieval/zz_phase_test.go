package retrieval

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/seminar-ranker/seminar/core/fastscan"
)

func BenchmarkZZPhases(b *testing.B) {
	bs := newBenchSetup(b)
	s := bs.s2
	r := NewRanker(s.Codec())
	opt, err := r.resolve(Options{}, s)
	if err != nil {
		b.Fatal(err)
	}
	r.grow(s.Len(), 8, opt)
	for c := 0; c < 8; c++ {
		if err := r.tables(c, bs.targets[c], opt); err != nil {
			b.Fatal(err)
		}
	}
	r.scan(s, 8, opt)
	n := s.Len()
	{
		stride := fastscan.Blocks(n) * fastscan.BlockSize
		buf := make([]byte, 0, 8*n*2)
		for l := 0; l < 8; l++ {
			for _, v := range r.s16[l*stride : l*stride+n] {
				buf = append(buf, byte(v), byte(v>>8))
			}
		}
		_ = os.WriteFile("/tmp/zz_s16.bin", buf, 0o644)
	}
	stride := fastscan.Blocks(n) * fastscan.BlockSize
	var tTop, tSort, tRef, tTF, tLUT, tQ, tFine, tTV time.Duration
	const reps = 200
	for range b.N {
		for i := range reps {
			l := i % 8
			t0 := time.Now()
			r.short = fastscan.TopK16(r.s16[l*stride:l*stride+n], opt.Shortlist, r.short)
			t1 := time.Now()
			slices.Sort(r.short)
			slices.Reverse(r.short)
			t2 := time.Now()
			scores := r.shortScore[:opt.Shortlist]
			r.refine(s, l, scores, opt.Refine)
			t3 := time.Now()
			r.pick = fastscan.TopKFloat(scores, opt.K, r.pick)
			t4 := time.Now()
			tTop += t1.Sub(t0)
			tSort += t2.Sub(t1)
			tRef += t3.Sub(t2)
			tTF += t4.Sub(t3)
			q := r.queries[l*r.d : (l+1)*r.d]
			size := r.codec.books.LUTSize()
			flut := r.flut[l*size : (l+1)*size]
			t5 := time.Now()
			_ = r.codec.books.BuildLUT(flut, q, r.weights)
			t6 := time.Now()
			rows := r.codec.CodesPerEvent()
			_, _, _ = fastscan.QuantizeLUT(r.qlut[l*rows*16:(l+1)*rows*16], flut, rows)
			t7 := time.Now()
			fsize := r.codec.fine.LUTSize()
			_ = r.codec.fine.BuildLUT(r.fineLUT[l*fsize:(l+1)*fsize], q)
			t8 := time.Now()
			_ = r.retrievalVectors(r.qs, bs.targets[l], opt)
			t9 := time.Now()
			tLUT += t6.Sub(t5)
			tQ += t7.Sub(t6)
			tFine += t8.Sub(t7)
			tTV += t9.Sub(t8)
		}
	}
	per := float64(b.N * reps)
	for _, p := range []struct {
		n string
		d time.Duration
	}{{"topk16-us", tTop}, {"sort-us", tSort}, {"refine-us", tRef}, {"topkf-us", tTF}, {"coarselut-us", tLUT}, {"quant-us", tQ}, {"finelut-us", tFine}, {"gsuq-us", tTV}} {
		b.ReportMetric(float64(p.d.Nanoseconds())/per/1e3, p.n)
	}
}
