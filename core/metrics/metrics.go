package metrics

import (
	"errors"
	"math"
)

// Position is where the positive landed among the negatives of one case: Greater negatives
// scored above it and Equal tied with it.
type Position struct {
	Greater, Equal, Negatives int
}

// Locate compares the positive's score with each negative's (see the package documentation for
// ties and NaN). A case needs at least one negative.
func Locate(positive float32, negatives []float32) (Position, error) {
	if len(negatives) == 0 {
		return Position{}, errors.New("metrics: a case without negatives")
	}
	p := Position{Negatives: len(negatives)}
	for _, s := range negatives {
		switch {
		case above(s, positive):
			p.Greater++
		case tie(s, positive):
			p.Equal++
		}
	}
	return p, nil
}

// above reports whether a ranks above b: a larger number, or any number against NaN.
func above(a, b float32) bool {
	aNaN, bNaN := a != a, b != b
	if aNaN || bNaN {
		return !aNaN && bNaN
	}
	return a > b
}

func tie(a, b float32) bool { return a == b || (a != a && b != b) }

// Rank is the positive's expected 1-based rank: Greater + 1 + Equal/2.
func (p Position) Rank() float64 { return float64(p.Greater) + 1 + float64(p.Equal)/2 }

// Hit is HIT@k: the probability that the positive is in the top k.
func (p Position) Hit(k int) float64 {
	in := min(max(k-p.Greater, 0), p.Equal+1)
	return float64(in) / float64(p.Equal+1)
}

// NDCG is NDCG@k with one relevant item: the expected 1/log₂(rank+1) over ranks ≤ k.
func (p Position) NDCG(k int) float64 {
	var s float64
	for r := p.Greater + 1; r <= min(k, p.Greater+p.Equal+1); r++ {
		s += 1 / math.Log2(float64(r+1))
	}
	return s / float64(p.Equal+1)
}

// MRR is the expected reciprocal rank.
func (p Position) MRR() float64 {
	var s float64
	for r := p.Greater + 1; r <= p.Greater+p.Equal+1; r++ {
		s += 1 / float64(r)
	}
	return s / float64(p.Equal+1)
}

// AUC is the fraction of negatives ranked below the positive, ties counting half; NaN when
// there are no negatives.
func (p Position) AUC() float64 {
	if p.Negatives == 0 {
		return math.NaN()
	}
	below := float64(p.Negatives-p.Greater-p.Equal) + float64(p.Equal)/2
	return below / float64(p.Negatives)
}
