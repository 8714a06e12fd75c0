package study

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/fastscan"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// recallHistory is one history in all its forms and the targets retrieved from it.
type recallHistory struct {
	h       *model.History // event vectors s_j
	hq      *model.History // query parts u_query(j), for exactly weighted scores
	s4, s8  *retrieval.Store
	targets [][]float32
}

// encodeHistory encodes events into a recallHistory's vectors and stores.
func encodeHistory(m *model.Model, c4, c8 *retrieval.Codec, items []data.Item, evs []data.Event) (*recallHistory, error) {
	d := m.Dim()
	rh := &recallHistory{h: m.NewHistory(len(evs)), hq: m.NewHistory(len(evs)),
		s4: retrieval.NewStore(c4, retrieval.StoreOptions{Int8: true})}
	rh.s4.Reserve(len(evs))
	if c8 != nil {
		rh.s8 = retrieval.NewStore(c8, retrieval.StoreOptions{})
		rh.s8.Reserve(len(evs))
	}
	enc := model.NewEncoder(m)
	parts := make([]float32, model.NumParts*d)
	s := make([]float32, d)
	for _, e := range evs {
		if err := enc.EventParts(parts, e.Query, e.Kind, &items[e.Item]); err != nil {
			return nil, err
		}
		// Summed in part order, as model.Encoder.EventVector sums.
		copy(s, parts[:d])
		for p := 1; p < model.NumParts; p++ {
			kernels.Axpy(1, parts[p*d:(p+1)*d], s)
		}
		if err := errors.Join(rh.h.Append(s), rh.hq.Append(parts[:d]), rh.s4.AppendParts(parts, e.Time, e.Kind)); err != nil {
			return nil, err
		}
		if rh.s8 != nil {
			if err := rh.s8.AppendParts(parts, e.Time, e.Kind); err != nil {
				return nil, err
			}
		}
	}
	return rh, nil
}

// recallVariant is one approximate retrieval compared with an exact one.
type recallVariant struct {
	name       string
	definition string
	bits       int
	opt        retrieval.Options
	exact      retrieval.Options
	weights    []float32 // per part, for the exactly weighted reference; nil for plain scores
}

func recallVariants(m *model.Model) []recallVariant {
	cfg := m.Config()
	var vs []recallVariant
	merged := "merged heads: top K of Σ_h a_h(j)"
	for _, k := range []int{50, 100} {
		r := shortlistFactor * k
		exact := retrieval.Options{K: k}
		vs = append(vs,
			recallVariant{"4-bit coarse scan", merged, 4, retrieval.Options{K: k, Refine: retrieval.FromCoarse}, exact, nil},
			recallVariant{fmt.Sprintf("two-stage: 4-bit scan + refine from fine codes, R=%d (default)", retrieval.DefaultShortlistFactor*k),
				merged, 4, retrieval.Options{K: k}, exact, nil},
			recallVariant{fmt.Sprintf("two-stage: 4-bit scan + refine from fine codes, R=%d", 10*k),
				merged, 4, retrieval.Options{K: k, Shortlist: 10 * k}, exact, nil},
			recallVariant{fmt.Sprintf("4-bit + refine from int8, R=%d", r), merged, 4,
				retrieval.Options{K: k, Shortlist: r, Refine: retrieval.FromInt8}, exact, nil},
			recallVariant{"8-bit", merged, 8, retrieval.Options{K: k}, exact, nil},
		)
	}
	perHead := fmt.Sprintf("per head: union of each head's top %d (the model's GSU)", cfg.TopK)
	exactPH := retrieval.Options{Heads: retrieval.PerHead}
	all := cfg.Heads * cfg.TopK
	vs = append(vs,
		recallVariant{"4-bit per head", perHead, 4, retrieval.Options{Heads: retrieval.PerHead}, exactPH, nil},
		recallVariant{fmt.Sprintf("4-bit per head + refine from int8, R=%d", shortlistFactor*cfg.TopK), perHead, 4,
			retrieval.Options{Heads: retrieval.PerHead, Shortlist: shortlistFactor * cfg.TopK, Refine: retrieval.FromInt8}, exactPH, nil},
		recallVariant{fmt.Sprintf("exact merged, K=%d", all), perHead + ", by merged retrieval", 0,
			retrieval.Options{K: all}, exactPH, nil},
		recallVariant{fmt.Sprintf("4-bit merged + refine from int8, K=%d, R=%d", all, 2*all), perHead + ", by merged retrieval", 4,
			retrieval.Options{K: all, Shortlist: 2 * all, Refine: retrieval.FromInt8}, exactPH, nil},
	)
	for _, wq := range []float32{2, 0.5} {
		w := []float32{wq, 1, 1, 1, 1}
		def := fmt.Sprintf("merged, query part weighted %g", wq)
		vs = append(vs,
			recallVariant{"4-bit", def, 4, retrieval.Options{K: 100, Weights: w}, retrieval.Options{K: 100}, w},
			recallVariant{"4-bit + refine from int8, R=400", def, 4,
				retrieval.Options{K: 100, Shortlist: 400, Refine: retrieval.FromInt8, Weights: w}, retrieval.Options{K: 100}, w},
		)
	}
	return vs
}

