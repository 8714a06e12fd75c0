package optim

import (
	"errors"

	"github.com/seminar-ranker/seminar/core/autodiff"
)

// SGDConfig holds plain stochastic gradient descent's hyper-parameters.
type SGDConfig struct {
	LR float32
	// WeightDecay adds λ·p to the gradient of p (L2 regularisation); sparse rows decay only
	// when touched.
	WeightDecay float32
	// ClipNorm scales the gradients down to a global L2 norm of at most ClipNorm (0: none).
	ClipNorm float64
}

// SGD is plain gradient descent x ← x − LR·(g + λx) over one autodiff.Params.
type SGD struct {
	cfg    SGDConfig
	params *autodiff.Params
}

// NewSGD returns SGD over params.
func NewSGD(params *autodiff.Params, cfg SGDConfig) (*SGD, error) {
	if params == nil {
		return nil, errors.New("optim: SGD over nil params")
	}
	if err := checkCommon(cfg.LR, cfg.WeightDecay, cfg.ClipNorm); err != nil {
		return nil, err
	}
	return &SGD{cfg: cfg, params: params}, nil
}

// Step applies one update from g: every dense param, and the touched rows of sparse ones. A
// non-finite gradient norm is an error and changes nothing.
func (s *SGD) Step(g *autodiff.Grads) (float64, error) {
	norm, scale, err := clipScale(s.params, g, s.cfg.ClipNorm)
	if err != nil {
		return norm, err
	}
	for _, p := range s.params.List() {
		if !p.Sparse {
			s.update(p.Data, g.Dense(p), scale)
			continue
		}
		ids, data := g.Rows(p)
		c := p.Cols
		for k, id := range ids {
			s.update(p.Data[int(id)*c:int(id+1)*c], data[k*c:(k+1)*c], scale)
		}
	}
	return norm, nil
}

func (s *SGD) update(x, g []float32, scale float32) {
	lr, wd := s.cfg.LR, s.cfg.WeightDecay
	g = g[:len(x)]
	for i, xi := range x {
		x[i] = xi - lr*(g[i]*scale+wd*xi)
	}
}
