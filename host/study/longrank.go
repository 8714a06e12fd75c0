package study

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// LongRankSize is how many generated users the ranking at long histories takes at one history
// length.
type LongRankSize struct {
	L, Users int
}

// The ranking at long histories: fewer users at 10^5, where the exact per-head GSU costs some
// 14 ms a candidate, so that the part stays within about two to three minutes on two cores.
var longRankSizes = []LongRankSize{{L: 10_000, Users: 16}, {L: 100_000, Users: 6}}

const (
	longRankCases = 8   // cases per generated user, each a later event of the user
	longRankTail  = 800 // events after the history, which the targets are spread over
)

// longUser is one history and the cases ranked against it: every case shares the history, so
// it is encoded once.
type longUser struct {
	evs   []data.Event // the history
	cases []eval.Case
	cands []eval.CaseItems // the candidates of each case
}

// longRankVariant is one way of ranking a case's 100 candidates.
type longRankVariant struct {
	name  string
	exact bool // the exact GSU over float32 event vectors, else 4-bit codes
	opt   retrieval.Options
}

// longRankVariants are the rankings compared: the model's exact GSU first (the reference), then
// merged heads exact at K = heads×TopK, to tell what merging costs from what quantizing costs,
// then the 4-bit merged default (K = TopK), merged at 2·TopK (about the events per head reads)
// and at heads×TopK, and per head.
func longRankVariants(m *model.Model) []longRankVariant {
	cfg := m.Config()
	k, all := cfg.TopK, cfg.Heads*cfg.TopK
	return []longRankVariant{
		{fmt.Sprintf("exact, per head K=%d (the model's GSU)", k), true, retrieval.Options{Heads: retrieval.PerHead}},
		{fmt.Sprintf("exact, merged K=%d", all), true, retrieval.Options{K: all}},
		{fmt.Sprintf("4-bit, merged K=%d (default Options{})", k), false, retrieval.Options{}},
		{fmt.Sprintf("4-bit, merged K=%d", 2*k), false, retrieval.Options{K: 2 * k}},
		{fmt.Sprintf("4-bit, merged K=%d", all), false, retrieval.Options{K: all}},
		{fmt.Sprintf("4-bit, per head K=%d", k), false, retrieval.Options{Heads: retrieval.PerHead}},
	}
}

// generatedLongUsers draws users lifelong users of l events over the catalogue of synth
// configuration seed and items, each with cases cases: the history is the user's first l events,
// the targets are spread evenly over the next tail events, and every case's 99 negatives are
// drawn as core/eval draws them (items the user never interacted with, seed candidateSeed).
// Several users of one catalogue, not several seeds: a seed is a catalogue, and the model knows
// one.
func generatedLongUsers(seed uint64, items, l, users, cases, tail int) ([]longUser, *data.Dataset, error) {
	if cases < 1 || tail < cases {
		return nil, nil, fmt.Errorf("%d cases over %d later events", cases, tail)
	}
	d, err := synth.LongUsers(seed, items, l+tail, users)
	if err != nil {
		return nil, nil, fmt.Errorf("generating %d users of %d events: %w", users, l+tail, err)
	}
	var all []eval.Case
	for u := range d.Users {
		evs := d.Users[u].Events
		for i := range cases {
			all = append(all, eval.Case{User: int32(u), History: evs[:l], Target: evs[l+i*tail/cases]})
		}
	}
	cands, err := eval.SampleCandidates(d, "long", all, candidateNegatives, candidateSeed)
	if err != nil {
		return nil, nil, fmt.Errorf("candidates at L=%d: %w", l, err)
	}
	lus := make([]longUser, users)
	for u := range lus {
		lus[u] = longUser{evs: d.Users[u].Events[:l], cases: all[u*cases : (u+1)*cases],
			cands: cands.Cases[u*cases : (u+1)*cases]}
	}
	return lus, d, nil
}

// longestUsers are the cases of sd whose histories exceed minLen events, one user each: the
// longest real histories, where merged retrieval of heads×TopK events and per-head retrieval
// keep different sets.
func longestUsers(sd *studyData, minLen int) []longUser {
	var lus []longUser
	for i, c := range sd.cases {
		if len(c.History) > minLen {
			lus = append(lus, longUser{evs: c.History, cases: sd.cases[i : i+1], cands: sd.cands.Cases[i : i+1]})
		}
	}
	return lus
}

