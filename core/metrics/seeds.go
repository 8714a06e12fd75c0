package metrics

import (
	"errors"
	"math"
	"strconv"
)

// Stat is the mean and the sample standard deviation (n − 1 in the denominator; 0 for a single
// value) of N values.
type Stat struct {
	Mean, Std float64
	N         int
}

// Describe returns the mean and standard deviation of xs (the zero Stat for none).
func Describe(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	st := Stat{Mean: mean, N: len(xs)}
	if len(xs) > 1 {
		st.Std = math.Sqrt(ss / float64(len(xs)-1))
	}
	return st
}

// String formats s as "mean ± std" with four decimals.
func (s Stat) String() string {
	return strconv.FormatFloat(s.Mean, 'f', 4, 64) + " ± " + strconv.FormatFloat(s.Std, 'f', 4, 64)
}

// Summary is each metric's Stat over the Results of several seeds.
type Summary struct {
	Seeds              int
	Ks                 []int
	HIT, NDCG          []Stat // by Ks
	MRR, AUC, MeanRank Stat
}

// Summarize gives mean ± std over results, one per seed, which must share their cut-offs.
func Summarize(results []Result) (Summary, error) {
	if len(results) == 0 {
		return Summary{}, errors.New("metrics: no results to summarise")
	}
	ks := results[0].Ks
	for _, r := range results[1:] {
		if len(r.Ks) != len(ks) {
			return Summary{}, errors.New("metrics: results with different cut-offs")
		}
		for i, k := range r.Ks {
			if ks[i] != k {
				return Summary{}, errors.New("metrics: results with different cut-offs")
			}
		}
	}
	column := func(get func(Result) float64) Stat {
		xs := make([]float64, len(results))
		for i, r := range results {
			xs[i] = get(r)
		}
		return Describe(xs)
	}
	s := Summary{
		Seeds:    len(results),
		Ks:       append([]int(nil), ks...),
		MRR:      column(func(r Result) float64 { return r.MRR }),
		AUC:      column(func(r Result) float64 { return r.AUC }),
		MeanRank: column(func(r Result) float64 { return r.MeanRank }),
	}
	for i := range ks {
		s.HIT = append(s.HIT, column(func(r Result) float64 { return r.HIT[i] }))
		s.NDCG = append(s.NDCG, column(func(r Result) float64 { return r.NDCG[i] }))
	}
	return s, nil
}
