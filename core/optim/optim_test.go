package optim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/optim"
)

// quadratic is f(x) = Σ c_i (x_i − t_i)² over one dense param, with curvatures spanning two
// orders of magnitude.
type quadratic struct {
	params *autodiff.Params
	x      *autodiff.Param
	curv   []float32
	target []float32
	g      *autodiff.Grads
	tape   *autodiff.Tape
}

func newQuadratic(t *testing.T) *quadratic {
	q := &quadratic{
		params: autodiff.NewParams(),
		curv:   []float32{0.05, 0.5, 1, 5},
		target: []float32{1, -2, 0.5, 3},
	}
	var err error
	q.x, err = q.params.Add("x", 1, 4, make([]float32, 4), false)
	require.NoError(t, err)
	q.g = q.params.NewGrads()
	q.tape = autodiff.NewTape(q.g)
	return q
}

func (q *quadratic) grads(t *testing.T) *autodiff.Grads {
	g, tape := q.g, q.tape
	g.Zero()
	tape.Reset()
	diff := tape.Sub(tape.Param(q.x), tape.Vector(q.target))
	loss := tape.Dot(tape.Mul(diff, diff), tape.Vector(q.curv))
	require.NoError(t, tape.Backward(loss))
	return g
}

func TestConvergesOnQuadratic(t *testing.T) {
	adam := optim.DefaultAdam()
	adam.LR = 0.05
	clipped := adam
	clipped.ClipNorm = 0.5
	for _, c := range []struct {
		name string
		make func(*autodiff.Params) (optim.Optimizer, error)
	}{
		{"Adam", func(p *autodiff.Params) (optim.Optimizer, error) { return optim.NewAdam(p, adam) }},
		{"Adam clipped", func(p *autodiff.Params) (optim.Optimizer, error) { return optim.NewAdam(p, clipped) }},
		{"SGD", func(p *autodiff.Params) (optim.Optimizer, error) {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.09})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := newQuadratic(t)
			opt, err := c.make(q.params)
			require.NoError(t, err)
			for range 2000 {
				_, err := opt.Step(q.grads(t))
				require.NoError(t, err)
			}
			assert.InDeltaSlice(t, q.target, q.x.Data, 1e-3)
		})
	}
}

// tables returns two params over the same initial values: a sparse table and a dense copy.
func tables(t *testing.T, rows, cols int) (*autodiff.Params, *autodiff.Param, *autodiff.Param) {
	rng := rand.New(rand.NewPCG(1, 1))
	data := make([]float32, rows*cols)
	for i := range data {
		data[i] = rng.Float32()*2 - 1
	}
	params := autodiff.NewParams()
	sparse, err := params.Add("sparse", rows, cols, data, true)
	require.NoError(t, err)
	dense, err := params.Add("dense", rows, cols, append([]float32(nil), data...), false)
	require.NoError(t, err)
	return params, sparse, dense
}

// rowGrads returns gradients in which rows ids of the sparse table and every row of the dense
// param have the gradient r (one rows×cols matrix).
func rowGrads(t *testing.T, params *autodiff.Params, sparse, dense *autodiff.Param, ids []int32, r []float32) *autodiff.Grads {
	g := params.NewGrads()
	tape := autodiff.NewTape(g)
	c := sparse.Cols
	loss := tape.Dot(tape.Param(dense), tape.Input(r, dense.Rows, c))
	picked := make([]float32, 0, len(ids)*c)
	for _, id := range ids {
		picked = append(picked, r[int(id)*c:int(id+1)*c]...)
	}
	loss = tape.Add(loss, tape.Dot(tape.Gather(sparse, ids), tape.Input(picked, len(ids), c)))
	require.NoError(t, tape.Backward(loss))
	return g
}

func TestSparseMatchesDenseWhenEveryRowIsTouched(t *testing.T) {
	const rows, cols = 5, 3
	for _, c := range []struct {
		name string
		make func(*autodiff.Params) (optim.Optimizer, error)
	}{
		{"Adam", func(p *autodiff.Params) (optim.Optimizer, error) {
			return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 2})
		}},
		{"SGD", func(p *autodiff.Params) (optim.Optimizer, error) {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, WeightDecay: 0.1, ClipNorm: 2})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			params, sparse, dense := tables(t, rows, cols)
			opt, err := c.make(params)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(2, 2))
			for range 10 {
				r := make([]float32, rows*cols)
				for i := range r {
					r[i] = rng.Float32()*2 - 1
				}
				_, err := opt.Step(rowGrads(t, params, sparse, dense, []int32{0, 1, 2, 3, 4}, r))
				require.NoError(t, err)
			}
			assert.Equal(t, dense.Data, sparse.Data, "bit-identical updates")
		})
	}
}

