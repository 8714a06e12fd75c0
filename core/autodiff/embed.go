package autodiff

import (
	"strconv"

	"github.com/seminar-ranker/seminar/core/kernels"
)

// Gather returns the rows ids of the table p (len(ids)×p.Cols, repeats allowed). On a sparse
// table only those rows receive gradient. Dense params may be gathered too.
func (t *Tape) Gather(p *Param, ids []int32) Var { return t.gather("Gather", opGather, p, ids) }

// GatherSum returns the 1×p.Cols sum of the rows ids of p (zero for no ids): the sum of an
// item's attribute-value embeddings.
func (t *Tape) GatherSum(p *Param, ids []int32) Var {
	return t.gather("GatherSum", opGatherSum, p, ids)
}

// GatherMean returns the 1×p.Cols mean of the rows ids of p (at least one id): the bag of an
// item's text tokens.
func (t *Tape) GatherMean(p *Param, ids []int32) Var {
	return t.gather("GatherMean", opGatherMean, p, ids)
}

func (t *Tape) gather(name string, op opKind, p *Param, ids []int32) Var {
	if t.err != nil {
		return Var{}
	}
	if p == nil {
		return t.fail(name, "nil param")
	}
	if len(ids) == 0 && op != opGatherSum {
		return t.fail(name, "no rows of "+p.Name)
	}
	for _, id := range ids {
		if id < 0 || int(id) >= p.Rows {
			return t.fail(name, "row "+strconv.Itoa(int(id))+" of "+p.Name+" ("+strconv.Itoa(p.Rows)+" rows)")
		}
	}
	if t.grads != nil && !t.grads.owns(p) {
		return t.fail(name, "param "+p.Name+" has no buffer in the tape's gradients")
	}
	rows, cols := len(ids), p.Cols
	if op != opGather {
		rows = 1
	}
	n := t.pushNode(op, rows, cols, t.grads != nil)
	n.param = p
	n.off, n.n = t.span(ids)
	for i, id := range ids {
		row := p.Data[int(id)*cols : int(id+1)*cols]
		if op == opGather {
			copy(n.val[i*cols:], row)
		} else {
			kernels.Axpy(1, row, n.val)
		}
	}
	if op == opGatherMean {
		kernels.Scale(1/float32(len(ids)), n.val)
	}
	return t.last()
}

func (t *Tape) backGather(n *node) {
	p, cols := n.param, n.cols
	ids := t.ints[n.off : n.off+n.n]
	c := float32(1)
	if n.op == opGatherMean {
		c = 1 / float32(len(ids))
	}
	var dense []float32
	var sparse *sparseGrad
	if p.Sparse {
		sparse = t.grads.sparse[p.index]
	} else {
		dense = t.grads.dense[p.index]
	}
	for i, id := range ids {
		g := n.grad
		if n.op == opGather {
			g = n.grad[i*cols : (i+1)*cols]
		}
		var dst []float32
		if sparse != nil {
			dst = sparse.row(id)
		} else {
			dst = dense[int(id)*cols : int(id+1)*cols]
		}
		kernels.Axpy(c, g, dst)
	}
}
