package eval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
)

// Ks are the cut-offs of HIT@k and NDCG@k every report gives (NDCG@1 equals HIT@1).
var Ks = []int{1, 5, 10}

// Ranker scores the candidates of cases. It serves one goroutine.
type Ranker interface {
	// Score writes to dst the score of each item for case c, higher ranking first, and returns
	// how many history events it read for them in total (0 if it does not say).
	Score(dst []float32, c *Case, items []int32) (eventsRead int, err error)
}

// Report is the outcome of one evaluation.
type Report struct {
	metrics.Result
	// MeanEventsRead is the mean number of history events a candidate's score read (the
	// events the ESU attended over).
	MeanEventsRead float64 `json:"mean_events_read"`
	Seconds        float64 `json:"seconds"`
	// Buckets are the metrics of the cases by history length (HistoryBuckets), where retrieval
	// over long histories shows whether it pays.
	Buckets []Bucket `json:"buckets,omitempty"`
}

// Bucket is the metrics of the cases whose history has Min ≤ length < Max events (Max 0: no
// upper bound).
type Bucket struct {
	Min, Max int
	metrics.Result
}

// HistoryBuckets are the lower bounds of the history-length buckets of a Report.
var HistoryBuckets = []int{0, 32, 128, 512}

func bucketOf(n int) int {
	b := 0
	for i, lo := range HistoryBuckets {
		if n >= lo {
			b = i
		}
	}
	return b
}

// Evaluate ranks the candidates of every case with Rankers from newRanker, one per worker, and
// returns the metrics. progress, if not nil, is called with the number of cases done (from any
// goroutine, so it must be safe for concurrent use).
func Evaluate(ctx context.Context, cases []Case, cands *Candidates, workers int, newRanker func() (Ranker, error),
	progress func(done int)) (Report, error) {
	if len(cands.Cases) != len(cases) {
		return Report{}, fmt.Errorf("eval: %d candidate sets for %d cases", len(cands.Cases), len(cases))
	}
	if len(cases) == 0 {
		return Report{}, errors.New("eval: no cases")
	}
	workers = max(1, min(workers, len(cases)))
	start := time.Now()
	type shard struct {
		acc        *metrics.Accumulator
		buckets    []*metrics.Accumulator
		read, cand int
		err        error
	}
	shards := make([]shard, workers)
	var done atomic.Int64
	var wg sync.WaitGroup
	for k := range shards {
		wg.Go(func() {
			sh := &shards[k]
			acc, err := metrics.NewAccumulator(Ks...)
			if err != nil {
				sh.err = err
				return
			}
			sh.acc = acc
			for range HistoryBuckets {
				b, _ := metrics.NewAccumulator(Ks...) // Ks were accepted just above
				sh.buckets = append(sh.buckets, b)
			}
			r, err := newRanker()
			if err != nil {
				sh.err = err
				return
			}
			var items []int32
			var scores []float32
			for i := k * len(cases) / workers; i < (k+1)*len(cases)/workers; i++ {
				if err := ctx.Err(); err != nil {
					sh.err = err
					return
				}
				ci := &cands.Cases[i]
				items = append(append(items[:0], ci.Positive), ci.Negatives...)
				if cap(scores) < len(items) {
					scores = make([]float32, len(items))
				}
				scores = scores[:len(items)]
				read, err := r.Score(scores, &cases[i], items)
				if err != nil {
					sh.err = fmt.Errorf("eval: case %d: %w", i, err)
					return
				}
				if err := acc.Add(scores[0], scores[1:]); err != nil {
					sh.err = fmt.Errorf("eval: case %d: %w", i, err)
					return
				}
				// The same scores were just accepted by acc: the bucket cannot refuse them.
				sh.buckets[bucketOf(len(cases[i].History))].Add(scores[0], scores[1:])
				sh.read += read
				sh.cand += len(items)
				if progress != nil {
					progress(int(done.Add(1)))
				}
			}
		})
	}
	wg.Wait()
	total, err := metrics.NewAccumulator(Ks...)
	if err != nil {
		return Report{}, err
	}
	var read, cand int
	buckets := make([]*metrics.Accumulator, len(HistoryBuckets))
	for i := range buckets {
		buckets[i], _ = metrics.NewAccumulator(Ks...)
	}
	for _, sh := range shards {
		if sh.err != nil {
			return Report{}, sh.err
		}
		if err := total.Merge(sh.acc); err != nil {
			return Report{}, err
		}
		for i, b := range sh.buckets {
			if err := buckets[i].Merge(b); err != nil {
				return Report{}, err
			}
		}
		read += sh.read
		cand += sh.cand
	}
	rep := Report{Result: total.Result(), MeanEventsRead: float64(read) / float64(cand), Seconds: time.Since(start).Seconds()}
	for i, b := range buckets {
		bk := Bucket{Min: HistoryBuckets[i], Result: b.Result()}
		if i+1 < len(HistoryBuckets) {
			bk.Max = HistoryBuckets[i+1]
		}
		rep.Buckets = append(rep.Buckets, bk)
	}
	return rep, nil
}