// recallAccumulator sums the recall of one variant over targets.
type recallAccumulator struct {
	strict, tie float64
	hasTie      bool
	n, events   int
}

// recallScratch holds the buffers of exact scoring.
type recallScratch struct {
	m        *model.Model
	gq, q    []float32
	scores   []float32 // q̄·s_j
	qscores  []float32 // q̄·u_query(j)
	weighted []float32
	idx      []int32
	exact    []int32
}

func newRecallScratch(m *model.Model) *recallScratch {
	cfg := m.Config()
	return &recallScratch{m: m, gq: make([]float32, cfg.Heads*cfg.Dim), q: make([]float32, cfg.Dim)}
}

// run adds the recall of every variant for every target of rh to acc.
func (rs *recallScratch) run(rh *recallHistory, vs []recallVariant, r4, r8, rx *retrieval.Ranker, acc []recallAccumulator) error {
	d, n := rs.m.Dim(), rh.h.Len()
	rs.scores = slices.Grow(rs.scores[:0], n)[:n]
	rs.qscores = slices.Grow(rs.qscores[:0], n)[:n]
	rs.weighted = slices.Grow(rs.weighted[:0], n)[:n]
	for _, t := range rh.targets {
		if err := rs.m.GSUQueries(rs.gq, t); err != nil {
			return err
		}
		copy(rs.q, rs.gq[:d])
		for h := 1; h < len(rs.gq)/d; h++ {
			kernels.Axpy(1, rs.gq[h*d:(h+1)*d], rs.q)
		}
		kernels.MatVec(rs.scores, rh.h.Vectors(), rs.q)
		kernels.MatVec(rs.qscores, rh.hq.Vectors(), rs.q)
		for i, v := range vs {
			strict, tie, hasTie, err := rs.compare(rh, t, v, r4, r8, rx)
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			a := &acc[i]
			a.strict += strict
			a.tie += tie
			a.hasTie = hasTie
			a.n++
			a.events += n
		}
	}
	return nil
}

