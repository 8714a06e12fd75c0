package autodiff

import (
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// Softmax returns the softmax of each row of x, computed after subtracting the row maximum.
func (t *Tape) Softmax(x Var) Var { return t.softmax("Softmax", opSoftmax, x, nil) }

// LogSoftmax returns the log-softmax of each row of x, computed without overflow.
func (t *Tape) LogSoftmax(x Var) Var { return t.softmax("LogSoftmax", opLogSoftmax, x, nil) }

// MaskedSoftmax returns the softmax of each row of x over the columns j with keep[j] (len(keep)
// = cols), and 0 in the other columns: gates renormalised over the modalities an item has, or
// attention over the kept events. At least one column must be kept.
func (t *Tape) MaskedSoftmax(x Var, keep []bool) Var {
	nx, ok := t.in("MaskedSoftmax", x)
	if !ok {
		return Var{}
	}
	if len(keep) != nx.cols {
		return t.fail("MaskedSoftmax", "mask of "+strconv.Itoa(len(keep))+" columns for shape "+shapeString(nx.rows, nx.cols))
	}
	for _, k := range keep {
		if k {
			return t.softmax("MaskedSoftmax", opMaskedSoftmax, x, keep)
		}
	}
	return t.fail("MaskedSoftmax", "every column is masked")
}

// softmax computes the (log-)softmax of each row of x over the columns j with keep[j] (every
// column when keep is nil).
func (t *Tape) softmax(name string, op opKind, x Var, keep []bool) Var {
	nx, ok := t.in(name, x)
	if !ok {
		return Var{}
	}
	xv, cols := nx.val, nx.cols
	out := t.push(op, nx.rows, nx.cols, x, Var{}, Var{}).val
	for r := 0; r < len(out); r += cols {
		xr, o := xv[r:r+cols], out[r:r+cols]
		if keep == nil {
			softmaxRow(o, xr, op == opLogSoftmax)
			continue
		}
		ninf := float32(math.Inf(-1))
		m := ninf
		for j, v := range xr {
			o[j] = ninf // e^−∞ = 0 in the masked columns
			if keep[j] {
				o[j] = v
				m = max(m, v)
			}
		}
		kernels.Scale(1/kernels.ExpShifted(o, m), o)
	}
	return t.last()
}

// softmaxRow writes the softmax of x to dst, or its logarithm when log is set. The
// exponentials are kernels.ExpShifted's float32 ones (SIMD where the build has it): float64
// math.Exp per element was a fifth of training's time.
func softmaxRow(dst, x []float32, log bool) {
	m := rowMax(x)
	copy(dst, x)
	s := kernels.ExpShifted(dst, m)
	if log {
		lse := float64(m) + math.Log(float64(s))
		for j, v := range x {
			dst[j] = float32(float64(v) - lse)
		}
		return
	}
	kernels.Scale(1/s, dst)
}

// rowMax returns the largest element of a non-empty row.
func rowMax(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}

// backSoftmax uses ∂x_j = p_j (g_j − Σ_i p_i g_i) for softmax (masked columns have p_j = 0) and
// ∂x_j = g_j − p_j Σ_i g_i for log-softmax.
func (t *Tape) backSoftmax(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	cols := n.cols
	for r := 0; r < len(n.val); r += cols {
		y, g, gr := n.val[r:r+cols], n.grad[r:r+cols], gx[r:r+cols]
		if n.op == opLogSoftmax {
			var s float64
			for _, v := range g {
				s += float64(v)
			}
			for j, v := range g {
				gr[j] += v - float32(math.Exp(float64(y[j]))*s)
			}
			continue
		}
		s := kernels.Dot(y, g)
		for j, p := range y {
			gr[j] += p * (g[j] - s)
		}
	}
}

// l2Epsilon keeps L2Normalize smooth at the zero vector.
const l2Epsilon = 1e-12

// L2Normalize returns each row of x divided by its L2 norm √(Σx² + 10⁻¹²): cosine similarity
// for InfoNCE.
func (t *Tape) L2Normalize(x Var) Var {
	nx, ok := t.in("L2Normalize", x)
	if !ok {
		return Var{}
	}
	xv, rows, cols := nx.val, nx.rows, nx.cols
	n := t.push(opL2Normalize, rows, cols, x, Var{}, Var{})
	n.aux = t.mem.alloc(rows)
	for r := 0; r < rows; r++ {
		xr := xv[r*cols : (r+1)*cols]
		var s float64
		for _, v := range xr {
			s += float64(v) * float64(v)
		}
		norm := math.Sqrt(s + l2Epsilon)
		n.aux[r] = float32(norm)
		o := n.val[r*cols : (r+1)*cols]
		for j, v := range xr {
			o[j] = float32(float64(v) / norm)
		}
	}
	return t.last()
}

// backL2Normalize uses ∂x = (g − y (y·g)) / ‖x‖.
func (t *Tape) backL2Normalize(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	cols := n.cols
	for r, norm := range n.aux {
		y, g, gr := n.val[r*cols:(r+1)*cols], n.grad[r*cols:(r+1)*cols], gx[r*cols:(r+1)*cols]
		yg := kernels.Dot(y, g)
		inv := 1 / norm
		for j := range gr {
			gr[j] += (g[j] - y[j]*yg) * inv
		}
	}
}
