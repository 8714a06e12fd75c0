package autodiff

import (
	"strconv"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// Sum returns the sum of all of x's elements (1×1).
func (t *Tape) Sum(x Var) Var { return t.reduce("Sum", opSum, x) }

// Mean returns the mean of all of x's elements (1×1).
func (t *Tape) Mean(x Var) Var { return t.reduce("Mean", opMean, x) }

func (t *Tape) reduce(name string, op opKind, x Var) Var {
	nx, ok := t.in(name, x)
	if !ok {
		return Var{}
	}
	xv := nx.val
	n := t.push(op, 1, 1, x, Var{}, Var{})
	var s float64
	for _, v := range xv {
		s += float64(v)
	}
	if op == opMean {
		s /= float64(len(xv))
	}
	n.val[0] = float32(s)
	return t.last()
}

func (t *Tape) backReduce(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	g := n.grad[0]
	if n.op == opMean {
		g /= float32(len(gx))
	}
	for i := range gx {
		gx[i] += g
	}
}

// SumRows returns the 1×cols sum of x's rows.
func (t *Tape) SumRows(x Var) Var { return t.reduceRows("SumRows", opSumRows, x) }

// MeanRows returns the 1×cols mean of x's rows.
func (t *Tape) MeanRows(x Var) Var { return t.reduceRows("MeanRows", opMeanRows, x) }

func (t *Tape) reduceRows(name string, op opKind, x Var) Var {
	nx, ok := t.in(name, x)
	if !ok {
		return Var{}
	}
	xv, rows, cols := nx.val, nx.rows, nx.cols
	out := t.push(op, 1, cols, x, Var{}, Var{}).val
	for r := 0; r < rows; r++ {
		kernels.Axpy(1, xv[r*cols:(r+1)*cols], out)
	}
	if op == opMeanRows {
		kernels.Scale(1/float32(rows), out)
	}
	return t.last()
}

func (t *Tape) backReduceRows(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	c := float32(1)
	if n.op == opMeanRows {
		c = 1 / float32(t.nodes[n.a].rows)
	}
	for r := 0; r < len(gx); r += n.cols {
		kernels.Axpy(c, n.grad, gx[r:r+n.cols])
	}
}

// Dot returns Σ a[i]·b[i] (1×1) over two values of the same shape.
func (t *Tape) Dot(a, b Var) Var {
	na, ok := t.in("Dot", a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("Dot", b)
	if !ok {
		return Var{}
	}
	if na.rows != nb.rows || na.cols != nb.cols {
		return t.failShapes("Dot", na, nb)
	}
	av, bv := na.val, nb.val
	t.push(opDot, 1, 1, a, b, Var{}).val[0] = kernels.Dot(av, bv)
	return t.last()
}

func (t *Tape) backDot(n *node) {
	g := n.grad[0]
	if ga := t.gradOf(n.a); ga != nil {
		kernels.Axpy(g, t.nodes[n.b].val, ga)
	}
	if gb := t.gradOf(n.b); gb != nil {
		kernels.Axpy(g, t.nodes[n.a].val, gb)
	}
}

// MatMulT returns a·bᵀ (n×m) for a n×k and b m×k: a linear layer X·Wᵀ over a batch, or the
// attention scores Q·Kᵀ.
func (t *Tape) MatMulT(a, b Var) Var {
	na, ok := t.in("MatMulT", a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("MatMulT", b)
	if !ok {
		return Var{}
	}
	if na.cols != nb.cols {
		return t.failShapes("MatMulT", na, nb)
	}
	av, bv, k, m := na.val, nb.val, na.cols, nb.rows
	out := t.push(opMatMulT, na.rows, m, a, b, Var{}).val
	kernels.MatMulT(out, av, bv, na.rows, m, k)
	return t.last()
}

// backMatMulT uses ∂A = G·B and ∂B = Gᵀ·A, each one whole-matrix kernel product (a
// product per element of G was a tenth of training's time).
func (t *Tape) backMatMulT(n *node) {
	na, nb := &t.nodes[n.a], &t.nodes[n.b]
	rows, k, m := n.rows, na.cols, n.cols
	if na.grad != nil {
		prod := t.scratch(rows * k)
		kernels.MatMul(prod, n.grad, nb.val, rows, k, m)
		addTo(na.grad, prod)
	}
	if nb.grad != nil {
		gt, prod := t.scratch2(m*rows, m*k)
		transpose(gt, n.grad, rows, m)
		kernels.MatMul(prod, gt, na.val, m, k, rows)
		addTo(nb.grad, prod)
	}
}

// MatMul returns a·b (n×m) for a n×k and b k×m: the attention readout P·V.
func (t *Tape) MatMul(a, b Var) Var {
	na, ok := t.in("MatMul", a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("MatMul", b)
	if !ok {
		return Var{}
	}
	if na.cols != nb.rows {
		return t.failShapes("MatMul", na, nb)
	}
	av, bv, k, m := na.val, nb.val, na.cols, nb.cols
	out := t.push(opMatMul, na.rows, m, a, b, Var{}).val
	kernels.MatMul(out, av, bv, na.rows, m, k)
	return t.last()
}

// backMatMul uses ∂A = G·Bᵀ and ∂B = Aᵀ·G, each one whole-matrix kernel product.
func (t *Tape) backMatMul(n *node) {
	na, nb := &t.nodes[n.a], &t.nodes[n.b]
	rows, k, m := n.rows, na.cols, n.cols
	if na.grad != nil {
		prod := t.scratch(rows * k)
		kernels.MatMulT(prod, n.grad, nb.val, rows, k, m)
		addTo(na.grad, prod)
	}
	if nb.grad != nil {
		at, prod := t.scratch2(k*rows, k*m)
		transpose(at, na.val, rows, k)
		kernels.MatMul(prod, at, n.grad, k, m, rows)
		addTo(nb.grad, prod)
	}
}

// transpose writes the cols×rows transpose of the row-major rows×cols matrix src to dst.
func transpose(dst, src []float32, rows, cols int) {
	dst, src = dst[:rows*cols], src[:rows*cols]
	for i := range rows {
		for j, v := range src[i*cols : (i+1)*cols] {
			dst[j*rows+i] = v
		}
	}
}

// MatVec returns W·x as a 1×m row for W m×k and a 1×k row x: one linear map of one vector.
func (t *Tape) MatVec(w, x Var) Var {
	nw, ok := t.in("MatVec", w)
	if !ok {
		return Var{}
	}
	nx, ok := t.in("MatVec", x)
	if !ok {
		return Var{}
	}
	if nx.rows != 1 {
		return t.fail("MatVec", "x has shape "+shapeString(nx.rows, nx.cols)+", want a 1×"+strconv.Itoa(nw.cols)+" row")
	}
	return t.MatMulT(x, w)
}

// WeightedSum returns Σ_j p[j]·v_j (1×d) for v L×d and a 1×L row of weights p: the readout of
// an attention head. For several weight rows (one per head) use MatMul.
func (t *Tape) WeightedSum(v, p Var) Var {
	nv, ok := t.in("WeightedSum", v)
	if !ok {
		return Var{}
	}
	np, ok := t.in("WeightedSum", p)
	if !ok {
		return Var{}
	}
	if np.rows != 1 || np.cols != nv.rows {
		return t.failShapes("WeightedSum", nv, np)
	}
	return t.MatMul(p, v)
}
