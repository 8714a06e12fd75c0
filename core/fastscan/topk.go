package fastscan

import (
	"math"
	"math/bits"
)

// stackLen is the size of the candidate buffer TopK16 and TopKFloat keep on the stack (16 KiB):
// half of it is the reservoir, the other half scratch for selecting in it, so k ≤ stackLen/4
// needs no allocation.
const stackLen = 2048

// TopK16 returns the indices of the k largest scores in increasing order (the order of the
// events); equal scores rank by lower index, so the set is fully determined. k ≤ 0 gives an
// empty result and k ≥ len(scores) all indices. The result lives in idx's backing array when
// cap(idx) ≥ k; the call allocates nothing when, in addition, k ≤ 512. Only the first
// math.MaxInt32 scores are considered.
//
// Scores pass a threshold, the k-th best kept so far, into a reservoir that is cut back to
// its k best whenever it fills; almost every score costs one compare, and nothing is sorted.
// In wasm builds a SIMD selection that counts instead runs first: see topK16SIMD.
func TopK16(scores []uint16, k int, idx []int32) []int32 {
	return topK16(scores, k, idx, SIMD)
}

// topK16 is TopK16 with the choice of selection (SIMD when the build has it, or portable)
// left to the caller, so tests can run both.
func topK16(scores []uint16, k int, idx []int32, simd bool) []int32 {
	scores = scores[:min(len(scores), math.MaxInt32)]
	k = max(0, min(k, len(scores)))
	if k == 0 {
		return idx[:0]
	}
	if idx, ok := selectFast16(scores, k, idx, simd); ok {
		return idx
	}
	var stack [stackLen]uint64
	s := newSelection(k, len(scores), stack[:])
	if len(scores) <= s.room {
		for i, v := range scores {
			s.buf[i] = candidate(key16(v), i)
		}
		s.n = len(scores)
	} else {
		select16Portable(&s, scores)
	}
	return s.finish(idx)
}

// key16 is the order key of a uint16 score. Keys start at 1 so that a threshold of 0
// admits every score.
func key16(v uint16) uint32 { return uint32(v) + 1 }

// select16Portable fills the reservoir with the first scores, then lets the rest through the
// threshold one by one. There are more scores than the reservoir holds.
func select16Portable(s *selection, scores []uint16) {
	for i, v := range scores[:s.room] {
		s.buf[i] = candidate(key16(v), i)
	}
	s.n = s.room
	s.compact()
	for i := nextAbove16(scores, s.room, s.th); i < len(scores); i = nextAbove16(scores, i+1, s.th) {
		if s.push(key16(scores[i]), i) {
			s.compact()
		}
	}
}

// nextAbove16Portable returns the first index j ≥ i whose score's key exceeds th, or
// len(scores): the threshold test of select16Portable, which rejects almost every score.
func nextAbove16Portable(scores []uint16, i int, th uint32) int {
	for ; i < len(scores); i++ {
		if key16(scores[i]) > th {
			return i
		}
	}
	return len(scores)
}

// TopKFloat is TopK16 for float32 scores. Scores are ordered by value with −0 equal to +0;
// NaN ranks below every number, −Inf included. In wasm builds a SIMD selection that counts
// takes the short lists of the refine step: see topKFloatSIMD.
func TopKFloat(scores []float32, k int, idx []int32) []int32 {
	return topKFloat(scores, k, idx, SIMD)
}

