package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPositionMetrics(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	log2 := func(x float64) float64 { return 1 / math.Log2(x) }
	type at struct {
		k         int
		hit, ndcg float64
	}
	cases := []struct {
		name      string
		positive  float32
		negatives []float32
		want      Position
		rank      float64
		at        []at
		mrr, auc  float64
	}{
		{"first", 0.9, []float32{0.1, 0.5, 0.3}, Position{0, 0, 3}, 1,
			[]at{{1, 1, 1}, {3, 1, 1}}, 1, 1},
		{"third", 0.5, []float32{0.9, 0.7, 0.1, 0.2}, Position{2, 0, 4}, 3,
			[]at{{1, 0, 0}, {2, 0, 0}, {3, 1, 0.5}, {10, 1, 0.5}}, 1.0 / 3, 0.5},
		{"last", -1, []float32{0, 1}, Position{2, 0, 2}, 3,
			[]at{{2, 0, 0}, {3, 1, 0.5}}, 1.0 / 3, 0},
		// Two ties after one better negative: the rank is uniform over 2, 3, 4.
		{"ties", 0.5, []float32{0.9, 0.5, 0.5, 0.1}, Position{1, 2, 4}, 3,
			[]at{{1, 0, 0}, {2, 1.0 / 3, log2(3) / 3}, {3, 2.0 / 3, (log2(3) + log2(4)) / 3},
				{10, 1, (log2(3) + log2(4) + log2(5)) / 3}},
			(1.0/2 + 1.0/3 + 1.0/4) / 3, 0.5},
		// A constant scorer gets a random ranking's metrics.
		{"all tied", 1, []float32{1, 1, 1}, Position{0, 3, 3}, 2.5,
			[]at{{1, 0.25, 0.25}, {4, 1, (1 + log2(3) + log2(4) + log2(5)) / 4}},
			(1 + 1.0/2 + 1.0/3 + 1.0/4) / 4, 0.5},
		{"signed zeros tie", 0, []float32{float32(math.Copysign(0, -1))}, Position{0, 1, 1}, 1.5,
			[]at{{1, 0.5, 0.5}}, 0.75, 0.5},
		{"infinities tie", inf, []float32{inf, 3}, Position{0, 1, 2}, 1.5,
			[]at{{1, 0.5, 0.5}}, 0.75, 0.75},
		{"NaN positive ranks last", nan, []float32{0, float32(math.Inf(-1))}, Position{2, 0, 2}, 3,
			[]at{{2, 0, 0}}, 1.0 / 3, 0},
		{"NaN negative ranks below", 0, []float32{nan, 1}, Position{1, 0, 2}, 2,
			[]at{{1, 0, 0}, {2, 1, log2(3)}}, 0.5, 0.5},
		{"NaN ties NaN", nan, []float32{nan}, Position{0, 1, 1}, 1.5,
			[]at{{1, 0.5, 0.5}}, 0.75, 0.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Locate(c.positive, c.negatives)
			require.NoError(t, err)
			assert.Equal(t, c.want, p)
			assert.InDelta(t, c.rank, p.Rank(), 1e-12)
			for _, a := range c.at {
				assert.InDelta(t, a.hit, p.Hit(a.k), 1e-12, "HIT@%d", a.k)
				assert.InDelta(t, a.ndcg, p.NDCG(a.k), 1e-12, "NDCG@%d", a.k)
			}
			assert.Zero(t, p.Hit(0))
			assert.Zero(t, p.NDCG(0))
			assert.InDelta(t, c.mrr, p.MRR(), 1e-12)
			assert.InDelta(t, c.auc, p.AUC(), 1e-12)
		})
	}
}

func TestLocateWithoutNegatives(t *testing.T) {
	_, err := Locate(1, nil)
	assert.Error(t, err)
	assert.True(t, math.IsNaN(Position{}.AUC()))
}

