package autodiff

import (
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// BCEWithLogits returns the mean over z's elements of the binary cross-entropy of σ(z) against
// labels (len = size of z, values in [0, 1]), computed as softplus(z) − y·z without overflow.
func (t *Tape) BCEWithLogits(z Var, labels []float32) Var {
	nz, ok := t.in("BCEWithLogits", z)
	if !ok {
		return Var{}
	}
	if len(labels) != len(nz.val) {
		return t.fail("BCEWithLogits", strconv.Itoa(len(labels))+" labels for shape "+shapeString(nz.rows, nz.cols))
	}
	for _, y := range labels {
		if !(y >= 0 && y <= 1) {
			return t.fail("BCEWithLogits", "label "+strconv.FormatFloat(float64(y), 'g', -1, 32)+" is outside [0, 1]")
		}
	}
	zv := nz.val
	n := t.push(opBCEWithLogits, 1, 1, z, Var{}, Var{})
	n.aux = t.mem.alloc(len(labels))
	copy(n.aux, labels)
	var s float64
	for i, v := range zv {
		s += float64(softplus(v)) - float64(labels[i])*float64(v)
	}
	n.val[0] = float32(s / float64(len(zv)))
	return t.last()
}

// backBCEWithLogits uses ∂z_i = (σ(z_i) − y_i) / N.
func (t *Tape) backBCEWithLogits(n *node) {
	gz := t.gradOf(n.a)
	if gz == nil {
		return
	}
	zv := t.nodes[n.a].val
	g := n.grad[0] / float32(len(zv))
	for i, v := range zv {
		gz[i] += g * (sigmoid(v) - n.aux[i])
	}
}

// CrossEntropy returns the mean over the rows r of scores of −log softmax(scores_r/τ)[targets[r]]
// (len(targets) = rows, τ = temperature > 0): sampled-softmax next-pair prediction with the
// positive's index as target, or one direction of InfoNCE.
func (t *Tape) CrossEntropy(scores Var, targets []int32, temperature float32) Var {
	ns, ok := t.in("CrossEntropy", scores)
	if !ok {
		return Var{}
	}
	if len(targets) != ns.rows {
		return t.fail("CrossEntropy", strconv.Itoa(len(targets))+" targets for shape "+shapeString(ns.rows, ns.cols))
	}
	for _, c := range targets {
		if c < 0 || int(c) >= ns.cols {
			return t.fail("CrossEntropy", "target "+strconv.Itoa(int(c))+" of shape "+shapeString(ns.rows, ns.cols))
		}
	}
	off, cnt := t.span(targets)
	return t.crossEntropy("CrossEntropy", scores, off, cnt, temperature)
}

// InfoNCE returns the symmetric contrastive loss between the rows of a and b (both n×d): row i
// of a and row i of b are a positive pair and the other rows of the batch are negatives. It is
// the mean of CrossEntropy(a·bᵀ, diag, τ) and CrossEntropy(b·aᵀ, diag, τ). L2Normalize the rows
// first for a cosine similarity.
func (t *Tape) InfoNCE(a, b Var, temperature float32) Var {
	na, ok := t.in("InfoNCE", a)
	if !ok {
		return Var{}
	}
	nb, ok := t.in("InfoNCE", b)
	if !ok {
		return Var{}
	}
	if na.rows != nb.rows || na.cols != nb.cols {
		return t.failShapes("InfoNCE", na, nb)
	}
	rows := na.rows
	off := int32(len(t.ints))
	for i := range rows {
		t.ints = append(t.ints, int32(i))
	}
	ab := t.crossEntropy("InfoNCE", t.MatMulT(a, b), off, int32(rows), temperature)
	ba := t.crossEntropy("InfoNCE", t.MatMulT(b, a), off, int32(rows), temperature)
	return t.Scale(t.Add(ab, ba), 0.5)
}

// crossEntropy is CrossEntropy with the targets already at t.ints[off:off+cnt].
func (t *Tape) crossEntropy(name string, scores Var, off, cnt int32, temperature float32) Var {
	ns, ok := t.in(name, scores)
	if !ok {
		return Var{}
	}
	if !(temperature > 0) || math.IsInf(float64(temperature), 1) {
		return t.fail(name, "temperature "+strconv.FormatFloat(float64(temperature), 'g', -1, 32)+" is not positive and finite")
	}
	sv, rows, cols := ns.val, ns.rows, ns.cols
	n := t.push(opCrossEntropy, 1, 1, scores, Var{}, Var{})
	n.off, n.n, n.k = off, cnt, temperature
	n.aux = t.mem.alloc(rows * cols)
	inv := 1 / temperature
	var loss float64
	for r, c := range t.ints[off : off+cnt] {
		z, p := sv[r*cols:(r+1)*cols], n.aux[r*cols:(r+1)*cols]
		// z/τ is monotone in z, so the scaled maximum bounds every scaled score.
		hi := rowMax(z) * inv
		for j, v := range z {
			p[j] = v * inv
		}
		s := kernels.ExpShifted(p, hi)
		loss += float64(hi) + math.Log(float64(s)) - float64(z[c]*inv) // log Σ exp(z/τ) − z_c/τ
		kernels.Scale(1/s, p)
	}
	n.val[0] = float32(loss / float64(rows))
	return t.last()
}

// backCrossEntropy uses ∂s_rj = (p_rj − [j = target_r]) / (rows·τ).
func (t *Tape) backCrossEntropy(n *node) {
	gs := t.gradOf(n.a)
	if gs == nil {
		return
	}
	cols := t.nodes[n.a].cols
	targets := t.ints[n.off : n.off+n.n]
	g := n.grad[0] / (float32(len(targets)) * n.k)
	for r, c := range targets {
		gr := gs[r*cols : (r+1)*cols]
		kernels.Axpy(g, n.aux[r*cols:(r+1)*cols], gr)
		gr[c] -= g
	}
}
