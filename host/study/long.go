package study

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/quantize"
)

// longHistory is one generated user's history of a fixed length.
type longHistory struct {
	sd  *studyData
	evs []data.Event
	*recallHistory
}

// newLongHistory encodes synth.LongUser's history of n events over the ranking set's catalogue,
// with targets: half items of the user's own events, half any items, each under the query and
// kind of one of the user's events.
func newLongHistory(sd *studyData, n, targets int) (*longHistory, error) {
	c := synth.DefaultConfig()
	d, err := synth.LongUser(c.Seed, c.Items, n)
	if err != nil {
		return nil, err
	}
	evs := d.Users[0].Events
	rh, err := encodeHistory(sd.m, sd.c4, sd.c8, sd.items, evs)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(studySeed, uint64(n)))
	enc := model.NewEncoder(sd.m)
	for i := range targets {
		e := evs[rng.IntN(len(evs))]
		item := evs[rng.IntN(len(evs))].Item
		if i%2 == 1 {
			item = int32(rng.IntN(len(sd.items)))
		}
		t := make([]float32, sd.m.Dim())
		if err := enc.EventVector(t, e.Query, e.Kind, &sd.items[item]); err != nil {
			return nil, err
		}
		rh.targets = append(rh.targets, t)
	}
	return &longHistory{sd: sd, evs: evs, recallHistory: rh}, nil
}

func (lh *longHistory) recall(rep *Report) error {
	vs := recallVariants(lh.sd.m)
	acc := make([]recallAccumulator, len(vs))
	rs := newRecallScratch(lh.sd.m)
	r4, r8, rx := retrieval.NewRanker(lh.sd.c4), retrieval.NewRanker(lh.sd.c8), retrieval.NewRanker(lh.sd.c4)
	if err := rs.run(lh.recallHistory, vs, r4, r8, rx, acc); err != nil {
		return err
	}
	rep.addRecall(fmt.Sprintf("generated, L=%d", lh.h.Len()), lh.sd.kind, vs, acc)
	return nil
}

// studyLayouts are the codec layouts compared at L = 10^4 (see package retrieval).
var studyLayouts = []string{
	"query+id+text+attrs+dense:64,query:4",
	"query+id+text+attrs+dense:64,query:8",
	"query+id+text+attrs+dense:64,query:16",
	"query+id+text+attrs+dense:64",
	"query+id+text+attrs+dense:32,query:32",
	"query:32,id+text+attrs+dense:32",
	"query:16,id+text+attrs+dense:64",
	"query:16,id:16,text:16,attrs:16,dense:16",
	"query:8,id:8,text:8,attrs:8,dense:8",
}

// layouts trains a 4-bit codec per layout on the generated set's training events and measures
// its bytes per event and its recall@100 (merged heads), plain and with the query part weighted 2.
func (lh *longHistory) layouts(ctx context.Context, rep *Report) error {
	var train []retrieval.Event
	for _, u := range lh.sd.trainUsers {
		for _, e := range lh.sd.full.Users[u].Events {
			train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &lh.sd.items[e.Item]})
		}
	}
	w := []float32{2, 1, 1, 1, 1}
	vs := []recallVariant{
		{"4-bit", "", 4, retrieval.Options{K: 100}, retrieval.Options{K: 100}, nil},
		{"int8", "", 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8}, retrieval.Options{K: 100}, nil},
		{"4-bit weighted", "", 4, retrieval.Options{K: 100, Weights: w}, retrieval.Options{K: 100}, w},
		{"int8 weighted", "", 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8, Weights: w},
			retrieval.Options{K: 100}, w},
	}
	rs := newRecallScratch(lh.sd.m)
	rx := retrieval.NewRanker(lh.sd.c4)
	for _, layout := range studyLayouts {
		c, err := quantize.Train(ctx, lh.sd.m, train, quantize.Options{Layout: layout, Bits: 4, MaxEvents: 100_000, Seed: studySeed})
		if err != nil {
			return fmt.Errorf("layout %s: %w", layout, err)
		}
		rh, err := encodeHistory(lh.sd.m, c, nil, lh.sd.items, lh.evs)
		if err != nil {
			return err
		}
		rh.targets = lh.targets
		weighted := c.GroupWeights(make([]float32, len(c.Groups())), w) == nil
		run := vs
		if !weighted {
			run = vs[:2]
		}
		acc := make([]recallAccumulator, len(run))
		if err := rs.run(rh, run, retrieval.NewRanker(c), nil, rx, acc); err != nil {
			return fmt.Errorf("layout %s: %w", layout, err)
		}
		row := LayoutRow{Layout: layout, Bytes: rh.s4.BytesPerEvent() - lh.sd.m.Dim() - 4,
			Recall: acc[0].strict / float64(acc[0].n), RecallInt8: acc[1].strict / float64(acc[1].n)}
		if weighted {
			row.Weighted, row.WeightedInt8 = acc[2].strict/float64(acc[2].n), acc[3].strict/float64(acc[3].n)
		}
		rep.Layouts = append(rep.Layouts, row)
	}
	return nil
}