func TestSparseUpdatesOnlyTouchedRows(t *testing.T) {
	const rows, cols = 6, 2
	params, sparse, dense := tables(t, rows, cols)
	adam, err := optim.NewAdam(params, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.5})
	require.NoError(t, err)
	before := append([]float32(nil), sparse.Data...)
	r := make([]float32, rows*cols)
	for i := range r {
		r[i] = float32(i%3) - 1.5
	}
	touched := []int32{4, 1}
	_, err = adam.Step(rowGrads(t, params, sparse, dense, touched, r))
	require.NoError(t, err)
	for row := range rows {
		got, was := sparse.Data[row*cols:(row+1)*cols], before[row*cols:(row+1)*cols]
		if row == 1 || row == 4 {
			// The first step of a row is LR·sign(g) (plus decay), whatever the global count.
			for j := range got {
				want := was[j] - 0.01*(float32(math.Copysign(1, float64(r[row*cols+j])))+0.5*was[j])
				assert.InDelta(t, want, got[j], 1e-6, "row %d", row)
			}
		} else {
			assert.Equal(t, was, got, "untouched row %d, not even decayed", row)
		}
	}
}

// TestPerRowBiasCorrection checks that a row first touched after many steps takes a fresh
// first step, as the package documents.
func TestPerRowBiasCorrection(t *testing.T) {
	const rows, cols = 3, 1
	params, sparse, dense := tables(t, rows, cols)
	adam, err := optim.NewAdam(params, optim.DefaultAdam())
	require.NoError(t, err)
	r := []float32{0.3, -0.2, 0.7}
	for range 50 {
		_, err := adam.Step(rowGrads(t, params, sparse, dense, []int32{0}, r))
		require.NoError(t, err)
	}
	was := sparse.Data[2]
	_, err = adam.Step(rowGrads(t, params, sparse, dense, []int32{2}, r))
	require.NoError(t, err)
	assert.InDelta(t, was-1e-3, sparse.Data[2], 1e-7)
	assert.Equal(t, 51, adam.Steps())
}

func TestClipping(t *testing.T) {
	params := autodiff.NewParams()
	x, err := params.Add("x", 1, 2, []float32{0, 0}, false)
	require.NoError(t, err)
	g := params.NewGrads()
	copy(g.Dense(x), []float32{3, 4})
	sgd, err := optim.NewSGD(params, optim.SGDConfig{LR: 1, ClipNorm: 1})
	require.NoError(t, err)
	norm, err := sgd.Step(g)
	require.NoError(t, err)
	assert.InDelta(t, 5, norm, 1e-9, "the norm before clipping")
	assert.InDeltaSlice(t, []float32{-0.6, -0.8}, x.Data, 1e-7)
}

func TestRejectsBadInput(t *testing.T) {
	params := autodiff.NewParams()
	x, err := params.Add("x", 1, 2, []float32{1, 2}, false)
	require.NoError(t, err)

	good := optim.DefaultAdam()
	for _, c := range []struct {
		name string
		edit func(*optim.AdamConfig)
	}{
		{"zero LR", func(c *optim.AdamConfig) { c.LR = 0 }},
		{"NaN LR", func(c *optim.AdamConfig) { c.LR = float32(math.NaN()) }},
		{"beta1 = 1", func(c *optim.AdamConfig) { c.Beta1 = 1 }},
		{"negative beta2", func(c *optim.AdamConfig) { c.Beta2 = -0.1 }},
		{"zero eps", func(c *optim.AdamConfig) { c.Eps = 0 }},
		{"negative decay", func(c *optim.AdamConfig) { c.WeightDecay = -1 }},
		{"negative clip", func(c *optim.AdamConfig) { c.ClipNorm = -1 }},
	} {
		cfg := good
		c.edit(&cfg)
		_, err := optim.NewAdam(params, cfg)
		assert.Error(t, err, c.name)
	}
	_, err = optim.NewSGD(params, optim.SGDConfig{})
	assert.Error(t, err)
	_, err = optim.NewAdam(nil, good)
	assert.Error(t, err)

	adam, err := optim.NewAdam(params, good)
	require.NoError(t, err)
	assert.Error(t, adam.SetLR(-1))
	require.NoError(t, adam.SetLR(0.1))

	_, err = adam.Step(autodiff.NewParams().NewGrads())
	assert.ErrorContains(t, err, "other params")

	g := params.NewGrads()
	g.Dense(x)[0] = float32(math.Inf(1))
	_, err = adam.Step(g)
	assert.ErrorContains(t, err, "not finite")
	assert.Equal(t, []float32{1, 2}, x.Data, "a non-finite gradient changes nothing")
	assert.Zero(t, adam.Steps())

	stale := params.NewGrads()
	_, err = params.Add("y", 1, 1, []float32{0}, false)
	require.NoError(t, err)
	_, err = adam.Step(params.NewGrads())
	assert.ErrorContains(t, err, "added after")
	sgd, err := optim.NewSGD(params, optim.SGDConfig{LR: 1})
	require.NoError(t, err)
	_, err = sgd.Step(stale)
	assert.ErrorContains(t, err, "before param y was added")
}
