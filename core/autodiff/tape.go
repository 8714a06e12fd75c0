package autodiff

import (
	"errors"
	"strconv"
)

// Var is a value recorded on a Tape: a handle that is valid until the Tape's next Reset. The
// zero Var is invalid; failed operations return it.
type Var struct{ id int32 } // node index + 1

// Valid reports whether v refers to a value (it may still belong to an earlier recording).
func (v Var) Valid() bool { return v.id > 0 }

// Tape records the operations of one example or mini-batch and differentiates them.
type Tape struct {
	grads *Grads
	nodes []node
	ints  []int32 // index lists: Gather and GatherRows ids, CrossEntropy targets, Concat inputs
	mem   arena
	// tmp is the backward pass's scratch memory for intermediate products, kept across
	// Resets like mem.
	tmp  []float32
	err  error
	done bool // Backward ran since the last Reset
}

// node is one recorded value and the operation that produced it.
type node struct {
	op         opKind
	need       bool // a gradient flows into this node
	rows, cols int
	a, b, c    int32   // input node indices, -1 when unused
	off, n     int32   // span of Tape.ints; SliceCols keeps its first column in off
	k          float32 // the op's constant: scale, temperature, …
	param      *Param  // the table of the Gather ops
	val        []float32
	grad       []float32 // nil unless need
	aux        []float32 // what the backward pass keeps from the forward one
}

type opKind uint8

const (
	opLeaf opKind = iota // input or param: nothing to propagate
	opView               // shares its input's value and gradient memory
	opAdd
	opSub
	opMul
	opScale
	opAddConst
	opMulScalar
	opLerp
	opAddBias
	opReLU
	opSigmoid
	opTanh
	opSoftplus
	opLogSigmoid
	opSum
	opMean
	opSumRows
	opMeanRows
	opDot
	opMatMulT
	opMatMul
	opSoftmax
	opLogSoftmax
	opMaskedSoftmax
	opL2Normalize
	opConcat
	opConcatRows
	opSliceCols
	opGatherRows
	opGather
	opGatherSum
	opGatherMean
	opBCEWithLogits
	opCrossEntropy
)

// NewTape returns an empty tape whose params accumulate their gradients into g. With g nil the
// tape only evaluates (inference): params are read as constants and Backward fails.
func NewTape(g *Grads) *Tape { return &Tape{grads: g} }

// Reset forgets everything recorded, keeping the memory for the next recording. Vars and slices
// obtained before are invalid afterwards.
func (t *Tape) Reset() {
	t.nodes = t.nodes[:0]
	t.ints = t.ints[:0]
	t.mem.reset()
	t.err = nil
	t.done = false
}

// Err returns the first error of the recording, if any.
func (t *Tape) Err() error { return t.err }

// Len is the number of recorded values.
func (t *Tape) Len() int { return len(t.nodes) }

// Value returns v's values (row-major), nil for an invalid Var. The slice is the tape's own.
func (t *Tape) Value(v Var) []float32 {
	if !t.has(v) {
		return nil
	}
	return t.nodes[v.id-1].val
}

// Scalar returns the single value of a 1×1 Var, 0 for an invalid or larger one.
func (t *Tape) Scalar(v Var) float32 {
	if !t.has(v) || len(t.nodes[v.id-1].val) != 1 {
		return 0
	}
	return t.nodes[v.id-1].val[0]
}

// Grad returns the gradient of the loss with respect to v after Backward, nil when no gradient
// flows to v. For a Param leaf it is the param's buffer in the tape's Grads.
func (t *Tape) Grad(v Var) []float32 {
	if !t.has(v) {
		return nil
	}
	return t.nodes[v.id-1].grad
}

// Shape returns v's rows and columns (0, 0 for an invalid Var).
func (t *Tape) Shape(v Var) (rows, cols int) {
	if !t.has(v) {
		return 0, 0
	}
	n := &t.nodes[v.id-1]
	return n.rows, n.cols
}

// Input records data as a rows×cols constant. The tape reads data in place (no copy): it must
// not change until Reset. Frozen weights are inputs too.
func (t *Tape) Input(data []float32, rows, cols int) Var {
	if t.err != nil {
		return Var{}
	}
	if rows <= 0 || cols <= 0 || len(data) != rows*cols {
		return t.fail("Input", strconv.Itoa(len(data))+" values for shape "+shapeString(rows, cols))
	}
	return t.leaf(data, nil, rows, cols)
}

// Vector records data as a 1×len(data) constant, read in place like Input.
func (t *Tape) Vector(data []float32) Var { return t.Input(data, 1, len(data)) }

// Param records a dense param. Its gradient accumulates into the tape's Grads; on a tape without
// Grads the param is a constant.
func (t *Tape) Param(p *Param) Var {
	if t.err != nil {
		return Var{}
	}
	if p == nil {
		return t.fail("Param", "nil param")
	}
	if p.Sparse {
		return t.fail("Param", "sparse param "+p.Name+" is read through Gather")
	}
	var grad []float32
	if t.grads != nil {
		if grad = t.grads.Dense(p); grad == nil {
			return t.fail("Param", "param "+p.Name+" has no buffer in the tape's gradients")
		}
	}
	return t.leaf(p.Data, grad, p.Rows, p.Cols)
}

func (t *Tape) leaf(val, grad []float32, rows, cols int) Var {
	t.nodes = append(t.nodes, node{
		op: opLeaf, need: grad != nil, rows: rows, cols: cols, a: -1, b: -1, c: -1,
		val: val, grad: grad,
	})
	return Var{int32(len(t.nodes))}
}

