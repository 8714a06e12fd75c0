package retrieval

import (
	"context"
	"testing"

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
	targets [][]float32
	cands   []Candidate
}

// newBenchSetup builds the default model (with synth's dense slot), one generated user of
// benchEvents events, and 4-bit and 8-bit LayoutCompact codecs trained on part of them.
func newBenchSetup(b *testing.B) *benchSetup {
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
	bs := &benchSetup{m: m, h: history(b, m, evs)}
	bs.s4 = newStore(b, codec(4), StoreOptions{Int8: true}, evs)
	bs.s8 = newStore(b, codec(8), StoreOptions{}, evs)
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
		opt  Options
		one  bool // one candidate per call: no scan shared between candidates
	}{
		{"exact-f32", Options{K: 100}, false},
		{"4-bit+refine-codes", Options{K: 100, Shortlist: 400}, false},
		{"4-bit+refine-codes/unshared", Options{K: 100, Shortlist: 400}, true},
		{"4-bit+refine-int8", Options{K: 100, Shortlist: 400, Refine: FromInt8, ESU: FromInt8}, false},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			r := NewRanker(bs.s4.Codec())
			b.ReportAllocs()
			for b.Loop() {
				var err error
				switch {
				case v.name == "exact-f32":
					_, err = r.RankExact(bs.h, bs.cands, v.opt)
				case v.one:
					for _, c := range bs.cands {
						if _, err = r.Rank(bs.s4, []Candidate{c}, v.opt); err != nil {
							break
						}
					}
				default:
					_, err = r.Rank(bs.s4, bs.cands, v.opt)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(bs.cands)), "µs/candidate")
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
