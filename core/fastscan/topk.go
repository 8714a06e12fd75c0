package fastscan

import (
	"math"
	"math/bits"
	"slices"
)

// reservoirLen is the number of candidates TopK16 and TopKFloat keep on the stack: enough for
// k ≤ reservoirLen/2 without allocating.
const reservoirLen = 1024

// TopK16 returns the indices of the k largest scores, best first; equal scores rank by lower
// index, so the result is fully determined. k ≤ 0 gives an empty result and k ≥ len(scores)
// all indices. The result lives in idx's backing array when cap(idx) ≥ k; the call allocates
// nothing when, in addition, k ≤ 512. Only the first math.MaxInt32 scores are considered.
//
// Scores pass a running threshold, the k-th best key kept so far, into a reservoir that is cut
// back to its k best whenever it fills; almost every score costs one compare. In wasm builds
// the threshold starts high: the k-th largest of the maxima of 32-score groups is a lower
// bound of the k-th largest score (k groups reach it), so only the groups whose maximum
// reaches it are read again, SIMD-wide.
func TopK16(scores []uint16, k int, idx []int32) []int32 {
	return topK16(scores, k, idx, SIMD)
}

// topK16 is TopK16 with the choice of selection loop (SIMD when the build has it, or
// portable) left to the caller, so tests can run both.
func topK16(scores []uint16, k int, idx []int32, simd bool) []int32 {
	scores = scores[:min(len(scores), math.MaxInt32)]
	k = max(0, min(k, len(scores)))
	if k == 0 {
		return idx[:0]
	}
	var stack [reservoirLen]uint64
	s := newSelection(k, len(scores), stack[:])
	if len(s.buf) == len(scores) {
		for i, v := range scores {
			s.buf[i] = candidate(key16(v), i)
		}
		s.n = len(scores)
	} else {
		select16(&s, scores, simd)
	}
	return s.finish(idx)
}

// key16 is the order key of a uint16 score. Keys start at 1 so that a threshold of 0
// admits every score.
func key16(v uint16) uint32 { return uint32(v) + 1 }

// select16Portable fills the reservoir with the first scores, then lets the rest through the
// threshold one by one.
func select16Portable(s *selection, scores []uint16) {
	fill := len(s.buf)
	for i, v := range scores[:fill] {
		s.buf[i] = candidate(key16(v), i)
	}
	s.n = fill
	s.compact()
	for i := fill; i < len(scores); i++ {
		if key := key16(scores[i]); key > s.th {
			s.push(key, i)
		}
	}
}

// TopKFloat is TopK16 for float32 scores. Scores are ordered by value with −0 equal to +0;
// NaN ranks below every number, −Inf included.
func TopKFloat(scores []float32, k int, idx []int32) []int32 {
	scores = scores[:min(len(scores), math.MaxInt32)]
	k = max(0, min(k, len(scores)))
	if k == 0 {
		return idx[:0]
	}
	var stack [reservoirLen]uint64
	s := newSelection(k, len(scores), stack[:])
	fill := len(s.buf)
	for i, v := range scores[:fill] {
		s.buf[i] = candidate(floatKey(v), i)
	}
	s.n = fill
	if fill < len(scores) {
		s.compact()
		for i := fill; i < len(scores); i++ {
			if key := floatKey(scores[i]); key > s.th {
				s.push(key, i)
			}
		}
	}
	return s.finish(idx)
}

// floatKey maps a float32 to a uint32 with the same order: NaN to 0, below −Inf; −0 to the
// key of +0; negative numbers bit-inverted, the rest with the sign bit set (branch-free, as
// signs are random).
func floatKey(v float32) uint32 {
	if v != v {
		return 0
	}
	b := math.Float32bits(v + 0) // −0 + 0 = +0
	return b ^ (uint32(int32(b)>>31) | 1<<31)
}

// candidate packs an order key and an index into one uint64 that sorts like the pair
// (key descending, index ascending) when compared as a larger-is-better number.
func candidate(key uint32, i int) uint64 { return uint64(key)<<32 | uint64(^uint32(i)) }

// selection is the reservoir of TopK16 and TopKFloat.
type selection struct {
	k   int
	buf []uint64 // candidates; at least 2k long whenever more scores remain than it holds
	n   int      // candidates in buf
	th  uint32   // order key of the k-th best candidate, once compacted; only keys above it can enter
}

// newSelection sizes the reservoir for n scores: all of them when they fit on the stack or
// within 2k, else the stack (for k ≤ reservoirLen/2) or 2k allocated values.
func newSelection(k, n int, stack []uint64) selection {
	size := min(n, max(2*k, len(stack)))
	if size <= len(stack) {
		return selection{k: k, buf: stack[:size]}
	}
	return selection{k: k, buf: make([]uint64, size)}
}

// push adds a candidate whose key is above th, compacting the reservoir when it fills.
func (s *selection) push(key uint32, i int) {
	s.buf[s.n] = candidate(key, i)
	s.n++
	if s.n == len(s.buf) {
		s.compact()
	}
}

// compact keeps the k best candidates and raises the threshold to the worst of them. A later
// score equal to the threshold loses to it on index, so th excludes it too.
func (s *selection) compact() {
	selectLargest(s.buf[:s.n], s.k)
	s.n = s.k
	worst := s.buf[0]
	for _, c := range s.buf[1:s.k] {
		worst = min(worst, c)
	}
	s.th = uint32(worst >> 32)
}

// finish writes the k best candidates' indices, best first, into idx (grown if too small).
func (s *selection) finish(idx []int32) []int32 {
	best := s.buf[:s.n]
	if s.n > s.k {
		selectLargest(best, s.k)
		best = best[:s.k]
	}
	slices.Sort(best)
	if cap(idx) < s.k {
		idx = make([]int32, s.k)
	}
	idx = idx[:s.k]
	for i := range idx {
		idx[i] = int32(^uint32(best[len(best)-1-i]))
	}
	return idx
}

// selectLargest reorders a so that a[:k] holds its k largest values, in no particular order.
// Values are distinct (each carries its own index). It is a quickselect with median-of-three
// pivots that falls back to sorting if the partitions stay lopsided, so it is linear on
// average and O(n log n) at worst.
func selectLargest(a []uint64, k int) {
	lo, hi := 0, len(a)
	for budget := 2 * bits.Len(uint(len(a))); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.Sort(a[lo:hi])
			slices.Reverse(a[lo:hi])
			return
		}
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		p := max(min(x, y), min(max(x, y), z))
		i, j := lo, hi-1
		for i <= j {
			for a[i] > p {
				i++
			}
			for a[j] < p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo:i] ≥ p ≥ a[j+1:hi] and j < i; whatever lies between equals p.
		switch {
		case k <= j+1:
			hi = j + 1
		case k >= i:
			lo = i
		default:
			return
		}
	}
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && a[j] > a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
