package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Gradient checks compare Backward with central finite differences of the float32 forward pass.
// The probe loss is L = Σ r_i·y_i for a fixed random r (so the whole Jacobian is exercised),
// summed in float64; the step is h = 10⁻², and the difference is divided by the float32 step
// actually taken. With inputs in [−1, 1] the truncation error (h²·f‴/6) and the float32
// rounding of the forward pass (≈ 2⁻²⁴·|L|/h) stay near 10⁻⁵; an analytic gradient passes when
// |analytic − numeric| ≤ gradAbsTol + gradRelTol·|numeric| (the worst op, L2Normalize, uses 14%
// of that).
const (
	gradStep   = 1e-2
	gradAbsTol = 5e-4
	gradRelTol = 2e-3
)

// gradInput describes one differentiated input of a checked graph.
type gradInput struct {
	rows, cols int
	sparse     bool
	// away keeps values at least this far from 0 (for ReLU's kink).
	away float32
}

type gradCase struct {
	name   string
	inputs []gradInput
	// build records the graph on t; dense inputs are in v (read through t.Param), sparse tables
	// only in p.
	build func(t *Tape, v []Var, p []*Param) Var
}

func in(rows, cols int) gradInput { return gradInput{rows: rows, cols: cols} }

// checkGradients builds c, backpropagates a random probe and compares every input's gradient
// with central differences.
func checkGradients(t *testing.T, c gradCase, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	params := NewParams()
	ps := make([]*Param, len(c.inputs))
	for i, spec := range c.inputs {
		data := make([]float32, spec.rows*spec.cols)
		for j := range data {
			v := rng.Float32()*2 - 1
			if spec.away > 0 && v > -spec.away && v < spec.away {
				v = spec.away + float32(math.Copysign(float64(rng.Float32()), float64(v)))*(1-spec.away)
			}
			data[j] = v
		}
		p, err := params.Add("in"+string(rune('a'+i)), spec.rows, spec.cols, data, spec.sparse)
		require.NoError(t, err)
		ps[i] = p
	}
	record := func(tape *Tape) Var {
		vars := make([]Var, len(ps))
		for i, p := range ps {
			if !p.Sparse {
				vars[i] = tape.Param(p)
			}
		}
		out := c.build(tape, vars, ps)
		require.NoError(t, tape.Err())
		return out
	}

	grads := params.NewGrads()
	tape := NewTape(grads)
	out := record(tape)
	probe := make([]float32, len(tape.Value(out)))
	for i := range probe {
		probe[i] = rng.Float32()*2 - 1
	}
	require.NoError(t, tape.backprop(out, probe))

	eval := NewTape(nil)
	loss := func() float64 {
		eval.Reset()
		y := eval.Value(record(eval))
		var s float64
		for i, v := range y {
			s += float64(probe[i]) * float64(v)
		}
		return s
	}
	for _, p := range ps {
		analytic := denseGrad(grads, p)
		for j, x := range p.Data {
			hi, lo := x+gradStep, x-gradStep
			p.Data[j] = hi
			lHi := loss()
			p.Data[j] = lo
			lLo := loss()
			p.Data[j] = x
			numeric := (lHi - lLo) / float64(hi-lo)
			diff := math.Abs(float64(analytic[j]) - numeric)
			require.LessOrEqualf(t, diff, gradAbsTol+gradRelTol*math.Abs(numeric),
				"%s: d/d%s[%d]: analytic %g, numeric %g", c.name, p.Name, j, analytic[j], numeric)
		}
	}
}

// denseGrad returns p's gradient as a dense rows×cols buffer.
func denseGrad(g *Grads, p *Param) []float32 {
	if !p.Sparse {
		return g.Dense(p)
	}
	out := make([]float32, len(p.Data))
	ids, data := g.Rows(p)
	for k, id := range ids {
		copy(out[int(id)*p.Cols:int(id+1)*p.Cols], data[k*p.Cols:(k+1)*p.Cols])
	}
	return out
}