// compare retrieves for target t exactly and by variant v and returns the fraction of the exact
// set the approximate one holds, and, for merged definitions, the tie-aware fraction: retrieved
// events whose exact score reaches the exact K-th best (events with equal vectors, such as a
// repeated item, are interchangeable).
func (rs *recallScratch) compare(rh *recallHistory, t []float32, v recallVariant, r4, r8, rx *retrieval.Ranker) (strict, tie float64, hasTie bool, err error) {
	var exact []int32
	var ref []float32
	switch {
	case v.weights != nil:
		w := v.weights[model.PartQuery] - 1
		for j, x := range rs.scores {
			rs.weighted[j] = x + w*rs.qscores[j]
		}
		ref = rs.weighted
		rs.idx = fastscan.TopKFloat(ref, min(v.exact.K, len(ref)), rs.idx)
		exact = rs.idx
	default:
		if exact, err = rx.RetrieveExact(rh.h, t, v.exact); err != nil {
			return 0, 0, false, err
		}
		if v.exact.Heads == retrieval.MergedHeads {
			ref = rs.scores
		}
	}
	rs.exact = append(rs.exact[:0], exact...)
	slices.Sort(rs.exact)
	kth := float32(math.Inf(1))
	for _, j := range rs.exact {
		if ref != nil {
			kth = min(kth, ref[j])
		}
	}
	var got []int32
	switch v.bits {
	case 0:
		got, err = rx.RetrieveExact(rh.h, t, v.opt)
	case 8:
		got, err = r8.Retrieve(rh.s8, t, v.opt)
	default:
		got, err = r4.Retrieve(rh.s4, t, v.opt)
	}
	if err != nil {
		return 0, 0, false, err
	}
	hits, ties := 0, 0
	for _, j := range got {
		if _, ok := slices.BinarySearch(rs.exact, j); ok {
			hits++
		}
		if ref != nil && ref[j] >= kth {
			ties++
		}
	}
	e := float64(len(rs.exact))
	return float64(hits) / e, float64(min(ties, len(rs.exact))) / e, ref != nil, nil
}

// addRecall appends one row per variant.
func (rep *Report) addRecall(dataset, kind string, vs []recallVariant, acc []recallAccumulator) {
	for i, v := range vs {
		a := acc[i]
		if a.n == 0 {
			continue
		}
		k := v.exact.K
		row := RecallRow{Dataset: dataset, Model: kind, L: float64(a.events) / float64(a.n), Definition: v.definition,
			Variant: v.name, K: k, Recall: a.strict / float64(a.n), Targets: a.n}
		if a.hasTie {
			row.TieAware = a.tie / float64(a.n)
		}
		rep.Recall = append(rep.Recall, row)
	}
}

// recallMovieLens compares retrieval on every ml-100k test history longer than the variant's
// K (shorter ones are kept whole by both), for the case's positive and first negatives.
func recallMovieLens(sd *studyData, rep *Report) error {
	vs := recallVariants(sd.m)
	acc := make([]recallAccumulator, len(vs))
	rs := newRecallScratch(sd.m)
	r4, r8, rx := retrieval.NewRanker(sd.c4), retrieval.NewRanker(sd.c8), retrieval.NewRanker(sd.c4)
	enc := model.NewEncoder(sd.m)
	minK := 50
	for ci, c := range sd.cases {
		if len(c.History) <= minK {
			continue
		}
		rh, err := encodeHistory(sd.m, sd.c4, sd.c8, sd.items, c.History)
		if err != nil {
			return err
		}
		items := append([]int32{sd.cands.Cases[ci].Positive}, sd.cands.Cases[ci].Negatives[:recallTargets-1]...)
		for _, it := range items {
			t := make([]float32, sd.m.Dim())
			if err := enc.EventVector(t, c.Target.Query, c.Target.Kind, &sd.items[it]); err != nil {
				return err
			}
			rh.targets = append(rh.targets, t)
		}
		// Only variants whose retrieval can differ from keeping everything count.
		var keep []recallVariant
		var keepAcc []recallAccumulator
		var at []int
		for i, v := range vs {
			if len(c.History) > retrievedAtMost(sd.m, v.exact) {
				keep, keepAcc, at = append(keep, v), append(keepAcc, recallAccumulator{}), append(at, i)
			}
		}
		if err := rs.run(rh, keep, r4, r8, rx, keepAcc); err != nil {
			return err
		}
		for j, i := range at {
			acc[i].strict += keepAcc[j].strict
			acc[i].tie += keepAcc[j].tie
			acc[i].hasTie = keepAcc[j].hasTie
			acc[i].n += keepAcc[j].n
			acc[i].events += keepAcc[j].events
		}
	}
	rep.addRecall(sd.name+" (histories longer than K)", sd.kind, vs, acc)
	return nil
}

// retrievedAtMost is the most events an exact retrieval keeps: K, or the model's TopK per head.
func retrievedAtMost(m *model.Model, opt retrieval.Options) int {
	if opt.Heads == retrieval.PerHead {
		return m.Config().TopK
	}
	return opt.K
}
