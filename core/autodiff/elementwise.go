package autodiff

import (
	"math"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// Add returns a + b (same shapes).
func (t *Tape) Add(a, b Var) Var { return t.binary("Add", opAdd, a, b) }

// Sub returns a − b (same shapes).
func (t *Tape) Sub(a, b Var) Var { return t.binary("Sub", opSub, a, b) }

// Mul returns the element-wise product a ⊙ b (same shapes).
func (t *Tape) Mul(a, b Var) Var { return t.binary("Mul", opMul, a, b) }

func (t *Tape) binary(name string, op opKind, a, b Var) Var {
	na, ok := t.in(name, a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in(name, b)
	if !ok {
		return Var{}
	}
	if na.rows != nb.rows || na.cols != nb.cols {
		return t.failShapes(name, na, nb)
	}
	av, bv := na.val, nb.val
	out := t.push(op, na.rows, na.cols, a, b, Var{}).val
	switch op {
	case opAdd:
		for i := range out {
			out[i] = av[i] + bv[i]
		}
	case opSub:
		for i := range out {
			out[i] = av[i] - bv[i]
		}
	case opMul:
		for i := range out {
			out[i] = av[i] * bv[i]
		}
	}
	return t.last()
}

func (t *Tape) backBinary(n *node) {
	ga, gb := t.gradOf(n.a), t.gradOf(n.b)
	switch n.op {
	case opAdd:
		addTo(ga, n.grad)
		addTo(gb, n.grad)
	case opSub:
		addTo(ga, n.grad)
		if gb != nil {
			for i, g := range n.grad {
				gb[i] -= g
			}
		}
	case opMul:
		av, bv := t.nodes[n.a].val, t.nodes[n.b].val
		if ga != nil {
			for i, g := range n.grad {
				ga[i] += g * bv[i]
			}
		}
		if gb != nil {
			for i, g := range n.grad {
				gb[i] += g * av[i]
			}
		}
	}
}

// addTo adds src to dst; dst nil means no gradient is wanted. kernels.Add gives the same sums
// as the plain loop, in SIMD where the build has it: gradients are accumulated this way on
// every backward pass.
func addTo(dst, src []float32) {
	if dst == nil {
		return
	}
	dst = dst[:len(src)]
	kernels.Add(dst, dst, src)
}

// Scale returns c·a.
func (t *Tape) Scale(a Var, c float32) Var {
	na, ok := t.in("Scale", a)
	if !ok {
		return Var{}
	}
	av := na.val
	n := t.push(opScale, na.rows, na.cols, a, Var{}, Var{})
	n.k = c
	for i, v := range av {
		n.val[i] = c * v
	}
	return t.last()
}

// AddConst returns a + c element-wise.
func (t *Tape) AddConst(a Var, c float32) Var {
	na, ok := t.in("AddConst", a)
	if !ok {
		return Var{}
	}
	av := na.val
	n := t.push(opAddConst, na.rows, na.cols, a, Var{}, Var{})
	for i, v := range av {
		n.val[i] = v + c
	}
	return t.last()
}

func (t *Tape) backScale(n *node) {
	ga := t.gradOf(n.a)
	if ga == nil {
		return
	}
	if n.op == opAddConst {
		addTo(ga, n.grad)
		return
	}
	for i, g := range n.grad {
		ga[i] += n.k * g
	}
}

// MulScalar returns s·a for a 1×1 s.
func (t *Tape) MulScalar(a, s Var) Var {
	na, ok := t.in("MulScalar", a)
	if !ok {
		return Var{}
	}
	ns, ok := t.in("MulScalar", s)
	if !ok {
		return Var{}
	}
	if ns.rows != 1 || ns.cols != 1 {
		return t.fail("MulScalar", "scalar has shape "+shapeString(ns.rows, ns.cols))
	}
	av, sv := na.val, ns.val[0]
	out := t.push(opMulScalar, na.rows, na.cols, a, s, Var{}).val
	for i, v := range av {
		out[i] = sv * v
	}
	return t.last()
}

func (t *Tape) backMulScalar(n *node) {
	av, sv := t.nodes[n.a].val, t.nodes[n.b].val[0]
	if ga := t.gradOf(n.a); ga != nil {
		for i, g := range n.grad {
			ga[i] += sv * g
		}
	}
	if gs := t.gradOf(n.b); gs != nil {
		var s float64
		for i, g := range n.grad {
			s += float64(g) * float64(av[i])
		}
		gs[0] += float32(s)
	}
}

// Lerp returns α·a + (1−α)·b for a 1×1 α and a, b of the same shape: the query–item pair
// s = α q + (1−α) v.
func (t *Tape) Lerp(alpha, a, b Var) Var {
	nAlpha, ok := t.in("Lerp", alpha)
	if !ok {
		return Var{}
	}
	na, ok := t.in("Lerp", a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("Lerp", b)
	if !ok {
		return Var{}
	}
	if nAlpha.rows != 1 || nAlpha.cols != 1 {
		return t.fail("Lerp", "alpha has shape "+shapeString(nAlpha.rows, nAlpha.cols))
	}
	if na.rows != nb.rows || na.cols != nb.cols {
		return t.failShapes("Lerp", na, nb)
	}
	w, av, bv := nAlpha.val[0], na.val, nb.val
	out := t.push(opLerp, na.rows, na.cols, a, b, alpha).val
	for i := range out {
		out[i] = w*av[i] + (1-w)*bv[i]
	}
	return t.last()
}

func (t *Tape) backLerp(n *node) {
	w, av, bv := t.nodes[n.c].val[0], t.nodes[n.a].val, t.nodes[n.b].val
	if ga := t.gradOf(n.a); ga != nil {
		for i, g := range n.grad {
			ga[i] += w * g
		}
	}
	if gb := t.gradOf(n.b); gb != nil {
		for i, g := range n.grad {
			gb[i] += (1 - w) * g
		}
	}
	if gAlpha := t.gradOf(n.c); gAlpha != nil {
		var s float64
		for i, g := range n.grad {
			s += float64(g) * float64(av[i]-bv[i])
		}
		gAlpha[0] += float32(s)
	}
}

// AddBias returns x with the 1×cols row b added to each of its rows.
func (t *Tape) AddBias(x, b Var) Var {
	nx, ok := t.in("AddBias", x)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("AddBias", b)
	if !ok {
		return Var{}
	}
	if nb.rows != 1 || nb.cols != nx.cols {
		return t.failShapes("AddBias", nx, nb)
	}
	xv, bv, cols := nx.val, nb.val, nx.cols
	out := t.push(opAddBias, nx.rows, nx.cols, x, b, Var{}).val
	for r := 0; r < len(out); r += cols {
		o, xr := out[r:r+cols], xv[r:r+cols]
		for j, v := range bv {
			o[j] = xr[j] + v
		}
	}
	return t.last()
}

func (t *Tape) backAddBias(n *node) {
	addTo(t.gradOf(n.a), n.grad)
	if gb := t.gradOf(n.b); gb != nil {
		for r := 0; r < len(n.grad); r += n.cols {
			addTo(gb, n.grad[r:r+n.cols])
		}
	}
}

// ReLU returns max(x, 0) element-wise.
func (t *Tape) ReLU(x Var) Var { return t.unary("ReLU", opReLU, x) }

// Sigmoid returns 1/(1+e^−x) element-wise.
func (t *Tape) Sigmoid(x Var) Var { return t.unary("Sigmoid", opSigmoid, x) }

// Tanh returns tanh(x) element-wise.
func (t *Tape) Tanh(x Var) Var { return t.unary("Tanh", opTanh, x) }

// Softplus returns log(1+e^x) element-wise, computed without overflow.
func (t *Tape) Softplus(x Var) Var { return t.unary("Softplus", opSoftplus, x) }

// LogSigmoid returns log σ(x) = −softplus(−x) element-wise, computed without overflow.
func (t *Tape) LogSigmoid(x Var) Var { return t.unary("LogSigmoid", opLogSigmoid, x) }

func (t *Tape) unary(name string, op opKind, x Var) Var {
	nx, ok := t.in(name, x)
	if !ok {
		return Var{}
	}
	xv := nx.val
	out := t.push(op, nx.rows, nx.cols, x, Var{}, Var{}).val
	switch op {
	case opReLU:
		for i, v := range xv {
			out[i] = max(v, 0)
		}
	case opSigmoid:
		for i, v := range xv {
			out[i] = sigmoid(v)
		}
	case opTanh:
		for i, v := range xv {
			out[i] = float32(math.Tanh(float64(v)))
		}
	case opSoftplus:
		for i, v := range xv {
			out[i] = softplus(v)
		}
	case opLogSigmoid:
		for i, v := range xv {
			out[i] = -softplus(-v)
		}
	}
	return t.last()
}

func (t *Tape) backUnary(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	xv, y := t.nodes[n.a].val, n.val
	switch n.op {
	case opReLU:
		for i, g := range n.grad {
			if y[i] > 0 {
				gx[i] += g
			}
		}
	case opSigmoid:
		for i, g := range n.grad {
			gx[i] += g * y[i] * (1 - y[i])
		}
	case opTanh:
		for i, g := range n.grad {
			gx[i] += g * (1 - y[i]*y[i])
		}
	case opSoftplus:
		for i, g := range n.grad {
			gx[i] += g * sigmoid(xv[i])
		}
	case opLogSigmoid:
		for i, g := range n.grad {
			gx[i] += g * sigmoid(-xv[i])
		}
	}
}

// sigmoid is 1/(1+e^−x), evaluated on the side where the exponential cannot overflow.
func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// softplus is log(1+e^x) = max(x, 0) + log1p(e^−|x|).
func softplus(x float32) float32 {
	v := float64(x)
	return float32(math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))))
}