// Backward accumulates d loss / d param into the tape's Grads for every param the 1×1 loss
// depends on. It runs once per recording.
func (t *Tape) Backward(loss Var) error {
	if t.err != nil {
		return t.err
	}
	n, ok := t.in("Backward", loss)
	if !ok {
		return t.err
	}
	if n.rows != 1 || n.cols != 1 {
		t.fail("Backward", "loss has shape "+shapeString(n.rows, n.cols)+", want 1×1")
		return t.err
	}
	return t.backprop(loss, []float32{1})
}

// backprop seeds v's gradient with seed (len = v's size) and runs every recorded op up to v
// backwards.
func (t *Tape) backprop(v Var, seed []float32) error {
	if t.grads == nil {
		return errors.New("autodiff: Backward on a tape without gradients")
	}
	if t.done {
		return errors.New("autodiff: Backward twice on one recording")
	}
	t.done = true
	last := int(v.id - 1)
	n := &t.nodes[last]
	if !n.need {
		return nil
	}
	for i, s := range seed {
		n.grad[i] += s
	}
	for i := last; i >= 0; i-- {
		if t.nodes[i].need {
			t.backward(&t.nodes[i])
		}
	}
	return nil
}

// has reports whether v is a node of the current recording.
func (t *Tape) has(v Var) bool { return v.id > 0 && int(v.id) <= len(t.nodes) }

// in returns v's node, or fails the tape (keeping an earlier error) when v is not usable.
func (t *Tape) in(op string, v Var) (*node, bool) {
	if t.err != nil {
		return nil, false
	}
	if !t.has(v) {
		t.fail(op, "invalid Var")
		return nil, false
	}
	return &t.nodes[v.id-1], true
}

// fail records the first error and returns the zero Var.
func (t *Tape) fail(op, msg string) Var {
	if t.err == nil {
		t.err = errors.New("autodiff: " + op + ": " + msg)
	}
	return Var{}
}

func (t *Tape) failShapes(op string, a, b *node) Var {
	return t.fail(op, "shapes "+shapeString(a.rows, a.cols)+" and "+shapeString(b.rows, b.cols)+" do not match")
}

// push records an op node of shape rows×cols over the inputs a, b, c (Vars, zero when unused).
// It has gradient memory when any input carries a gradient.
func (t *Tape) push(op opKind, rows, cols int, a, b, c Var) *node {
	n := t.pushNode(op, rows, cols, t.needs(a) || t.needs(b) || t.needs(c))
	n.a, n.b, n.c = a.id-1, b.id-1, c.id-1
	return n
}

// pushNode records a node without inputs of shape rows×cols with zeroed value memory, and
// zeroed gradient memory when need. The returned pointer is valid until the next push.
func (t *Tape) pushNode(op opKind, rows, cols int, need bool) *node {
	t.nodes = append(t.nodes, node{
		op: op, need: need, rows: rows, cols: cols, a: -1, b: -1, c: -1,
		val: t.mem.alloc(rows * cols),
	})
	n := &t.nodes[len(t.nodes)-1]
	if need {
		n.grad = t.mem.alloc(rows * cols)
	}
	return n
}

// view records a node that shares memory with its input: a window of the value and gradient.
func (t *Tape) view(a Var, rows, cols, from int) Var {
	src := &t.nodes[a.id-1]
	size := rows * cols
	v := node{
		op: opView, need: src.need, rows: rows, cols: cols, a: a.id - 1, b: -1, c: -1,
		val: src.val[from : from+size : from+size],
	}
	if src.need {
		v.grad = src.grad[from : from+size : from+size]
	}
	t.nodes = append(t.nodes, v)
	return Var{int32(len(t.nodes))}
}

func (t *Tape) needs(v Var) bool { return v.id > 0 && t.nodes[v.id-1].need }

// last is the Var of the node pushed last.
func (t *Tape) last() Var { return Var{int32(len(t.nodes))} }

// span stores idx in the tape's index memory and returns its offset and length.
func (t *Tape) span(idx []int32) (off, n int32) {
	off = int32(len(t.ints))
	t.ints = append(t.ints, idx...)
	return off, int32(len(idx))
}

// gradOf returns the gradient memory of node i, nil when i is unused or carries no gradient.
func (t *Tape) gradOf(i int32) []float32 {
	if i < 0 {
		return nil
	}
	return t.nodes[i].grad
}

// arena hands out zeroed float32 slices from chunks it keeps across resets, so that a tape
// that has seen its largest graph allocates nothing more. Chunks never move: slices stay valid
// until reset.
type arena struct {
	chunks   [][]float32
	cur, pos int
}

const chunkFloats = 1 << 15

func (a *arena) alloc(n int) []float32 {
	for a.cur < len(a.chunks) {
		c := a.chunks[a.cur]
		if a.pos+n <= len(c) {
			s := c[a.pos : a.pos+n : a.pos+n]
			a.pos += n
			clear(s)
			return s
		}
		if a.pos == 0 {
			break // too small even when empty: replaced below
		}
		a.cur++
		a.pos = 0
	}
	c := make([]float32, max(chunkFloats, n))
	if a.cur < len(a.chunks) {
		a.chunks[a.cur] = c
	} else {
		a.chunks = append(a.chunks, c)
	}
	a.pos = n
	return c[:n:n]
}

func (a *arena) reset() { a.cur, a.pos = 0, 0 }

// scratch returns n floats of the tape's scratch memory (not zeroed), valid until the next
// scratch or scratch2 call: backward passes use it for products they add into gradients.
func (t *Tape) scratch(n int) []float32 {
	if cap(t.tmp) < n {
		t.tmp = make([]float32, n)
	}
	return t.tmp[:n]
}

// scratch2 returns two disjoint pieces of the scratch memory, of n1 and n2 floats.
func (t *Tape) scratch2(n1, n2 int) (a, b []float32) {
	s := t.scratch(n1 + n2)
	return s[:n1:n1], s[n1:]
}