// longRankResult is what ranking one user's cases measured, per variant.
type longRankResult struct {
	acc   []*metrics.Accumulator
	top10 []float64 // summed over cases: overlap of the top 10 with the exact ranking's
	read  []int     // events the ESU attended over, summed over candidates
	cands int       // candidates ranked per variant
}

// longRanker ranks cases with every variant; one per goroutine.
type longRanker struct {
	sd       *studyData
	variants []longRankVariant
	exact    *retrieval.Ranker
	approx   *retrieval.Ranker
	rc       []retrieval.Candidate
	scores   [][]float32
}

func newLongRanker(sd *studyData, variants []longRankVariant) *longRanker {
	return &longRanker{sd: sd, variants: variants, exact: retrieval.NewExactRanker(sd.m),
		approx: retrieval.NewRanker(sd.c4), scores: make([][]float32, len(variants))}
}

// rankUser encodes the user's history once, exactly and into 4-bit codes, and ranks every case.
func (lr *longRanker) rankUser(ctx context.Context, lu longUser) (*longRankResult, error) {
	rh, err := encodeHistory(lr.sd.m, lr.sd.c4, nil, lr.sd.items, lu.evs)
	if err != nil {
		return nil, fmt.Errorf("encoding a history of %d events: %w", len(lu.evs), err)
	}
	res := &longRankResult{top10: make([]float64, len(lr.variants)), read: make([]int, len(lr.variants))}
	for range lr.variants {
		acc, err := metrics.NewAccumulator(eval.Ks...)
		if err != nil {
			return nil, err
		}
		res.acc = append(res.acc, acc)
	}
	for i := range lu.cases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := lr.rankCase(rh, &lu.cases[i], lu.cands[i], res); err != nil {
			return nil, fmt.Errorf("user %d, case %d: %w", lu.cases[i].User, i, err)
		}
	}
	return res, nil
}

// rankCase ranks one case's positive and negatives with every variant and adds the outcome to
// res.
func (lr *longRanker) rankCase(rh *recallHistory, c *eval.Case, ci eval.CaseItems, res *longRankResult) error {
	lr.rc = lr.rc[:0]
	for _, it := range slices.Concat([]int32{ci.Positive}, ci.Negatives) {
		lr.rc = append(lr.rc, retrieval.Candidate{Query: c.Target.Query, Kind: c.Target.Kind, Item: &lr.sd.items[it]})
	}
	for v, vr := range lr.variants {
		var r retrieval.Result
		var err error
		if vr.exact {
			r, err = lr.exact.RankExact(rh.h, lr.rc, vr.opt)
		} else {
			r, err = lr.approx.Rank(rh.s4, lr.rc, vr.opt)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", vr.name, err)
		}
		lr.scores[v] = append(lr.scores[v][:0], r.Scores...)
		if err := res.acc[v].Add(lr.scores[v][0], lr.scores[v][1:]); err != nil {
			return fmt.Errorf("%s: %w", vr.name, err)
		}
		res.top10[v] += topOverlap(lr.scores[0], lr.scores[v], 10)
		res.read[v] += r.EventsRead
	}
	res.cands += len(lr.rc)
	return nil
}

// rankLongUsers ranks every user's cases on up to workers goroutines, one user at a time each,
// and merges the results in user order, so that the figures do not depend on the workers.
func rankLongUsers(ctx context.Context, sd *studyData, variants []longRankVariant, lus []longUser,
	workers int) (*longRankResult, error) {
	results := make([]*longRankResult, len(lus))
	errs := make([]error, len(lus))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, len(lus))) {
		wg.Go(func() {
			lr := newLongRanker(sd, variants)
			for u := range next {
				results[u], errs[u] = lr.rankUser(ctx, lus[u])
			}
		})
	}
	for u := range lus {
		next <- u
	}
	close(next)
	wg.Wait()
	for u, err := range errs {
		if err != nil {
			return nil, err
		}
		if u > 0 {
			if err := results[0].merge(results[u]); err != nil {
				return nil, err
			}
		}
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("no users to rank")
	}
	return results[0], nil
}

