package autodiff

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// regression is a small model with a dense and a sparse param: y = σ(w·(x + e_id)).
type regression struct {
	params *Params
	w      *Param
	table  *Param
	xs     [][]float32
	ids    [][]int32
	labels []float32
}

func newRegression(t testing.TB, n int) *regression {
	rng := rand.New(rand.NewPCG(3, 4))
	const d, rows = 8, 16
	r := &regression{params: NewParams()}
	random := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	var err error
	r.w, err = r.params.Add("w", 1, d, random(d), false)
	require.NoError(t, err)
	r.table, err = r.params.Add("table", rows, d, random(rows*d), true)
	require.NoError(t, err)
	for range n {
		r.xs = append(r.xs, random(d))
		r.ids = append(r.ids, []int32{rng.Int32N(rows), rng.Int32N(rows)})
		r.labels = append(r.labels, float32(rng.IntN(2)))
	}
	return r
}

func (r *regression) example(t *Tape, i int) (Var, error) {
	x := t.Add(t.Vector(r.xs[i]), t.GatherMean(r.table, r.ids[i]))
	return t.BCEWithLogits(t.Dot(t.Param(r.w), x), r.labels[i:i+1]), t.Err()
}

// gradSnapshot copies every gradient into dense buffers, param by param.
func gradSnapshot(g *Grads) [][]float32 {
	var out [][]float32
	for _, p := range g.Params().List() {
		out = append(out, append([]float32(nil), denseGrad(g, p)...))
	}
	return out
}

func TestDataParallelMatchesSequential(t *testing.T) {
	const n = 37
	r := newRegression(t, n)

	grads := r.params.NewGrads()
	tape := NewTape(grads)
	var loss float64
	for i := range n {
		tape.Reset()
		v, err := r.example(tape, i)
		require.NoError(t, err)
		loss += float64(tape.Scalar(v))
		require.NoError(t, tape.Backward(v))
	}
	grads.Scale(1 / float32(n))
	want := gradSnapshot(grads)

	one, err := NewDataParallel(r.params, 1)
	require.NoError(t, err)
	gotLoss, got, err := one.Step(n, r.example)
	require.NoError(t, err)
	assert.Equal(t, want, gradSnapshot(got), "one worker is the sequential sum, bit for bit")
	assert.Equal(t, loss/n, gotLoss)

	for _, workers := range []int{2, 3} {
		dp, err := NewDataParallel(r.params, workers)
		require.NoError(t, err)
		_, first, err := dp.Step(n, r.example)
		require.NoError(t, err)
		firstGrads := gradSnapshot(first)
		for k, g := range firstGrads {
			assert.InDeltaSlice(t, want[k], g, 1e-6, "%d workers agree with one to rounding", workers)
		}
		for range 3 {
			_, again, err := dp.Step(n, r.example)
			require.NoError(t, err)
			assert.Equal(t, firstGrads, gradSnapshot(again), "%d workers: repeated steps are bit-identical", workers)
		}
	}
}

func TestDataParallelFewerExamplesThanWorkers(t *testing.T) {
	r := newRegression(t, 1)
	dp, err := NewDataParallel(r.params, 3)
	require.NoError(t, err)
	loss, grads, err := dp.Step(1, r.example)
	require.NoError(t, err)
	assert.Positive(t, loss)
	assert.NotZero(t, grads.Norm())
}

func TestDataParallelErrors(t *testing.T) {
	r := newRegression(t, 10)
	dp, err := NewDataParallel(r.params, 2)
	require.NoError(t, err)
	assert.Equal(t, 2, dp.Workers())

	bad := errors.New("bad example")
	_, _, err = dp.Step(10, func(t *Tape, i int) (Var, error) {
		if i == 3 || i == 7 {
			return Var{}, bad
		}
		return r.example(t, i)
	})
	var exErr *ExampleError
	require.ErrorAs(t, err, &exErr)
	assert.Equal(t, 3, exErr.Index, "the first failing example by index")
	assert.ErrorIs(t, err, bad)
	assert.EqualError(t, err, "autodiff: example 3: bad example")

	_, _, err = dp.Step(2, func(t *Tape, _ int) (Var, error) { return t.Vector([]float32{1, 2}), nil })
	assert.ErrorContains(t, err, "want 1×1")

	_, _, err = dp.Step(0, r.example)
	assert.ErrorContains(t, err, "over 0 examples")
	_, err = NewDataParallel(nil, 1)
	assert.Error(t, err)
}
