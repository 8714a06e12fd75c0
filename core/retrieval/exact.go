package retrieval

import (
	"time"

	"github.com/seminar-ranker/seminar/core/kernels"
	"github.com/seminar-ranker/seminar/core/model"
)

// RankExact is Rank with the exact GSU over the float32 event vectors of h: every event scored
// by dot products with the retrieval vectors, the best K kept (ties to the later event, as in
// the model), and the ESU over the exact vectors. With PerHead and K = the model's TopK it
// scores as model.Scorer.ScoreTarget. Part weights and the Shortlist, Refine and ESU options
// do not apply.
func (r *Ranker) RankExact(h *model.History, cands []Candidate, opt Options) (Result, error) {
	opt, err := r.resolve(opt, nil)
	if err != nil {
		return Result{}, err
	}
	if h == nil {
		return Result{}, errNilHistory
	}
	r.growExact(h.Len(), opt)
	r.scores = resize(r.scores, len(cands))
	t := r.targets[:r.d]
	var tm Timings
	read := 0
	for c, cand := range cands {
		t0 := time.Now()
		if err := r.enc.EventVector(t, cand.Query, cand.Kind, cand.Item); err != nil {
			return Result{}, wrap(err, "retrieval: candidate")
		}
		tm.Targets += time.Since(t0)
		if err := r.retrieveExact(h, t, opt, &tm); err != nil {
			return Result{}, err
		}
		t1 := time.Now()
		score, err := r.scorer.ScoreSelected(h, t, r.kept)
		if err != nil {
			return Result{}, err
		}
		r.scores[c] = score
		read += len(r.kept)
		tm.ESU += time.Since(t1)
	}
	return Result{Order: r.sortOrder(), Scores: r.scores, EventsRead: read, Timings: tm}, nil
}

// RetrieveExact returns the events the exact GSU keeps for the target vector t, ascending.
// The result aliases the Ranker and changes with its next call.
func (r *Ranker) RetrieveExact(h *model.History, t []float32, opt Options) ([]int32, error) {
	opt, err := r.resolve(opt, nil)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errNilHistory
	}
	if len(t) != r.d {
		return nil, &model.LengthError{What: "target vector", Got: len(t), Want: r.d}
	}
	r.growExact(h.Len(), opt)
	var tm Timings
	if err := r.retrieveExact(h, t, opt, &tm); err != nil {
		return nil, err
	}
	return r.kept, nil
}

func (r *Ranker) growExact(n int, opt Options) {
	r.sf = resize(r.sf, n)
	r.short = resize(r.short, opt.K)[:0]
	r.kept = resize(r.kept, r.lutsPerTarget(opt)*min(opt.K, n))[:0]
}

// retrieveExact fills r.kept with the exact GSU's events for t.
func (r *Ranker) retrieveExact(h *model.History, t []float32, opt Options, tm *Timings) error {
	if h.Dim() != r.d {
		return &model.LengthError{What: "history width", Got: h.Dim(), Want: r.d}
	}
	n, d := h.Len(), r.d
	r.kept = r.kept[:0]
	if n <= opt.K {
		for j := range n {
			r.kept = append(r.kept, int32(j))
		}
		return nil
	}
	t0 := time.Now()
	if err := r.retrievalVectors(r.qs, t, opt); err != nil {
		return err
	}
	tm.Targets += time.Since(t0)
	scores := r.sf[:n]
	for l := range r.lutsPerTarget(opt) {
		t1 := time.Now()
		kernels.MatVec(scores, h.Vectors(), r.qs[l*d:(l+1)*d])
		t2 := time.Now()
		r.short = topKLatest(scores, opt.K, r.short)
		r.kept = append(r.kept, r.short...)
		tm.Scan += t2.Sub(t1)
		tm.Select += time.Since(t2)
	}
	t3 := time.Now()
	r.union()
	tm.Select += time.Since(t3)
	return nil
}
