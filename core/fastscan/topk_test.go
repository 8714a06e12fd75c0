package fastscan

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// topIndices returns the first k of ranked (all indices, best first), in increasing order:
// the answer TopK16 and TopKFloat must give.
func topIndices(ranked []int32, k int) []int32 {
	top := slices.Clone(ranked[:max(0, min(k, len(ranked)))])
	slices.Sort(top)
	return top
}

// rankAll returns every index ordered best first: larger key, then lower index.
func rankAll(n int, key func(i int) uint32) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(key(int(b)), key(int(a))); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return idx
}

// requireSameIndices compares index lists, an empty one equal to nil.
func requireSameIndices(t *testing.T, want, got []int32, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	if len(want) > 0 {
		require.Equal(t, want, got, msg)
	}
}

// scoreSets are the uint16 score patterns TopK16 must handle: random, heavy ties, all
// equal, and sorted either way (the worst case for a running threshold is ascending); narrow
// (a few hundred values, so the k-th score ties with others) and bursts (high scores in runs,
// as similar events cluster in a history) as scan sums look.
func scoreSets(r *rand.Rand, n int) map[string][]uint16 {
	sets := map[string][]uint16{}
	random, ties, equal, asc, desc := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
	narrow, bursts := make([]uint16, n), make([]uint16, n)
	for i := range n {
		random[i] = uint16(r.IntN(1 << 16))
		ties[i] = uint16(r.IntN(4)) * 1000
		equal[i] = 7
		asc[i] = uint16(i * 65535 / max(1, n))
		desc[i] = 65535 - asc[i]
		narrow[i] = 1500 + uint16(r.IntN(300))
		bursts[i] = 1000 + uint16(r.IntN(500))
		if i/100%7 == 3 {
			bursts[i] += 400
		}
	}
	sets["random"], sets["ties"], sets["equal"], sets["ascending"], sets["descending"] = random, ties, equal, asc, desc
	sets["narrow"], sets["bursts"] = narrow, bursts
	return sets
}

func topKs(n int) []int {
	return []int{-3, 0, 1, 2, 5, 64, 511, 512, 513, 1000, n - 1, n, n + 5}
}

func TestTopK16MatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 2, 10, 31, 33, 100, 1023, 1024, 1025, 3000, 10000} {
		for name, scores := range scoreSets(r, n) {
			ranked := rankAll(n, func(i int) uint32 { return uint32(scores[i]) })
			for _, k := range topKs(n) {
				want := topIndices(ranked, k)
				for _, impl := range implementations() {
					got := topK16(scores, k, nil, impl.simdTopK)
					requireSameIndices(t, want, got, impl.name+" "+name+" n="+strconv.Itoa(n)+" k="+strconv.Itoa(k))
				}
				requireSameIndices(t, want, TopK16(scores, k, make([]int32, 0, 3)), "exported "+name)
			}
		}
	}
}

func TestTopKFloatMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	negZero := float32(math.Copysign(0, -1))
	for _, n := range []int{0, 1, 7, 17, 100, 256, 1000, 1024, 1025, 5000} {
		scores := make([]float32, n)
		for i := range scores {
			switch r.IntN(10) {
			case 0:
				scores[i] = float32(math.NaN())
			case 1:
				scores[i] = float32(math.Inf(1 - 2*r.IntN(2)))
			case 2:
				scores[i] = []float32{0, negZero}[r.IntN(2)]
			case 3:
				scores[i] = float32(r.IntN(3)) // ties
			default:
				scores[i] = float32(r.NormFloat64())
			}
		}
		// Reference order by value: NaN last, −0 equal to +0, then lower index.
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int {
			x, y := scores[a], scores[b]
			switch {
			case x != x && y != y:
				return 0
			case x != x:
				return 1
			case y != y:
				return -1
			}
			return cmp.Compare(y, x)
		})
		for _, k := range topKs(n) {
			msg := " n=" + strconv.Itoa(n) + " k=" + strconv.Itoa(k)
			for _, impl := range implementations() {
				requireSameIndices(t, topIndices(idx, k), topKFloat(scores, k, nil, impl.simdTopK), impl.name+msg)
			}
			requireSameIndices(t, topIndices(idx, k), TopKFloat(scores, k, nil), "exported"+msg)
		}
	}
}

func TestFloatKeyOrder(t *testing.T) {
	ordered := []float32{float32(math.NaN()), float32(math.Inf(-1)), -math.MaxFloat32, -1, -math.SmallestNonzeroFloat32,
		0, math.SmallestNonzeroFloat32, 1, math.MaxFloat32, float32(math.Inf(1))}
	for i := 1; i < len(ordered); i++ {
		require.Less(t, floatKey(ordered[i-1]), floatKey(ordered[i]), "%g < %g", ordered[i-1], ordered[i])
	}
	require.Equal(t, floatKey(0), floatKey(float32(math.Copysign(0, -1))))
	require.Equal(t, floatKey(float32(math.NaN())), floatKey(-float32(math.NaN())))
}

func TestTopKReusesIdx(t *testing.T) {
	scores := scoreSets(rand.New(rand.NewPCG(19, 20)), 5000)["random"]
	idx := make([]int32, 0, 64)
	got := TopK16(scores, 64, idx)
	require.Len(t, got, 64)
	require.Equal(t, unsafe.SliceData(idx), unsafe.SliceData(got), "must fill the caller's array")

	small := make([]int32, 0, 10)
	got = TopK16(scores, 64, small)
	require.Len(t, got, 64, "grows an idx that is too small")
}

func TestTopKAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	scores := scoreSets(r, 10000)["random"]
	floats := make([]float32, 10000)
	for i := range floats {
		floats[i] = float32(r.NormFloat64())
	}
	for _, k := range []int{1, 64, 512} {
		idx := make([]int32, 0, k)
		require.Zero(t, testing.AllocsPerRun(5, func() {
			TopK16(scores, k, idx)
			TopKFloat(floats, k, idx)
		}), "k="+strconv.Itoa(k))
	}
}

func TestSortDescending(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{0, 1, 2, 3, 17, 100} {
		a := make([]uint64, n)
		for i := range a {
			a[i] = r.Uint64() % 50 // repeats too
		}
		want := slices.Clone(a)
		slices.Sort(want)
		slices.Reverse(want)
		sortDescending(a)
		require.Equal(t, want, a, "n=%d", n)
	}
}

func TestSelectLargest(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{1, 2, 16, 17, 100, 1000} {
		for _, order := range []string{"random", "ascending", "descending", "organ"} {
			a := make([]uint64, n)
			for i := range a {
				switch order {
				case "random":
					a[i] = r.Uint64()
				case "ascending":
					a[i] = uint64(i)
				case "descending":
					a[i] = uint64(n - i)
				case "organ":
					a[i] = uint64(min(i, n-i))<<32 | uint64(i)
				}
			}
			sorted := slices.Clone(a)
			slices.Sort(sorted)
			slices.Reverse(sorted)
			for _, k := range []int{0, 1, n / 2, n - 1, n} {
				b := slices.Clone(a)
				selectLargest(b, k)
				top := slices.Clone(b[:k])
				slices.Sort(top)
				slices.Reverse(top)
				require.Equal(t, sorted[:k], top, "%s n=%d k=%d", order, n, k)
			}
		}
	}
}
