package optim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/optim"
)

// classifier is logistic regression on x + mean(table rows), trained by data-parallel Adam.
type classifier struct {
	params *autodiff.Params
	w      *autodiff.Param
	table  *autodiff.Param
	xs     [][]float32
	ids    [][]int32
	labels []float32
}

// newClassifier draws the same data and initial params for the same seed.
func newClassifier(t *testing.T, seed uint64, n int) *classifier {
	rng := rand.New(rand.NewPCG(seed, 0))
	const d, rows = 6, 32
	random := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	c := &classifier{params: autodiff.NewParams()}
	var err error
	c.w, err = c.params.Add("w", 1, d, random(d), false)
	require.NoError(t, err)
	c.table, err = c.params.Add("table", rows, d, random(rows*d), true)
	require.NoError(t, err)
	truth := random(d)
	for range n {
		x := random(d)
		var s float32
		for i, v := range x {
			s += v * truth[i]
		}
		c.xs = append(c.xs, x)
		c.ids = append(c.ids, []int32{rng.Int32N(rows), rng.Int32N(rows), rng.Int32N(rows)})
		c.labels = append(c.labels, map[bool]float32{true: 1, false: 0}[s > 0])
	}
	return c
}

func (c *classifier) example(t *autodiff.Tape, i int) (autodiff.Var, error) {
	x := t.Add(t.Vector(c.xs[i]), t.GatherMean(c.table, c.ids[i]))
	return t.BCEWithLogits(t.Dot(t.Param(c.w), x), c.labels[i:i+1]), t.Err()
}

// train runs epochs of mini-batches of 16 and returns the final params and the loss curve.
func train(t *testing.T, seed uint64, workers int) (params [][]float32, losses []float64) {
	const n, batch = 96, 16
	c := newClassifier(t, seed, n)
	dp, err := autodiff.NewDataParallel(c.params, workers)
	require.NoError(t, err)
	adam, err := optim.NewAdam(c.params, optim.AdamConfig{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 5})
	require.NoError(t, err)
	for range 3 {
		for from := 0; from < n; from += batch {
			loss, g, err := dp.Step(batch, func(t *autodiff.Tape, i int) (autodiff.Var, error) {
				return c.example(t, from+i)
			})
			require.NoError(t, err)
			_, err = adam.Step(g)
			require.NoError(t, err)
			losses = append(losses, loss)
		}
	}
	return [][]float32{c.w.Data, c.table.Data}, losses
}

func TestTrainingIsDeterministic(t *testing.T) {
	params2, losses2 := train(t, 11, 2)
	again, lossesAgain := train(t, 11, 2)
	assert.Equal(t, params2, again, "same seed, same workers: bit-identical params")
	assert.Equal(t, losses2, lossesAgain)
	assert.Less(t, losses2[len(losses2)-1], losses2[0], "the loss goes down")

	// One worker sums the batch's float32 gradients in another grouping: the runs agree to
	// rounding, not bit for bit.
	params1, losses1 := train(t, 11, 1)
	for k := range params1 {
		assert.InDeltaSlice(t, params1[k], params2[k], 1e-5)
	}
	assert.InDeltaSlice(t, losses1, losses2, 1e-6)

	other, _ := train(t, 12, 2)
	assert.NotEqual(t, params2, other, "another seed trains another model")
}
