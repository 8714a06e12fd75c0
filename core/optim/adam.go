package optim

import (
	"errors"
	"math"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/kernels"
)

// AdamConfig holds Adam's hyper-parameters.
type AdamConfig struct {
	LR           float32
	Beta1, Beta2 float32
	Eps          float32
	// WeightDecay is decoupled (AdamW): an update of p also subtracts LR·WeightDecay·p. Sparse
	// rows decay only when touched.
	WeightDecay float32
	// ClipNorm scales the gradients down so that their global L2 norm is at most ClipNorm
	// (0: no clipping).
	ClipNorm float64
}

// DefaultAdam returns LR 10⁻³, β₁ 0.9, β₂ 0.999, ε 10⁻⁸, no weight decay and no clipping.
func DefaultAdam() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adam is the Adam optimiser over one autodiff.Params, with per-row steps for sparse params
// (see the package documentation).
type Adam struct {
	cfg    AdamConfig
	params *autodiff.Params
	state  []adamState // by param index
	steps  int32       // Step calls so far: the step count of dense params
}

type adamState struct {
	m, v     []float32
	rowSteps []int32 // sparse params: updates of each row so far
}

// NewAdam returns Adam for the params in params at this time, with zero moments.
func NewAdam(params *autodiff.Params, cfg AdamConfig) (*Adam, error) {
	if params == nil {
		return nil, errors.New("optim: Adam over nil params")
	}
	if err := checkCommon(cfg.LR, cfg.WeightDecay, cfg.ClipNorm); err != nil {
		return nil, err
	}
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1) || !(cfg.Beta2 >= 0 && cfg.Beta2 < 1) {
		return nil, errors.New("optim: Adam betas must be in [0, 1)")
	}
	if !(cfg.Eps > 0) {
		return nil, errors.New("optim: Adam epsilon must be positive")
	}
	a := &Adam{cfg: cfg, params: params, state: make([]adamState, params.Len())}
	for i, p := range params.List() {
		a.state[i] = adamState{m: make([]float32, len(p.Data)), v: make([]float32, len(p.Data))}
		if p.Sparse {
			a.state[i].rowSteps = make([]int32, p.Rows)
		}
	}
	return a, nil
}

// SetLR changes the learning rate (for a schedule); lr must be positive.
func (a *Adam) SetLR(lr float32) error {
	if err := checkCommon(lr, 0, 0); err != nil {
		return err
	}
	a.cfg.LR = lr
	return nil
}

// Steps is the number of updates applied.
func (a *Adam) Steps() int { return int(a.steps) }

// Step applies one Adam update from g: every dense param, and the touched rows of sparse ones.
// A non-finite gradient norm is an error and changes nothing.
func (a *Adam) Step(g *autodiff.Grads) (float64, error) {
	if a.params.Len() != len(a.state) {
		return 0, errors.New("optim: params were added after the optimiser was made")
	}
	norm, scale, err := clipScale(a.params, g, a.cfg.ClipNorm)
	if err != nil {
		return norm, err
	}
	a.steps++
	for i, p := range a.params.List() {
		st := &a.state[i]
		if !p.Sparse {
			a.update(p.Data, g.Dense(p), st.m, st.v, scale, a.steps)
			continue
		}
		ids, data := g.Rows(p)
		c := p.Cols
		for k, id := range ids {
			st.rowSteps[id]++
			lo, hi := int(id)*c, int(id+1)*c
			a.update(p.Data[lo:hi], data[k*c:(k+1)*c], st.m[lo:hi], st.v[lo:hi], scale, st.rowSteps[id])
		}
	}
	return norm, nil
}

// update is one Adam step of x from gradient scale·g at step count step (≥ 1):
// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², x ← x − LR·(m̂/(√v̂ + ε) + λx) with m̂ = m/(1−β₁ᵗ),
// v̂ = v/(1−β₂ᵗ). The loop is kernels.Adam (AVX2 where the build has it, bit-identical to the
// portable loop): it was a tenth of training's time.
func (a *Adam) update(x, g, m, v []float32, scale float32, step int32) {
	b1, b2 := a.cfg.Beta1, a.cfg.Beta2
	kernels.Adam(x, g, m, v, kernels.AdamStep{
		Beta1: b1, Beta2: b2, Eps: a.cfg.Eps, LR: a.cfg.LR, WeightDecay: a.cfg.WeightDecay, Scale: scale,
		Inv1: float32(1 / (1 - math.Pow(float64(b1), float64(step)))),
		Inv2: float32(1 / (1 - math.Pow(float64(b2), float64(step)))),
	})
}
