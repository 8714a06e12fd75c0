package eval

import (
	"math"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
)

// NextPairRanker scores each candidate, paired with the case's query, by the PSU's next-pair
// score, the one L_next trains: the mean over heads of Σ_j softmax(a_h)_j a_h(j) over the last
// maxHistory events, a_h(j) the GSU's retrieval score. Ranking held-out events with it measures
// what pretraining taught the retrieval, before any finetuning.
type NextPairRanker struct {
	*ModelRanker
	maxHistory int
	gq, a      []float32
}

// NewNextPairRanker returns a ranker of m's next-pair scores over the catalogue items.
func NewNextPairRanker(m *model.Model, items []data.Item, maxHistory int) (*NextPairRanker, error) {
	r, err := NewModelRanker(m, baseline.Strategy{Kind: baseline.GSU}, items)
	if err != nil {
		return nil, err
	}
	return &NextPairRanker{ModelRanker: r, maxHistory: maxHistory,
		gq: make([]float32, m.Config().Heads*m.Dim()), a: make([]float32, maxHistory)}, nil
}

// Score implements Ranker.
func (r *NextPairRanker) Score(dst []float32, c *Case, items []int32) (int, error) {
	d, heads := r.m.Dim(), r.m.Config().Heads
	events := c.History[max(0, len(c.History)-r.maxHistory):]
	hist := make([]float32, len(events)*d)
	for j, e := range events {
		if err := r.eventVector(hist[j*d:(j+1)*d], e.Query, e.Kind, e.Item); err != nil {
			return 0, err
		}
	}
	n := len(events)
	for i, it := range items {
		if err := r.eventVector(r.target, c.Target.Query, c.Target.Kind, it); err != nil {
			return 0, err
		}
		if err := r.m.GSUQueries(r.gq, r.target); err != nil {
			return 0, err
		}
		var score float64
		for h := range heads {
			a := r.a[:n]
			for j := range n {
				a[j] = kernels.Dot(r.gq[h*d:(h+1)*d], hist[j*d:(j+1)*d])
			}
			score += softmaxMean(a)
		}
		dst[i] = float32(score / float64(heads))
	}
	return n * len(items), nil
}

// softmaxMean is Σ_j softmax(a)_j a_j (0 for no events).
func softmaxMean(a []float32) float64 {
	if len(a) == 0 {
		return 0
	}
	hi := a[0]
	for _, x := range a {
		hi = max(hi, x)
	}
	var z, s float64
	for _, x := range a {
		w := math.Exp(float64(x - hi))
		z += w
		s += w * float64(x)
	}
	return s / z
}

// Popularity ranks every case's candidates by how often the training sequences hold each item,
// whoever the user: the floor any personalised ranker has to clear.
type Popularity struct{ counts []float32 }

// NewPopularity counts the items of the training sequences (catalogue of n items).
func NewPopularity(n int, train [][]data.Event) *Popularity {
	p := &Popularity{counts: make([]float32, n)}
	for _, seq := range train {
		for _, e := range seq {
			p.counts[e.Item]++
		}
	}
	return p
}

// Score implements Ranker; it reads no history.
func (p *Popularity) Score(dst []float32, _ *Case, items []int32) (int, error) {
	for i, it := range items {
		dst[i] = p.counts[it]
	}
	return 0, nil
}

// SASRecRanker scores candidates as the SASRec-style baseline trained them
// (train.FinetuneConfig.SASRec): u = W_O·Attn(W_Q s_last, W_K s_j, W_V s_j) + s_last over the
// last maxHistory events, a candidate's score u·t.
type SASRecRanker struct {
	*ModelRanker
	maxHistory          int
	u, o, q, k, v, a, y []float32
}

// NewSASRecRanker returns a ranker of m as a SASRec-style model over the catalogue items.
func NewSASRecRanker(m *model.Model, items []data.Item, maxHistory int) (*SASRecRanker, error) {
	r, err := NewModelRanker(m, baseline.Strategy{Kind: baseline.LastN, K: 1}, items)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	return &SASRecRanker{ModelRanker: r, maxHistory: maxHistory, u: make([]float32, d), o: make([]float32, d),
		q: make([]float32, d), y: make([]float32, d)}, nil
}

// Score implements Ranker.
func (r *SASRecRanker) Score(dst []float32, c *Case, items []int32) (int, error) {
	d, heads := r.m.Dim(), r.m.Config().Heads
	dh := d / heads
	p := &r.m.Params
	events := c.History[max(0, len(c.History)-r.maxHistory):]
	n := len(events)
	clear(r.u)
	if n > 0 {
		r.k, r.v = growFloats(r.k, n*d), growFloats(r.v, n*d)
		r.a = growFloats(r.a, n)
		for j, e := range events {
			if err := r.eventVector(r.y, e.Query, e.Kind, e.Item); err != nil {
				return 0, err
			}
			kernels.MatVec(r.k[j*d:(j+1)*d], p.ESUK, r.y)
			kernels.MatVec(r.v[j*d:(j+1)*d], p.ESUV, r.y)
		}
		// r.y holds s_last, the query's event and the residual.
		kernels.MatVec(r.q, p.ESUQ, r.y)
		inv := float32(1 / math.Sqrt(float64(dh)))
		clear(r.o)
		for h := range heads {
			for j := range n {
				r.a[j] = inv * kernels.Dot(r.q[h*dh:(h+1)*dh], r.k[j*d+h*dh:j*d+(h+1)*dh])
			}
			kernels.Softmax(r.a)
			for j := range n {
				kernels.Axpy(r.a[j], r.v[j*d+h*dh:j*d+(h+1)*dh], r.o[h*dh:(h+1)*dh])
			}
		}
		kernels.MatVec(r.u, p.ESUO, r.o)
		kernels.Axpy(1, r.y, r.u)
	}
	for i, it := range items {
		if err := r.eventVector(r.target, c.Target.Query, c.Target.Kind, it); err != nil {
			return 0, err
		}
		dst[i] = kernels.Dot(r.u, r.target)
	}
	return n * len(items), nil
}

func growFloats(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
