package retrieval

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/pq"
)

// benchEvents is the history length of the benchmarks: the study's L = 10^4.
const benchEvents = 10_000

type benchSetup struct {
	m       *model.Model
	h       *model.History
	s4, s8  *Store
	s2      *Store // the default two-stage codec, with fine codes
	targets [][]float32
	cands   []Candidate
}

// newBenchSetup builds the default model (with synth's dense slot), one generated user of
// benchEvents events, 4-bit and 8-bit LayoutCompact codecs and the default two-stage codec
// (LayoutTwoStage, DefaultFine) trained on part of them.
func newBenchSetup(b *testing.B) *benchSetup { return newBenchSetupT(b) }

func newBenchSetupT(b testing.TB) *benchSetup {
	b.Helper()
	cfg := model.DefaultConfig()
	cfg.DenseDims = []int{synth.DefaultConfig().DenseDim}
	m, err := model.New(cfg)
	require.NoError(b, err)
	ds, err := synth.LongUser(1, 10_000, benchEvents)
	require.NoError(b, err)
	evs := make([]Event, benchEvents)
	for j, e := range ds.Users[0].Events {
		evs[j] = Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &ds.Items[e.Item]}
	}
	specs, err := ParseLayout(LayoutCompact, cfg.Dim)
	require.NoError(b, err)
	codec := func(bits int) *Codec {
		c, err := TrainCodec(context.Background(), m, evs[:4000], TrainOptions{
			Layout: specs, Bits: bits, KMeans: pq.KMeansOptions{Seed: 1, MaxIter: 10},
		})
		require.NoError(b, err)
		return c
	}
	twoStage, err := ParseLayout(LayoutTwoStage, cfg.Dim)
	require.NoError(b, err)
	c2, err := TrainCodec(context.Background(), m, evs[:4000], TrainOptions{
		Layout: twoStage, Bits: 4, Fine: DefaultFine, KMeans: pq.KMeansOptions{Seed: 1, MaxIter: 10},
	})
	require.NoError(b, err)
	bs := &benchSetup{m: m, h: history(b, m, evs)}
	bs.s4 = newStore(b, codec(4), StoreOptions{Int8: true}, evs)
	bs.s8 = newStore(b, codec(8), StoreOptions{}, evs)
	bs.s2 = newStore(b, c2, StoreOptions{}, evs)
	for i := range 100 {
		it := &ds.Items[(i*7919)%len(ds.Items)]
		c := Candidate{Query: evs[len(evs)-1-i].Query, Kind: data.Search, Item: it}
		bs.cands = append(bs.cands, c)
		bs.targets = append(bs.targets, targetVector(b, m, c))
	}
	return bs
}

// BenchmarkGSU times the retrieval of one target over benchEvents events, for every variant.
func BenchmarkGSU(b *testing.B) {
	bs := newBenchSetup(b)
	variants := []struct {
		name  string
		exact bool
		s     *Store
		opt   Options
	}{
		{"exact-f32", true, nil, Options{K: 100}},
		{"exact-f32-per-head", true, nil, Options{Heads: PerHead}},
		{"8-bit", false, bs.s8, Options{K: 100}},
		{"4-bit", false, bs.s4, Options{K: 100}},
		{"4-bit+refine-codes", false, bs.s4, Options{K: 100, Shortlist: 400}},
		{"4-bit+refine-int8", false, bs.s4, Options{K: 100, Shortlist: 400, Refine: FromInt8}},
		{"4-bit-per-head", false, bs.s4, Options{Heads: PerHead}},
		{"two-stage-default", false, bs.s2, Options{}},
		{"two-stage-K100", false, bs.s2, Options{K: 100}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			c := bs.s4.Codec()
			if v.s != nil {
				c = v.s.Codec()
			}
			r := NewRanker(c)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				var err error
				if v.exact {
					_, err = r.RetrieveExact(bs.h, bs.targets[i%len(bs.targets)], v.opt)
				} else {
					_, err = r.Retrieve(v.s, bs.targets[i%len(bs.targets)], v.opt)
				}
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkRank times ranking 100 candidates, GSU and ESU, reported per candidate.
func BenchmarkRank(b *testing.B) {
	bs := newBenchSetup(b)
	variants := []struct {
		name string
		s    *Store // nil: exact
		opt  Options
		one  bool // one candidate per call: no scan shared between candidates
	}{
		{"exact-f32", nil, Options{K: 100}, false},
		{"4-bit+refine-codes", bs.s4, Options{K: 100, Shortlist: 400}, false},
		{"4-bit+refine-codes/unshared", bs.s4, Options{K: 100, Shortlist: 400}, true},
		{"4-bit+refine-int8", bs.s4, Options{K: 100, Shortlist: 400, Refine: FromInt8, ESU: FromInt8}, false},
		{"two-stage-default", bs.s2, Options{}, false},
		{"two-stage-K100", bs.s2, Options{K: 100}, false},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			s := v.s
			if s == nil {
				s = bs.s4
			}
			r := NewRanker(s.Codec())
			b.ReportAllocs()
			var tm Timings
			for b.Loop() {
				var err error
				var res Result
				switch {
				case v.s == nil:
					res, err = r.RankExact(bs.h, bs.cands, v.opt)
				case v.one:
					for _, c := range bs.cands {
						if res, err = r.Rank(s, []Candidate{c}, v.opt); err != nil {
							break
						}
					}
				default:
					res, err = r.Rank(s, bs.cands, v.opt)
				}
				tm = res.Timings
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(bs.cands)), "µs/candidate")
			if !v.one {
				// The phases of the last call, in ms, as the module's timings report them.
				for _, p := range []struct {
					name string
					d    time.Duration
				}{{"lut-ms", tm.Targets}, {"scan-ms", tm.Scan}, {"select-ms", tm.Select}, {"esu-ms", tm.ESU}} {
					b.ReportMetric(float64(p.d.Microseconds())/1e3, p.name)
				}
			}
		})
	}
}

