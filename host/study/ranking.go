package study

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// approxVariant is one configuration of the approximate path.
type approxVariant struct {
	name string
	bits int
	opt  retrieval.Options
}

// rankingVariants are the approximate paths compared with the model's exact ranking.
func rankingVariants(m *model.Model) []approxVariant {
	cfg := m.Config()
	k := cfg.TopK
	all := cfg.Heads * k
	return []approxVariant{
		{fmt.Sprintf("4-bit, per head K=%d, ESU on decoded codes", k), 4, retrieval.Options{Heads: retrieval.PerHead}},
		{fmt.Sprintf("4-bit, per head K=%d, int8 refine R=%d, ESU on int8", k, shortlistFactor*k), 4,
			retrieval.Options{Heads: retrieval.PerHead, Shortlist: shortlistFactor * k, Refine: retrieval.FromInt8, ESU: retrieval.FromInt8}},
		{fmt.Sprintf("4-bit, merged K=%d, ESU on decoded codes", all), 4, retrieval.Options{K: all}},
		{fmt.Sprintf("4-bit, merged K=%d, int8 refine R=%d, ESU on int8", all, 2*all), 4,
			retrieval.Options{K: all, Shortlist: 2 * all, Refine: retrieval.FromInt8, ESU: retrieval.FromInt8}},
		{fmt.Sprintf("8-bit, per head K=%d, ESU on decoded codes", k), 8, retrieval.Options{Heads: retrieval.PerHead}},
	}
}

// storeRanker ranks a case's candidates through retrieval.Ranker over the case's store.
type storeRanker struct {
	sd     *studyData
	stores map[int32]*retrieval.Store
	r      *retrieval.Ranker
	opt    retrieval.Options
	cands  []retrieval.Candidate
}

func (a *storeRanker) Score(dst []float32, c *eval.Case, items []int32) (int, error) {
	a.cands = a.cands[:0]
	for _, it := range items {
		a.cands = append(a.cands, retrieval.Candidate{Query: c.Target.Query, Kind: c.Target.Kind, Item: &a.sd.items[it]})
	}
	res, err := a.r.Rank(a.stores[c.User], a.cands, a.opt)
	if err != nil {
		return 0, err
	}
	copy(dst, res.Scores)
	return 0, nil
}

// rankingStudy ranks every case's candidates with the model's exact GSU and with every
// approximate variant, and reports their metrics (computed as core/eval computes them, from the
// positive's score and its negatives') and how closely each variant reproduces the exact
// ranking: the overlap of the two top-10 lists and the mean absolute difference of the logits.
// Cases are split into contiguous blocks, one per worker, merged in order.
func rankingStudy(ctx context.Context, sd *studyData, workers int, rep *Report) error {
	variants := rankingVariants(sd.m)
	workers = max(1, min(workers, len(sd.cases)))
	shards := make([]rankingShard, workers)
	block := (len(sd.cases) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range shards {
		lo, hi := min(len(sd.cases), w*block), min(len(sd.cases), (w+1)*block)
		wg.Go(func() { shards[w].run(ctx, sd, variants, lo, hi) })
	}
	wg.Wait()
	total := shards[0]
	if total.err != nil {
		return total.err
	}
	for _, sh := range shards[1:] {
		if sh.err != nil {
			return sh.err
		}
		for v := range total.acc {
			if err := total.acc[v].Merge(sh.acc[v]); err != nil {
				return err
			}
			total.top10[v] += sh.top10[v]
			total.dlogit[v] += sh.dlogit[v]
		}
	}
	exact := total.acc[0].Result()
	at10 := slices.Index(exact.Ks, 10)
	for v := range total.acc {
		r := total.acc[v].Result()
		name := "exact (the model's GSU over float32 vectors)"
		if v > 0 {
			name = variants[v-1].name
		}
		rep.Ranking = append(rep.Ranking, RankingRow{Dataset: sd.name, Model: sd.kind, Variant: name, Cases: r.Cases,
			HIT10: r.HIT[at10], NDCG10: r.NDCG[at10], MRR: r.MRR,
			DeltaRel:     (r.NDCG[at10] - exact.NDCG[at10]) / exact.NDCG[at10],
			Top10:        total.top10[v] / float64(r.Cases),
			AbsLogitDiff: total.dlogit[v] / float64(r.Cases)})
	}
	return nil
}

// rankingShard ranks one block of cases: accumulators and agreement sums per ranking, the
// exact one first.
type rankingShard struct {
	acc           []*metrics.Accumulator
	top10, dlogit []float64
	err           error
}

func (sh *rankingShard) run(ctx context.Context, sd *studyData, variants []approxVariant, lo, hi int) {
	exact, err := eval.NewModelRanker(sd.m, baseline.Strategy{Kind: baseline.GSU}, sd.items)
	if err != nil {
		sh.err = err
		return
	}
	rankers := []eval.Ranker{exact}
	for _, v := range variants {
		stores, codec := sd.stores4, sd.c4
		if v.bits == 8 {
			stores, codec = sd.stores8, sd.c8
		}
		rankers = append(rankers, &storeRanker{sd: sd, stores: stores, r: retrieval.NewRanker(codec), opt: v.opt})
	}
	sh.top10, sh.dlogit = make([]float64, len(rankers)), make([]float64, len(rankers))
	for range rankers {
		acc, err := metrics.NewAccumulator(eval.Ks...)
		if err != nil {
			sh.err = err
			return
		}
		sh.acc = append(sh.acc, acc)
	}
	var items []int32
	scores := make([][]float32, len(rankers))
	for i := lo; i < hi; i++ {
		if sh.err = ctx.Err(); sh.err != nil {
			return
		}
		ci := sd.cands.Cases[i]
		items = append(append(items[:0], ci.Positive), ci.Negatives...)
		for v, r := range rankers {
			scores[v] = slices.Grow(scores[v][:0], len(items))[:len(items)]
			if _, sh.err = r.Score(scores[v], &sd.cases[i], items); sh.err != nil {
				return
			}
			if sh.err = sh.acc[v].Add(scores[v][0], scores[v][1:]); sh.err != nil {
				return
			}
			sh.top10[v] += topOverlap(scores[0], scores[v], 10)
			for j, x := range scores[v] {
				sh.dlogit[v] += math.Abs(float64(x-scores[0][j])) / float64(len(items))
			}
		}
	}
}

// topOverlap is the fraction of the n best of a that are among the n best of b (ties by lower
// index).
func topOverlap(a, b []float32, n int) float64 {
	top := func(s []float32) []int {
		idx := make([]int, len(s))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(s[y], s[x]) })
		return idx[:min(n, len(idx))]
	}
	ta, tb := top(a), top(b)
	hits := 0
	for _, i := range ta {
		if slices.Contains(tb, i) {
			hits++
		}
	}
	return float64(hits) / float64(len(ta))
}