func (a *longRankResult) merge(b *longRankResult) error {
	for v := range a.acc {
		if err := a.acc[v].Merge(b.acc[v]); err != nil {
			return err
		}
		a.top10[v] += b.top10[v]
		a.read[v] += b.read[v]
	}
	a.cands += b.cands
	return nil
}

// addLongRanking appends one row per variant, the change of NDCG@10 against the first (exact).
func (rep *Report) addLongRanking(dataset, kind string, lus []longUser, variants []longRankVariant, res *longRankResult) {
	events := 0
	for _, lu := range lus {
		events += len(lu.evs)
	}
	exact := res.acc[0].Result()
	at10 := slices.Index(exact.Ks, 10)
	perVariant := float64(res.cands)
	for v, vr := range variants {
		r := res.acc[v].Result()
		delta := 0.0
		if exact.NDCG[at10] > 0 {
			delta = (r.NDCG[at10] - exact.NDCG[at10]) / exact.NDCG[at10]
		}
		rep.LongRanking = append(rep.LongRanking, LongRankingRow{Dataset: dataset, Model: kind,
			L: float64(events) / float64(len(lus)), Users: len(lus), Cases: r.Cases, Variant: vr.name,
			HIT10: r.HIT[at10], NDCG10: r.NDCG[at10], MRR: r.MRR, DeltaRel: delta,
			Top10: res.top10[v] / float64(r.Cases), EventsRead: float64(res.read[v]) / perVariant})
	}
}

// longRankingStudy ranks generated users at each of sizes with sy's model, and the longest
// ml-100k users (histories longer than heads×TopK) with ml's, every case with every variant, and
// reports the metrics and how long the part took.
func longRankingStudy(ctx context.Context, sy, ml *studyData, sizes []LongRankSize, workers int, rep *Report,
	logf func(string, ...any)) error {
	start := time.Now()
	c := synth.DefaultConfig()
	variants := longRankVariants(sy.m)
	for _, sz := range sizes {
		logf("ranking at long histories: %d generated users of %d events, %s model", sz.Users, sz.L, sy.kind)
		lus, d, err := generatedLongUsers(c.Seed, c.Items, sz.L, sz.Users, longRankCases, longRankTail)
		if err != nil {
			return fmt.Errorf("ranking at long histories: %w", err)
		}
		if err := sameCatalogue(d, sy); err != nil {
			return fmt.Errorf("ranking at long histories: %w", err)
		}
		res, err := rankLongUsers(ctx, sy, variants, lus, workers)
		if err != nil {
			return fmt.Errorf("ranking at long histories, L=%d: %w", sz.L, err)
		}
		rep.addLongRanking(fmt.Sprintf("generated, L=%d", sz.L), sy.kind, lus, variants, res)
	}
	if ml != nil {
		minLen := ml.m.Config().Heads * ml.m.Config().TopK
		lus := longestUsers(ml, minLen)
		logf("ranking at long histories: %d ml-100k users of more than %d events, %s model", len(lus), minLen, ml.kind)
		if len(lus) > 0 {
			res, err := rankLongUsers(ctx, ml, longRankVariants(ml.m), lus, workers)
			if err != nil {
				return fmt.Errorf("ranking at long histories, ml-100k: %w", err)
			}
			rep.addLongRanking(fmt.Sprintf("ml-100k, L>%d", minLen), ml.kind, lus, longRankVariants(ml.m), res)
		}
	}
	rep.LongRankingSeconds = time.Since(start).Seconds()
	return nil
}

// sameCatalogue checks that the long users' catalogue is the one sd's model and items were made
// for: item i must be the same item, or every candidate would be another.
func sameCatalogue(d *data.Dataset, sd *studyData) error {
	if len(d.Items) != len(sd.items) {
		return fmt.Errorf("a catalogue of %d items, the model's has %d", len(d.Items), len(sd.items))
	}
	for i, it := range d.Items {
		if it.ID != sd.d.Items[i].ID || it.Text != sd.d.Items[i].Text {
			return fmt.Errorf("item %d is %q, the model's catalogue has %q", i, it.ID, sd.d.Items[i].ID)
		}
	}
	return nil
}