// bytesStudy reports what a store keeps per event, and its whole binary form over L.
func bytesStudy(lh *longHistory, rep *Report) {
	n := float64(lh.h.Len())
	for _, s := range []struct {
		name  string
		store *retrieval.Store
		int8  bool
	}{
		{"4-bit codes (" + describeCodec(lh.sd.c4) + "), time, kind", lh.s4, false},
		{"4-bit codes, time, kind, int8 copy", lh.s4, true},
		{"8-bit codes (" + describeCodec(lh.sd.c8) + "), time, kind", lh.s8, false},
	} {
		per := float64(s.store.BytesPerEvent())
		b, _ := s.store.MarshalBinary()
		measured := float64(len(b)) / n
		if s.store.Options().Int8 && !s.int8 {
			per -= float64(lh.sd.m.Dim() + 4)
			measured -= float64(lh.sd.m.Dim() + 4)
		}
		rep.Bytes = append(rep.Bytes, BytesRow{Store: s.name, Bytes: per, Measured: measured})
	}
	rep.Bytes = append(rep.Bytes, BytesRow{Store: "float32 event vector (exact), for comparison", Bytes: float64(4 * lh.sd.m.Dim()),
		Measured: float64(4 * lh.sd.m.Dim())})
}

// gsuVariant is one retrieval timed for speed.
type gsuVariant struct {
	name  string
	exact bool
	bits  int
	opt   retrieval.Options
}

func gsuVariants() []gsuVariant {
	return []gsuVariant{
		{"exact f32, merged heads, K=100", true, 0, retrieval.Options{K: 100}},
		{"exact f32, per head (the model's GSU)", true, 0, retrieval.Options{Heads: retrieval.PerHead}},
		{"8-bit ADC, K=100", false, 8, retrieval.Options{K: 100}},
		{"4-bit fast scan, K=100", false, 4, retrieval.Options{K: 100, Refine: retrieval.FromCoarse}},
		{"4-bit two-stage: scan + refine from fine codes, R=400 (default)", false, 4, retrieval.Options{K: 100}},
		{"4-bit + refine from int8, R=400", false, 4, retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8}},
		{"4-bit per head", false, 4, retrieval.Options{Heads: retrieval.PerHead}},
	}
}

// nativeSpeed times every GSU variant natively, one target per call.
func (lh *longHistory) nativeSpeed(rep *Report) error {
	vs := gsuVariants()
	calls := make([]func() error, len(vs))
	for k, v := range vs {
		r4, r8 := retrieval.NewRanker(lh.sd.c4), retrieval.NewRanker(lh.sd.c8)
		i := 0
		calls[k] = func() error {
			t := lh.targets[i%len(lh.targets)]
			i++
			var err error
			switch {
			case v.exact:
				_, err = r4.RetrieveExact(lh.h, t, v.opt)
			case v.bits == 8:
				_, err = r8.Retrieve(lh.s8, t, v.opt)
			default:
				_, err = r4.Retrieve(lh.s4, t, v.opt)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			return nil
		}
	}
	took, err := timing.Interleaved(calls)
	if err != nil {
		return err
	}
	rows := make([]SpeedRow, len(vs))
	for k, v := range vs {
		rows[k] = SpeedRow{Where: "native", L: lh.h.Len(), Variant: v.name, Micros: timing.Micros(took[k])}
	}
	rep.Speed = append(rep.Speed, speedRatios(rows)...)
	return nil
}

// speedRatios fills in each row's speed-up over the two exact variants, the first two rows.
func speedRatios(rows []SpeedRow) []SpeedRow {
	for i := range rows {
		rows[i].VsExactMerged = rows[0].Micros / rows[i].Micros
		rows[i].VsExactPerHead = rows[1].Micros / rows[i].Micros
	}
	return rows
}