func TestAccumulator(t *testing.T) {
	acc, err := NewAccumulator(1, 3)
	require.NoError(t, err)
	require.NoError(t, acc.Add(0.5, []float32{0.9, 0.7, 0.1, 0.2})) // rank 3
	require.NoError(t, acc.Add(0.5, []float32{0.9, 0.5, 0.5, 0.1})) // rank uniform over 2…4
	assert.Error(t, acc.Add(0.5, nil))

	r := acc.Result()
	assert.Equal(t, 2, r.Cases)
	assert.Equal(t, []int{1, 3}, r.Ks)
	assert.InDeltaSlice(t, []float64{0, (1 + 2.0/3) / 2}, r.HIT, 1e-12)
	ndcg3 := (0.5 + (1/math.Log2(3)+0.5)/3) / 2
	assert.InDeltaSlice(t, []float64{0, ndcg3}, r.NDCG, 1e-12)
	assert.InDelta(t, (1.0/3+(1.0/2+1.0/3+1.0/4)/3)/2, r.MRR, 1e-12)
	assert.InDelta(t, 0.5, r.AUC, 1e-12)
	assert.InDelta(t, 3, r.MeanRank, 1e-12)

	other, err := NewAccumulator(1, 3)
	require.NoError(t, err)
	require.NoError(t, other.Add(2, []float32{1, 0}))
	require.NoError(t, acc.Merge(other))
	merged := acc.Result()
	assert.Equal(t, 3, merged.Cases)
	assert.InDelta(t, (1+2.0/3+1)/3, merged.HIT[1], 1e-12)

	wrong, err := NewAccumulator(1, 5)
	require.NoError(t, err)
	assert.Error(t, acc.Merge(wrong))
	wrong, err = NewAccumulator(1)
	require.NoError(t, err)
	assert.Error(t, acc.Merge(wrong))

	empty, err := NewAccumulator(10)
	require.NoError(t, err)
	assert.Equal(t, Result{Ks: []int{10}, HIT: []float64{0}, NDCG: []float64{0}}, empty.Result())

	for _, ks := range [][]int{{0}, {-1}, {5, 5}} {
		_, err := NewAccumulator(ks...)
		assert.Error(t, err, "%v", ks)
	}
}

func TestDescribe(t *testing.T) {
	cases := []struct {
		xs   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{0.25}, Stat{Mean: 0.25, N: 1}},
		{[]float64{1, 2, 3, 4}, Stat{Mean: 2.5, Std: math.Sqrt(5.0 / 3), N: 4}},
	}
	for _, c := range cases {
		got := Describe(c.xs)
		assert.Equal(t, c.want.N, got.N)
		assert.InDelta(t, c.want.Mean, got.Mean, 1e-12)
		assert.InDelta(t, c.want.Std, got.Std, 1e-12)
	}
	assert.Equal(t, "2.5000 ± 1.2910", Describe([]float64{1, 2, 3, 4}).String())
}

func TestSummarize(t *testing.T) {
	results := []Result{
		{Cases: 10, Ks: []int{1, 10}, HIT: []float64{0.1, 0.5}, NDCG: []float64{0.1, 0.3}, MRR: 0.2, AUC: 0.8, MeanRank: 4},
		{Cases: 10, Ks: []int{1, 10}, HIT: []float64{0.3, 0.7}, NDCG: []float64{0.3, 0.5}, MRR: 0.4, AUC: 0.9, MeanRank: 2},
	}
	s, err := Summarize(results)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Seeds)
	assert.Equal(t, []int{1, 10}, s.Ks)
	sd := math.Sqrt(0.02)
	assert.InDelta(t, 0.2, s.HIT[0].Mean, 1e-12)
	assert.InDelta(t, sd, s.HIT[0].Std, 1e-12)
	assert.InDelta(t, 0.6, s.HIT[1].Mean, 1e-12)
	assert.InDelta(t, 0.4, s.NDCG[1].Mean, 1e-12)
	assert.InDelta(t, 0.3, s.MRR.Mean, 1e-12)
	assert.InDelta(t, 0.85, s.AUC.Mean, 1e-12)
	assert.InDelta(t, 3, s.MeanRank.Mean, 1e-12)
	assert.InDelta(t, math.Sqrt(2), s.MeanRank.Std, 1e-12)

	_, err = Summarize(nil)
	assert.Error(t, err)
	results[1].Ks = []int{1, 5}
	_, err = Summarize(results)
	assert.Error(t, err)
	results[1].Ks = []int{1}
	_, err = Summarize(results)
	assert.Error(t, err)
}