func TestOpGradients(t *testing.T) {
	keep := []bool{true, false, true, true, false}
	cases := []gradCase{
		{"Add", []gradInput{in(2, 3), in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Add(v[0], v[1]) }},
		{"Sub", []gradInput{in(2, 3), in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Sub(v[0], v[1]) }},
		{"Mul", []gradInput{in(2, 3), in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Mul(v[0], v[1]) }},
		{"Mul of x with itself", []gradInput{in(1, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Mul(v[0], v[0]) }},
		{"Scale", []gradInput{in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Scale(v[0], -1.5) }},
		{"AddConst", []gradInput{in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.AddConst(v[0], 2) }},
		{"MulScalar", []gradInput{in(2, 3), in(1, 1)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MulScalar(v[0], v[1]) }},
		{"Lerp", []gradInput{in(1, 1), in(1, 4), in(1, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Lerp(v[0], v[1], v[2]) }},
		{"AddBias", []gradInput{in(3, 4), in(1, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.AddBias(v[0], v[1]) }},
		{"ReLU", []gradInput{{rows: 2, cols: 5, away: 0.1}}, func(t *Tape, v []Var, _ []*Param) Var { return t.ReLU(v[0]) }},
		{"Sigmoid", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Sigmoid(t.Scale(v[0], 3)) }},
		{"Tanh", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Tanh(t.Scale(v[0], 2)) }},
		{"Softplus", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Softplus(t.Scale(v[0], 3)) }},
		{"LogSigmoid", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.LogSigmoid(t.Scale(v[0], 3)) }},
		{"Sum", []gradInput{in(3, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Sum(v[0]) }},
		{"Mean", []gradInput{in(3, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Mean(v[0]) }},
		{"SumRows", []gradInput{in(3, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.SumRows(v[0]) }},
		{"MeanRows", []gradInput{in(3, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MeanRows(v[0]) }},
		{"Dot", []gradInput{in(2, 3), in(2, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Dot(v[0], v[1]) }},
		{"MatMulT", []gradInput{in(3, 5), in(4, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MatMulT(v[0], v[1]) }},
		{"MatMul", []gradInput{in(3, 5), in(5, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MatMul(v[0], v[1]) }},
		{"MatVec", []gradInput{in(4, 6), in(1, 6)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MatVec(v[0], v[1]) }},
		{"WeightedSum", []gradInput{in(5, 3), in(1, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.WeightedSum(v[0], v[1]) }},
		{"Softmax", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Softmax(t.Scale(v[0], 2)) }},
		{"LogSoftmax", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.LogSoftmax(t.Scale(v[0], 2)) }},
		{"MaskedSoftmax", []gradInput{in(2, 5)}, func(t *Tape, v []Var, _ []*Param) Var { return t.MaskedSoftmax(t.Scale(v[0], 2), keep) }},
		{"L2Normalize", []gradInput{in(3, 4)}, func(t *Tape, v []Var, _ []*Param) Var { return t.L2Normalize(v[0]) }},
		{"Concat", []gradInput{in(2, 3), in(2, 1), in(2, 2)}, func(t *Tape, v []Var, _ []*Param) Var { return t.Concat(v[0], v[1], v[2]) }},
		{"ConcatRows", []gradInput{in(2, 3), in(1, 3)}, func(t *Tape, v []Var, _ []*Param) Var { return t.ConcatRows(v[0], v[1], v[0]) }},
		{"SliceCols", []gradInput{in(3, 6)}, func(t *Tape, v []Var, _ []*Param) Var { return t.SliceCols(v[0], 2, 5) }},
		{"SliceRows", []gradInput{in(4, 3)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.Mul(t.SliceRows(v[0], 1, 3), t.SliceRows(v[0], 2, 4))
		}},
		{"Reshape", []gradInput{in(1, 6)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.MatVec(t.Reshape(v[0], 2, 3), t.SliceCols(v[0], 0, 3))
		}},
		{"GatherRows", []gradInput{in(4, 3)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.GatherRows(t.Scale(v[0], 2), []int32{3, 0, 3, 1})
		}},
		{"Gather sparse", []gradInput{{rows: 6, cols: 3, sparse: true}}, func(t *Tape, _ []Var, p []*Param) Var {
			return t.Gather(p[0], []int32{4, 1, 4})
		}},
		{"Gather dense", []gradInput{in(6, 3)}, func(t *Tape, _ []Var, p []*Param) Var {
			return t.Gather(p[0], []int32{5, 0, 5})
		}},
		{"GatherSum", []gradInput{{rows: 6, cols: 3, sparse: true}}, func(t *Tape, _ []Var, p []*Param) Var {
			return t.GatherSum(p[0], []int32{2, 3, 2})
		}},
		{"GatherMean", []gradInput{{rows: 6, cols: 3, sparse: true}}, func(t *Tape, _ []Var, p []*Param) Var {
			return t.GatherMean(p[0], []int32{0, 5, 5, 1})
		}},
		{"BCEWithLogits", []gradInput{in(1, 4)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.BCEWithLogits(t.Scale(v[0], 3), []float32{1, 0, 0.25, 1})
		}},
		{"CrossEntropy", []gradInput{in(3, 5)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.CrossEntropy(v[0], []int32{0, 4, 2}, 0.5)
		}},
		{"InfoNCE", []gradInput{in(4, 3), in(4, 3)}, func(t *Tape, v []Var, _ []*Param) Var {
			return t.InfoNCE(t.L2Normalize(v[0]), t.L2Normalize(v[1]), 0.2)
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradients(t, c, uint64(i)) })
	}
}

// TestCompositeGradients checks a small SEMINAR-shaped graph end to end: gated fusion of an
// item's modalities, the query–item pair, two-head target attention over masked events, and an
// MLP over [o, t, o⊙t] with a BCE loss.
func TestCompositeGradients(t *testing.T) {
	const d, heads, events = 4, 2, 5
	a := testAttention{d: d, heads: heads, events: events, hidden: 6}
	inputs := []gradInput{
		in(events, d), // sequence
		in(1, d),      // query
		in(3, d),      // item modality embeddings
		in(1, 3),      // gate logits
		in(1, 1),      // α logit
		{rows: 8, cols: d, sparse: true},
	}
	inputs = append(inputs, a.weightShapes()...)
	keep := []bool{true, true, false, true, true}
	present := []bool{true, false, true}
	c := gradCase{name: "attention+MLP", inputs: inputs, build: func(t *Tape, v []Var, p []*Param) Var {
		seq := t.Add(v[0], t.Gather(p[5], []int32{1, 2, 1, 7, 0}))
		gates := t.MaskedSoftmax(v[3], present)
		item := t.WeightedSum(v[2], gates)
		target := t.Lerp(t.Sigmoid(v[4]), v[1], item)
		return a.loss(t, v[6:], seq, target, keep, 1)
	}}
	checkGradients(t, c, 99)
}

// testAttention is multi-head target attention followed by a 3-layer MLP and a BCE loss: the
// shape of SEMINAR's ranking head, used by the composite gradient check and the benchmarks.
type testAttention struct {
	d, heads, events, hidden int
}

// weightShapes lists W_Q, W_K, W_V, W_O (d×d) and the MLP's three layers with biases.
func (a testAttention) weightShapes() []gradInput {
	d, h := a.d, a.hidden
	return []gradInput{
		in(d, d), in(d, d), in(d, d), in(d, d),
		in(h, 3*d), in(1, h), in(h, h), in(1, h), in(1, h), in(1, 1),
	}
}

// loss records BCE(MLP([o, t, o⊙t]), label) for the attention readout o of target over seq;
// w holds the weights in weightShapes order.
func (a testAttention) loss(t *Tape, w []Var, seq, target Var, keep []bool, label float32) Var {
	dh := a.d / a.heads
	q := t.MatVec(w[0], target)
	k := t.MatMulT(seq, w[1])
	v := t.MatMulT(seq, w[2])
	var heads [8]Var
	for h := range a.heads {
		qh := t.SliceCols(q, h*dh, (h+1)*dh)
		kh := t.SliceCols(k, h*dh, (h+1)*dh)
		vh := t.SliceCols(v, h*dh, (h+1)*dh)
		scores := t.Scale(t.MatVec(kh, qh), 1/float32(math.Sqrt(float64(dh))))
		heads[h] = t.WeightedSum(vh, t.MaskedSoftmax(scores, keep))
	}
	o := t.MatVec(w[3], t.Concat(heads[:a.heads]...))
	x := t.Concat(o, target, t.Mul(o, target))
	h1 := t.ReLU(t.AddBias(t.MatVec(w[4], x), w[5]))
	h2 := t.ReLU(t.AddBias(t.MatVec(w[6], h1), w[7]))
	z := t.AddBias(t.MatVec(w[8], h2), w[9])
	labels := [1]float32{label}
	return t.BCEWithLogits(z, labels[:])
}
