package metrics

import (
	"errors"
	"strconv"
)

// Accumulator averages the metrics of many cases. Its sums are float64 and add in call order,
// so the same cases in the same order give the same bits.
type Accumulator struct {
	ks                []int
	cases             int
	hit, ndcg         []float64 // sums by ks
	mrr, auc, rankSum float64
}

// NewAccumulator returns an accumulator for HIT@k and NDCG@k at each of ks (distinct, > 0).
func NewAccumulator(ks ...int) (*Accumulator, error) {
	for i, k := range ks {
		if k <= 0 {
			return nil, errors.New("metrics: cut-off k = " + strconv.Itoa(k) + " is not positive")
		}
		for _, prev := range ks[:i] {
			if prev == k {
				return nil, errors.New("metrics: cut-off k = " + strconv.Itoa(k) + " given twice")
			}
		}
	}
	return &Accumulator{
		ks:   append([]int(nil), ks...),
		hit:  make([]float64, len(ks)),
		ndcg: make([]float64, len(ks)),
	}, nil
}

// Add scores one case from the positive's score and its negatives' scores.
func (a *Accumulator) Add(positive float32, negatives []float32) error {
	p, err := Locate(positive, negatives)
	if err != nil {
		return err
	}
	a.AddPosition(p)
	return nil
}

// AddPosition scores one case already located.
func (a *Accumulator) AddPosition(p Position) {
	a.cases++
	for i, k := range a.ks {
		a.hit[i] += p.Hit(k)
		a.ndcg[i] += p.NDCG(k)
	}
	a.mrr += p.MRR()
	a.auc += p.AUC()
	a.rankSum += p.Rank()
}

// Merge adds b's cases to a (accumulators of disjoint shards, merged in a fixed order).
func (a *Accumulator) Merge(b *Accumulator) error {
	if len(a.ks) != len(b.ks) {
		return errors.New("metrics: merging accumulators with different cut-offs")
	}
	for i, k := range a.ks {
		if b.ks[i] != k {
			return errors.New("metrics: merging accumulators with different cut-offs")
		}
	}
	a.cases += b.cases
	for i := range a.ks {
		a.hit[i] += b.hit[i]
		a.ndcg[i] += b.ndcg[i]
	}
	a.mrr += b.mrr
	a.auc += b.auc
	a.rankSum += b.rankSum
	return nil
}

// Result holds the mean metrics of the cases added. With no cases every mean is 0.
type Result struct {
	Cases int
	Ks    []int
	// HIT[i] and NDCG[i] are HIT@Ks[i] and NDCG@Ks[i].
	HIT, NDCG []float64
	MRR, AUC  float64
	MeanRank  float64
}

// Result returns the means so far.
func (a *Accumulator) Result() Result {
	r := Result{
		Cases: a.cases,
		Ks:    append([]int(nil), a.ks...),
		HIT:   make([]float64, len(a.ks)),
		NDCG:  make([]float64, len(a.ks)),
	}
	if a.cases == 0 {
		return r
	}
	n := float64(a.cases)
	for i := range a.ks {
		r.HIT[i] = a.hit[i] / n
		r.NDCG[i] = a.ndcg[i] / n
	}
	r.MRR, r.AUC, r.MeanRank = a.mrr/n, a.auc/n, a.rankSum/n
	return r
}
