package train

import (
	"math/rand/v2"
)

// segment is a run of consecutive target positions [from, to) of one user.
type segment struct{ user, from, to int32 }

// chunk is one training example: segments whose targets share a tape, and the negatives drawn
// for them (negatives per target, in segment order).
type chunk struct {
	segs     []segment
	targets  int
	negItems []int32
	negQuery []int32 // PSU only: the query of each negative pair
}

// planEpoch cuts every user's targets from position first on into segments of at most size
// targets, shuffles them with rng, and packs them in that order into chunks of at most size
// targets. fraction < 1 keeps that share of the shuffled segments.
func planEpoch(f *features, first, size int, fraction float64, rng *rand.Rand) []chunk {
	var segs []segment
	for u, seq := range f.corpus.Sequences {
		for from := first; from < len(seq); from += size {
			segs = append(segs, segment{int32(u), int32(from), int32(min(from+size, len(seq)))})
		}
	}
	rng.Shuffle(len(segs), func(i, j int) { segs[i], segs[j] = segs[j], segs[i] })
	if fraction < 1 {
		segs = segs[:max(1, int(float64(len(segs))*fraction))]
	}
	var chunks []chunk
	for _, s := range segs {
		n := int(s.to - s.from)
		if len(chunks) == 0 || chunks[len(chunks)-1].targets+n > size {
			chunks = append(chunks, chunk{})
		}
		c := &chunks[len(chunks)-1]
		c.segs = append(c.segs, s)
		c.targets += n
	}
	return chunks
}

// drawItemNegatives gives every target of c n distinct items other than its positive.
func drawItemNegatives(f *features, c *chunk, n int, rng *rand.Rand) {
	items := int32(len(f.items))
	c.negItems = c.negItems[:0]
	for _, s := range c.segs {
		seq := f.corpus.Sequences[s.user]
		for p := s.from; p < s.to; p++ {
			pos := seq[p].Item
			start := len(c.negItems)
			for len(c.negItems)-start < n {
				it := rng.Int32N(items)
				if it == pos || contains(c.negItems[start:], it) {
					if int(items)-1 <= len(c.negItems)-start {
						break // the catalogue has no other item left
					}
					continue
				}
				c.negItems = append(c.negItems, it)
			}
			for len(c.negItems)-start < n { // tiny catalogue: repeat
				c.negItems = append(c.negItems, c.negItems[start])
			}
		}
	}
}

// drawPairNegatives gives every target of c n negative query–item pairs. With sameQuery each
// pairs the target's own query with a uniformly drawn item other than its positive (the pairs a
// ranker must tell apart); otherwise each is the pair of a random event of the corpus whose item
// differs from the positive's.
func drawPairNegatives(f *features, c *chunk, n int, sameQuery bool, rng *rand.Rand) {
	if sameQuery {
		drawItemNegatives(f, c, n, rng)
		c.negQuery = c.negQuery[:0]
		for _, s := range c.segs {
			for p := s.from; p < s.to; p++ {
				for range n {
					c.negQuery = append(c.negQuery, f.eventQuery[s.user][p])
				}
			}
		}
		return
	}
	c.negItems, c.negQuery = c.negItems[:0], c.negQuery[:0]
	for _, s := range c.segs {
		seq := f.corpus.Sequences[s.user]
		for p := s.from; p < s.to; p++ {
			pos := seq[p].Item
			for range n {
				ref := f.flat[rng.IntN(len(f.flat))]
				for tries := 0; tries < 8 && f.corpus.Sequences[ref.user][ref.pos].Item == pos; tries++ {
					ref = f.flat[rng.IntN(len(f.flat))]
				}
				c.negItems = append(c.negItems, f.corpus.Sequences[ref.user][ref.pos].Item)
				c.negQuery = append(c.negQuery, f.eventQuery[ref.user][ref.pos])
			}
		}
	}
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