// topKFloat is TopKFloat with the choice of selection left to the caller, as in topK16.
func topKFloat(scores []float32, k int, idx []int32, simd bool) []int32 {
	scores = scores[:min(len(scores), math.MaxInt32)]
	k = max(0, min(k, len(scores)))
	if k == 0 {
		return idx[:0]
	}
	if idx, ok := selectFastFloat(scores, k, idx, simd); ok {
		return idx
	}
	var stack [stackLen]uint64
	s := newSelection(k, len(scores), stack[:])
	fill := min(len(scores), s.room)
	for i, v := range scores[:fill] {
		s.buf[i] = candidate(floatKey(v), i)
	}
	s.n = fill
	if fill < len(scores) {
		s.compact()
		th := s.th
		for i := fill; i < len(scores); i++ {
			if key := floatKey(scores[i]); key > th {
				if s.push(key, i) {
					s.compact()
				}
				th = s.th
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

// selection is the reservoir of TopK16 and TopKFloat. Candidates arrive in index order and
// compaction keeps that order, so the k survivors come out sorted by index for free.
type selection struct {
	k    int
	buf  []uint64 // buf[:room] holds candidates, buf[room:] is scratch for compact
	room int      // reservoir capacity: at least 2k whenever more scores remain than it holds
	n    int      // candidates in buf
	th   uint32   // order key of the k-th best candidate, once compacted; only keys above it can enter
}

// newSelection sizes the reservoir for k of n scores: the stack buffer when it is large
// enough, else an allocated one.
func newSelection(k, n int, stack []uint64) selection {
	room := min(n, max(2*k, len(stack)/2))
	if 2*room <= len(stack) {
		return selection{k: k, buf: stack[:2*room], room: room}
	}
	return selection{k: k, buf: make([]uint64, 2*room), room: room}
}

// push adds a candidate whose key is above th and reports whether the reservoir is now full,
// when the caller must compact it (a call here would keep push from being inlined).
func (s *selection) push(key uint32, i int) (full bool) {
	s.buf[s.n] = candidate(key, i)
	s.n++
	return s.n == s.room
}

// compact keeps the k best candidates, in their order, and raises the threshold to the worst
// of them. A later score equal to the threshold loses to it on index, so th excludes it too.
func (s *selection) compact() {
	kth := kthLargest(s.buf[:s.n], s.buf[s.n:2*s.n], s.k)
	j := 0
	for _, c := range s.buf[:s.n] {
		if c >= kth {
			s.buf[j] = c
			j++
		}
	}
	s.n = s.k
	s.th = uint32(kth >> 32)
}

// finish writes the indices of the k best candidates, in increasing order, into idx (grown if
// too small).
func (s *selection) finish(idx []int32) []int32 {
	if s.n > s.k {
		s.compact()
	}
	if cap(idx) < s.k {
		idx = make([]int32, s.k)
	}
	idx = idx[:s.k]
	for i, c := range s.buf[:s.k] {
		idx[i] = int32(^uint32(c))
	}
	return idx
}

// kthLargest returns the k-th largest of vals (1 ≤ k ≤ len(vals)), using scratch, as long as
// vals, for a copy it reorders.
func kthLargest(vals, scratch []uint64, k int) uint64 {
	copy(scratch, vals)
	selectLargest(scratch, k)
	kth := scratch[0]
	for _, c := range scratch[1:k] {
		kth = min(kth, c)
	}
	return kth
}

// selectLargest reorders a so that a[:k] holds its k largest values, in no particular order.
// Values are distinct (each carries its own index). It is a quickselect with median-of-three
// pivots that falls back to heapsort if the partitions stay lopsided, so it is linear on
// average and O(n log n) at worst.
func selectLargest(a []uint64, k int) {
	lo, hi := 0, len(a)
	for budget := 2 * bits.Len(uint(len(a))); hi-lo > 16; budget-- {
		if budget == 0 {
			sortDescending(a[lo:hi])
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

// sortDescending heapsorts a, largest first: a small O(n log n) worst case for selectLargest
// (the wasm module pays for every instantiation of a general sort).
func sortDescending(a []uint64) {
	// A min-heap whose root is moved to the end each round leaves a descending.
	down := func(i, n int) {
		for {
			c := 2*i + 1
			if c >= n {
				return
			}
			if c+1 < n && a[c+1] < a[c] {
				c++
			}
			if a[i] <= a[c] {
				return
			}
			a[i], a[c] = a[c], a[i]
			i = c
		}
	}
	for i := len(a)/2 - 1; i >= 0; i-- {
		down(i, len(a))
	}
	for n := len(a) - 1; n > 0; n-- {
		a[0], a[n] = a[n], a[0]
		down(0, n)
	}
}