// ModelRanker scores candidates with a model through core/model.Scorer: with the model's own GSU
// (Scorer.ScoreTarget, as the wasm module ranks), or with another retrieval rule's selection
// (Scorer.ScoreSelected). It caches the item parts of every event vector it computes (they do
// not depend on the query) and adds them to the query part in core/model's order, so its event
// vectors, and its scores, are bit-identical to the Encoder's and to Scorer.Score.
type ModelRanker struct {
	m        *model.Model
	items    []data.Item
	strategy baseline.Strategy
	scorer   *model.Scorer
	sel      *baseline.Selector
	hist     *model.History
	target   []float32
	kept     []int32
	parts    []float32 // NumParts×d scratch
	// itemParts[i] holds the item parts (rows PartID… of EventParts) of item i once computed.
	itemParts [][]float32
	queries   map[queryKey][]float32 // α q of each query seen
}

type queryKey struct {
	kind  data.Kind
	query string
}

// NewModelRanker returns a Ranker of m over the catalogue items with retrieval rule s. A TWIN
// model (s.TieESU) must have been tied (baseline.Tie) when it was trained or loaded. The ranker
// caches what it computes from m: make a new one after m changes.
func NewModelRanker(m *model.Model, s baseline.Strategy, items []data.Item) (*ModelRanker, error) {
	sel, err := s.NewSelector(m, items)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	return &ModelRanker{m: m, items: items, strategy: s, scorer: model.NewScorer(m), sel: sel,
		hist: m.NewHistory(256), target: make([]float32, d), parts: make([]float32, model.NumParts*d),
		itemParts: make([][]float32, len(items)), queries: make(map[queryKey][]float32)}, nil
}

// eventVector writes the event vector of (query, kind, item i) to dst exactly as
// model.Encoder.EventVector does: the query part, then each item part added in Part order.
func (r *ModelRanker) eventVector(dst []float32, query string, kind data.Kind, i int32) error {
	if i < 0 || int(i) >= len(r.items) {
		return fmt.Errorf("eval: item %d of a catalogue of %d", i, len(r.items))
	}
	d := r.m.Dim()
	if kind == data.Browse {
		query = ""
	}
	q, ok := r.queries[queryKey{kind, query}]
	if !ok {
		q = make([]float32, d)
		if err := r.m.Query(q, query, kind); err != nil {
			return err
		}
		kernels.Scale(r.m.Alpha(), q)
		r.queries[queryKey{kind, query}] = q
	}
	ip := r.itemParts[i]
	if ip == nil {
		if err := r.scorer.Encoder().EventParts(r.parts, "", data.Browse, &r.items[i]); err != nil {
			return err
		}
		ip = append([]float32(nil), r.parts[d:]...)
		r.itemParts[i] = ip
	}
	copy(dst, q)
	for p := range model.NumParts - 1 {
		kernels.Axpy(1, ip[p*d:(p+1)*d], dst)
	}
	return nil
}

// Score implements Ranker.
func (r *ModelRanker) Score(dst []float32, c *Case, items []int32) (int, error) {
	if len(dst) != len(items) {
		return 0, fmt.Errorf("eval: %d scores for %d items", len(dst), len(items))
	}
	r.hist.Reset()
	for _, e := range c.History {
		if err := r.eventVector(r.target, e.Query, e.Kind, e.Item); err != nil {
			return 0, err
		}
		if err := r.hist.Append(r.target); err != nil {
			return 0, err
		}
	}
	own := r.strategy.Kind == baseline.GSU
	if !own {
		if err := r.sel.Prepare(r.hist.Vectors(), c.History); err != nil {
			return 0, err
		}
	}
	read := 0
	for i, it := range items {
		if err := r.eventVector(r.target, c.Target.Query, c.Target.Kind, it); err != nil {
			return 0, err
		}
		var err error
		if own {
			dst[i], err = r.scorer.ScoreTarget(r.hist, r.target)
			read += len(r.scorer.Kept())
		} else {
			if r.kept, err = r.sel.Select(r.kept, r.target, &r.items[it], 0, len(c.History)); err != nil {
				return 0, err
			}
			dst[i], err = r.scorer.ScoreSelected(r.hist, r.target, r.kept)
			read += len(r.kept)
		}
		if err != nil {
			return 0, err
		}
	}
	return read, nil
}
