package autodiff

import "strconv"

// Concat joins values with the same number of rows side by side: [o, t, o⊙t], or the heads
// of an attention layer.
func (t *Tape) Concat(vs ...Var) Var { return t.concat("Concat", opConcat, vs) }

// ConcatRows stacks values with the same number of columns: the modality embeddings of an item
// as the rows of one matrix.
func (t *Tape) ConcatRows(vs ...Var) Var { return t.concat("ConcatRows", opConcatRows, vs) }

func (t *Tape) concat(name string, op opKind, vs []Var) Var {
	if t.err != nil {
		return Var{}
	}
	if len(vs) == 0 {
		return t.fail(name, "nothing to join")
	}
	first, ok := t.in(name, vs[0])
	if !ok {
		return Var{}
	}
	rows, cols, need := first.rows, first.cols, false
	for i, v := range vs {
		n, ok := t.in(name, v)
		if !ok {
			return Var{}
		}
		need = need || n.need
		if i == 0 {
			continue
		}
		switch {
		case op == opConcat && n.rows == first.rows:
			cols += n.cols
		case op == opConcatRows && n.cols == first.cols:
			rows += n.rows
		default:
			return t.failShapes(name, first, n)
		}
	}
	off := int32(len(t.ints))
	for _, v := range vs {
		t.ints = append(t.ints, v.id-1)
	}
	n := t.pushNode(op, rows, cols, need)
	n.off, n.n = off, int32(len(vs))
	out := n.val
	pos := 0
	for _, id := range t.ints[off:] {
		in := &t.nodes[id]
		if op == opConcatRows {
			pos += copy(out[pos:], in.val)
			continue
		}
		for r := 0; r < rows; r++ {
			copy(out[r*cols+pos:], in.val[r*in.cols:(r+1)*in.cols])
		}
		pos += in.cols
	}
	return t.last()
}

func (t *Tape) backConcat(n *node) {
	pos := 0
	for _, id := range t.ints[n.off : n.off+n.n] {
		in := &t.nodes[id]
		if n.op == opConcatRows {
			addTo(in.grad, n.grad[pos:pos+len(in.val)])
			pos += len(in.val)
			continue
		}
		if in.grad != nil {
			for r := 0; r < n.rows; r++ {
				addTo(in.grad[r*in.cols:(r+1)*in.cols], n.grad[r*n.cols+pos:r*n.cols+pos+in.cols])
			}
		}
		pos += in.cols
	}
}

// SliceCols returns columns [from, to) of x: one head's part of a projection.
func (t *Tape) SliceCols(x Var, from, to int) Var {
	nx, ok := t.in("SliceCols", x)
	if !ok {
		return Var{}
	}
	if from < 0 || to > nx.cols || from >= to {
		return t.fail("SliceCols", "columns ["+strconv.Itoa(from)+", "+strconv.Itoa(to)+") of shape "+shapeString(nx.rows, nx.cols))
	}
	xv, rows, cols, w := nx.val, nx.rows, nx.cols, to-from
	n := t.push(opSliceCols, rows, w, x, Var{}, Var{})
	n.off = int32(from)
	for r := 0; r < rows; r++ {
		copy(n.val[r*w:(r+1)*w], xv[r*cols+from:r*cols+to])
	}
	return t.last()
}

func (t *Tape) backSliceCols(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	cols, from, w := t.nodes[n.a].cols, int(n.off), n.cols
	for r := 0; r < n.rows; r++ {
		addTo(gx[r*cols+from:r*cols+from+w], n.grad[r*w:(r+1)*w])
	}
}

// SliceRows returns rows [from, to) of x. It shares x's memory: no copy, no backward work.
func (t *Tape) SliceRows(x Var, from, to int) Var {
	nx, ok := t.in("SliceRows", x)
	if !ok {
		return Var{}
	}
	if from < 0 || to > nx.rows || from >= to {
		return t.fail("SliceRows", "rows ["+strconv.Itoa(from)+", "+strconv.Itoa(to)+") of shape "+shapeString(nx.rows, nx.cols))
	}
	return t.view(x, to-from, nx.cols, from*nx.cols)
}

// Reshape returns x's values read as rows×cols (same number of elements), sharing its memory:
// a 1×d vector as H×(d/H) heads, for instance.
func (t *Tape) Reshape(x Var, rows, cols int) Var {
	nx, ok := t.in("Reshape", x)
	if !ok {
		return Var{}
	}
	if rows <= 0 || cols <= 0 || rows*cols != len(nx.val) {
		return t.fail("Reshape", shapeString(nx.rows, nx.cols)+" to "+shapeString(rows, cols))
	}
	return t.view(x, rows, cols, 0)
}

// GatherRows returns the rows ids of x (len(ids)×cols, repeats allowed): the events the GSU
// kept, for instance. The gradient is scattered back to those rows.
func (t *Tape) GatherRows(x Var, ids []int32) Var {
	nx, ok := t.in("GatherRows", x)
	if !ok {
		return Var{}
	}
	if len(ids) == 0 {
		return t.fail("GatherRows", "no rows")
	}
	for _, id := range ids {
		if id < 0 || int(id) >= nx.rows {
			return t.fail("GatherRows", "row "+strconv.Itoa(int(id))+" of shape "+shapeString(nx.rows, nx.cols))
		}
	}
	xv, cols := nx.val, nx.cols
	n := t.push(opGatherRows, len(ids), cols, x, Var{}, Var{})
	n.off, n.n = t.span(ids)
	for i, id := range ids {
		copy(n.val[i*cols:(i+1)*cols], xv[int(id)*cols:])
	}
	return t.last()
}

func (t *Tape) backGatherRows(n *node) {
	gx := t.gradOf(n.a)
	if gx == nil {
		return
	}
	cols := n.cols
	for i, id := range t.ints[n.off : n.off+n.n] {
		addTo(gx[int(id)*cols:int(id+1)*cols], n.grad[i*cols:(i+1)*cols])
	}
}
