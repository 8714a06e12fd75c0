package optim

import (
	"errors"
	"math"

	"github.com/seminar-ranker/seminar/core/autodiff"
)

// Optimizer applies one update from accumulated gradients.
type Optimizer interface {
	// Step updates the params from g and returns the global gradient norm before clipping.
	Step(g *autodiff.Grads) (gradNorm float64, err error)
}

// clipScale checks that g belongs to params and returns its global norm and the factor that
// clips it to clipNorm (1 when clipNorm is 0 or not exceeded).
func clipScale(params *autodiff.Params, g *autodiff.Grads, clipNorm float64) (norm float64, scale float32, err error) {
	if g == nil || g.Params() != params {
		return 0, 0, errors.New("optim: gradients of other params")
	}
	for _, p := range params.List() {
		if !p.Sparse && len(g.Dense(p)) != len(p.Data) {
			return 0, 0, errors.New("optim: gradients made before param " + p.Name + " was added")
		}
	}
	norm = g.Norm()
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, 0, errors.New("optim: gradient norm is not finite; params left unchanged")
	}
	scale = 1
	if clipNorm > 0 && norm > clipNorm {
		scale = float32(clipNorm / norm)
	}
	return norm, scale, nil
}

func checkCommon(lr, weightDecay float32, clipNorm float64) error {
	switch {
	case !(lr > 0) || math.IsInf(float64(lr), 0):
		return errors.New("optim: learning rate must be positive and finite")
	case !(weightDecay >= 0):
		return errors.New("optim: weight decay must be ≥ 0")
	case !(clipNorm >= 0):
		return errors.New("optim: clip norm must be ≥ 0")
	}
	return nil
}