// BenchmarkRecall reports the recall@100 of the approximate GSU against the exact GSU (merged
// heads, K = 100) over the benchmarks' history and 100 targets, with the default options of
// each store: the figure the study reports at L = 10^4.
func BenchmarkRecall(b *testing.B) {
	bs := newBenchSetup(b)
	for _, v := range []struct {
		name string
		s    *Store
		opt  Options
	}{
		{"compact-4-bit", bs.s4, Options{K: 100}},
		{"compact-refine-int8", bs.s4, Options{K: 100, Shortlist: 400, Refine: FromInt8}},
		{"two-stage-coarse", bs.s2, Options{K: 100, Refine: FromCoarse}},
		{"two-stage-default", bs.s2, Options{K: 100}},
		{"two-stage-R1000", bs.s2, Options{K: 100, Shortlist: 1000}},
	} {
		b.Run(v.name, func(b *testing.B) {
			r, exact := NewRanker(v.s.Codec()), NewRanker(v.s.Codec())
			var recall float64
			for b.Loop() {
				hits := 0
				for _, t := range bs.targets {
					want, err := exact.RetrieveExact(bs.h, t, Options{K: 100})
					require.NoError(b, err)
					want = slices.Clone(want)
					got, err := r.Retrieve(v.s, t, v.opt)
					require.NoError(b, err)
					for _, j := range got {
						if _, ok := slices.BinarySearch(want, j); ok {
							hits++
						}
					}
				}
				recall = float64(hits) / float64(100*len(bs.targets))
			}
			b.ReportMetric(recall, "recall@100")
			b.ReportMetric(float64(v.s.BytesPerEvent()), "B/event")
		})
	}
}

// BenchmarkAppend times encoding and storing one event.
func BenchmarkAppend(b *testing.B) {
	bs := newBenchSetup(b)
	s := NewStore(bs.s4.Codec(), StoreOptions{})
	s.Reserve(1 << 20)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := bs.cands[i%len(bs.cands)]
		if err := s.Append(Event{Time: int64(i), Kind: c.Kind, Query: c.Query, Item: c.Item}); err != nil {
			b.Fatal(err)
		}
		i++
		if s.Len() == 1<<20 {
			s.Reset()
		}
	}
}

// BenchmarkDecodeKept times the decoding of the vectors of 1,000 events spread over the
// benchEvents events of a store, as a rank call decodes the events it keeps.
func BenchmarkDecodeKept(b *testing.B) {
	const kept = 1000
	bs := newBenchSetup(b)
	for _, v := range []struct {
		name string
		s    *Store
		from Vectors
	}{
		{"two-stage-default", bs.s2, FromCodes},
		{"two-stage-coarse", bs.s2, FromCoarse},
		{"compact-4bit", bs.s4, FromCodes},
		{"compact-8bit", bs.s8, FromCodes},
	} {
		b.Run(v.name, func(b *testing.B) {
			dst := make([]float32, bs.m.Dim())
			code := make([]byte, v.s.Codec().CodesPerEvent())
			b.ReportAllocs()
			for b.Loop() {
				for i := range kept {
					v.s.vector(dst, i*(benchEvents/kept)+i%7, v.from, code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*kept), "ns/event")
		})
	}
	// The yardstick: the same two-stage vectors from the codes one byte each, through the
	// codebooks' checked calls.
	b.Run("two-stage-default-bytewise", func(b *testing.B) {
		s, c := bs.s2, bs.s2.Codec()
		dst, code := make([]float32, bs.m.Dim()), make([]byte, c.CodesPerEvent())
		fm := c.FineBytes()
		b.ReportAllocs()
		for b.Loop() {
			for i := range kept {
				j := i*(benchEvents/kept) + i%7
				s.codesOf(code, j)
				_ = c.books.DecodeEvent(dst, code, c.decode)
				_ = c.fine.AddDecoded(dst, s.fine[j*fm:(j+1)*fm], 1)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*kept), "ns/event")
	})
}
