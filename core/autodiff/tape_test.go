package autodiff

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForwardValues checks each op's forward pass against hand-computed results.
func TestForwardValues(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}    // 2×3
	b := []float32{1, 0, -1, 2, 1, 0.5} // 2×3
	cases := []struct {
		name  string
		build func(t *Tape, a, b Var) Var
		rows  int
		cols  int
		want  []float32
	}{
		{"Add", func(t *Tape, a, b Var) Var { return t.Add(a, b) }, 2, 3, []float32{2, 2, 2, 6, 6, 6.5}},
		{"Sub", func(t *Tape, a, b Var) Var { return t.Sub(a, b) }, 2, 3, []float32{0, 2, 4, 2, 4, 5.5}},
		{"Mul", func(t *Tape, a, b Var) Var { return t.Mul(a, b) }, 2, 3, []float32{1, 0, -3, 8, 5, 3}},
		{"Scale", func(t *Tape, a, _ Var) Var { return t.Scale(a, 0.5) }, 2, 3, []float32{0.5, 1, 1.5, 2, 2.5, 3}},
		{"AddConst", func(t *Tape, a, _ Var) Var { return t.AddConst(a, -1) }, 2, 3, []float32{0, 1, 2, 3, 4, 5}},
		{"MulScalar", func(t *Tape, a, _ Var) Var { return t.MulScalar(a, t.Vector([]float32{2})) }, 2, 3, []float32{2, 4, 6, 8, 10, 12}},
		{"Lerp", func(t *Tape, a, b Var) Var { return t.Lerp(t.Vector([]float32{0.25}), a, b) }, 2, 3,
			[]float32{1, 0.5, 0, 2.5, 2, 1.875}},
		{"AddBias", func(t *Tape, a, _ Var) Var { return t.AddBias(a, t.Vector([]float32{10, 20, 30})) }, 2, 3,
			[]float32{11, 22, 33, 14, 25, 36}},
		{"ReLU", func(t *Tape, _, b Var) Var { return t.ReLU(b) }, 2, 3, []float32{1, 0, 0, 2, 1, 0.5}},
		{"Sum", func(t *Tape, a, _ Var) Var { return t.Sum(a) }, 1, 1, []float32{21}},
		{"Mean", func(t *Tape, a, _ Var) Var { return t.Mean(a) }, 1, 1, []float32{3.5}},
		{"SumRows", func(t *Tape, a, _ Var) Var { return t.SumRows(a) }, 1, 3, []float32{5, 7, 9}},
		{"MeanRows", func(t *Tape, a, _ Var) Var { return t.MeanRows(a) }, 1, 3, []float32{2.5, 3.5, 4.5}},
		{"Dot", func(t *Tape, a, b Var) Var { return t.Dot(a, b) }, 1, 1, []float32{14}},
		{"MatMulT", func(t *Tape, a, b Var) Var { return t.MatMulT(a, b) }, 2, 2, []float32{-2, 5.5, -2, 16}},
		{"MatMul", func(t *Tape, a, b Var) Var { return t.MatMul(a, t.Reshape(b, 3, 2)) }, 2, 2, []float32{2, 5.5, 5, 13}},
		{"MatVec", func(t *Tape, a, _ Var) Var { return t.MatVec(a, t.Vector([]float32{1, 0, -1})) }, 1, 2, []float32{-2, -2}},
		{"WeightedSum", func(t *Tape, a, _ Var) Var { return t.WeightedSum(a, t.Vector([]float32{0.5, 2})) }, 1, 3,
			[]float32{8.5, 11, 13.5}},
		{"Concat", func(t *Tape, a, b Var) Var { return t.Concat(t.SliceCols(a, 2, 3), b) }, 2, 4,
			[]float32{3, 1, 0, -1, 6, 2, 1, 0.5}},
		{"ConcatRows", func(t *Tape, a, b Var) Var { return t.ConcatRows(t.SliceRows(b, 1, 2), a) }, 3, 3,
			[]float32{2, 1, 0.5, 1, 2, 3, 4, 5, 6}},
		{"SliceCols", func(t *Tape, a, _ Var) Var { return t.SliceCols(a, 1, 3) }, 2, 2, []float32{2, 3, 5, 6}},
		{"Reshape", func(t *Tape, a, _ Var) Var { return t.Reshape(a, 3, 2) }, 3, 2, []float32{1, 2, 3, 4, 5, 6}},
		{"GatherRows", func(t *Tape, a, _ Var) Var { return t.GatherRows(a, []int32{1, 1, 0}) }, 3, 3,
			[]float32{4, 5, 6, 4, 5, 6, 1, 2, 3}},
		{"MaskedSoftmax", func(t *Tape, a, _ Var) Var {
			return t.MaskedSoftmax(t.Vector([]float32{0, 7, float32(math.Log(3))}), []bool{true, false, true})
		}, 1, 3, []float32{0.25, 0, 0.75}},
		{"L2Normalize", func(t *Tape, _, _ Var) Var { return t.L2Normalize(t.Vector([]float32{3, 4})) }, 1, 2,
			[]float32{0.6, 0.8}},
		{"BCEWithLogits", func(t *Tape, _, _ Var) Var {
			return t.BCEWithLogits(t.Vector([]float32{0, 0}), []float32{1, 0})
		}, 1, 1, []float32{float32(math.Ln2)}},
		{"CrossEntropy", func(t *Tape, _, _ Var) Var {
			// Scores /τ = [0, ln 3]: softmax = [1/4, 3/4], the target is column 1.
			return t.CrossEntropy(t.Vector([]float32{0, float32(math.Log(3)) / 2}), []int32{1}, 0.5)
		}, 1, 1, []float32{float32(math.Log(4.0 / 3))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tape := NewTape(nil)
			out := c.build(tape, tape.Input(a, 2, 3), tape.Input(b, 2, 3))
			require.NoError(t, tape.Err())
			rows, cols := tape.Shape(out)
			assert.Equal(t, [2]int{c.rows, c.cols}, [2]int{rows, cols})
			assert.InDeltaSlice(t, c.want, tape.Value(out), 1e-6)
		})
	}
}

func TestGatherValues(t *testing.T) {
	params := NewParams()
	table, err := params.Add("table", 3, 2, []float32{1, 2, 3, 4, 5, 6}, true)
	require.NoError(t, err)
	tape := NewTape(params.NewGrads())
	assert.Equal(t, []float32{5, 6, 1, 2}, tape.Value(tape.Gather(table, []int32{2, 0})))
	assert.Equal(t, []float32{9, 12}, tape.Value(tape.GatherSum(table, []int32{0, 1, 2})))
	assert.Equal(t, []float32{0, 0}, tape.Value(tape.GatherSum(table, nil)))
	assert.Equal(t, []float32{3, 4}, tape.Value(tape.GatherMean(table, []int32{0, 2})))
	require.NoError(t, tape.Err())
}

// TestNumericalStability feeds inputs that overflow a naive exp.
func TestNumericalStability(t *testing.T) {
	tape := NewTape(nil)
	x := tape.Vector([]float32{1000, 0, -1000})
	assert.Equal(t, []float32{1, 0, 0}, tape.Value(tape.Softmax(x)))
	assert.Equal(t, []float32{0, -1000, -2000}, tape.Value(tape.LogSoftmax(x)))
	assert.Equal(t, []float32{1, 0.5, 0}, tape.Value(tape.Sigmoid(x)))
	assert.Equal(t, []float32{1000, float32(math.Ln2), 0}, tape.Value(tape.Softplus(x)))
	assert.Equal(t, []float32{0, -float32(math.Ln2), -1000}, tape.Value(tape.LogSigmoid(x)))
	assert.Equal(t, float32(1000), tape.Scalar(tape.BCEWithLogits(tape.Vector([]float32{1000}), []float32{0})))
	assert.Equal(t, float32(2000), tape.Scalar(tape.CrossEntropy(x, []int32{2}, 1)))
	assert.Equal(t, []float32{0, 0}, tape.Value(tape.L2Normalize(tape.Vector([]float32{0, 0}))))
	require.NoError(t, tape.Err())
}

// TestErrors checks that bad input fails the tape with a message, returns the zero Var, and
// that the failure is sticky.
func TestErrors(t *testing.T) {
	params := NewParams()
	table, err := params.Add("table", 4, 2, make([]float32, 8), true)
	require.NoError(t, err)
	other, err := NewParams().Add("w", 1, 1, []float32{1}, false)
	require.NoError(t, err)
	v23 := func(t *Tape) Var { return t.Input(make([]float32, 6), 2, 3) }
	v3 := func(t *Tape) Var { return t.Vector(make([]float32, 3)) }
	cases := []struct {
		name  string
		build func(t *Tape) Var
		msg   string
	}{
		{"Input size", func(t *Tape) Var { return t.Input(make([]float32, 5), 2, 3) }, "5 values for shape 2×3"},
		{"zero Var", func(t *Tape) Var { return t.ReLU(Var{}) }, "ReLU: invalid Var"},
		{"Var of a later recording", func(t *Tape) Var { return t.ReLU(Var{id: 9}) }, "invalid Var"},
		{"Add shapes", func(t *Tape) Var { return t.Add(v23(t), v3(t)) }, "Add: shapes 2×3 and 1×3 do not match"},
		{"MatMulT shapes", func(t *Tape) Var { return t.MatMulT(v23(t), t.Input(make([]float32, 4), 2, 2)) }, "MatMulT: shapes"},
		{"MatMul shapes", func(t *Tape) Var { return t.MatMul(v23(t), v23(t)) }, "MatMul: shapes"},
		{"MatVec column", func(t *Tape) Var { return t.MatVec(v23(t), t.Input(make([]float32, 3), 3, 1)) }, "want a 1×3 row"},
		{"WeightedSum length", func(t *Tape) Var { return t.WeightedSum(v23(t), v3(t)) }, "WeightedSum: shapes"},
		{"MulScalar of a vector", func(t *Tape) Var { return t.MulScalar(v23(t), v3(t)) }, "scalar has shape 1×3"},
		{"Lerp alpha", func(t *Tape) Var { return t.Lerp(v3(t), v3(t), v3(t)) }, "alpha has shape 1×3"},
		{"AddBias width", func(t *Tape) Var { return t.AddBias(v23(t), t.Vector(make([]float32, 2))) }, "AddBias: shapes"},
		{"mask length", func(t *Tape) Var { return t.MaskedSoftmax(v3(t), []bool{true}) }, "mask of 1 columns"},
		{"mask empty", func(t *Tape) Var { return t.MaskedSoftmax(v3(t), []bool{false, false, false}) }, "every column is masked"},
		{"Concat nothing", func(t *Tape) Var { return t.Concat() }, "Concat: nothing to join"},
		{"Concat rows", func(t *Tape) Var { return t.Concat(v23(t), v3(t)) }, "Concat: shapes"},
		{"ConcatRows cols", func(t *Tape) Var { return t.ConcatRows(v23(t), t.Vector(make([]float32, 2))) }, "ConcatRows: shapes"},
		{"SliceCols range", func(t *Tape) Var { return t.SliceCols(v23(t), 2, 4) }, "columns [2, 4) of shape 2×3"},
		{"SliceRows range", func(t *Tape) Var { return t.SliceRows(v23(t), 1, 1) }, "rows [1, 1)"},
		{"Reshape size", func(t *Tape) Var { return t.Reshape(v23(t), 4, 2) }, "2×3 to 4×2"},
		{"GatherRows range", func(t *Tape) Var { return t.GatherRows(v23(t), []int32{0, 2}) }, "row 2 of shape 2×3"},
		{"Gather range", func(t *Tape) Var { return t.Gather(table, []int32{4}) }, "row 4 of table (4 rows)"},
		{"Gather negative", func(t *Tape) Var { return t.GatherSum(table, []int32{-1}) }, "row -1 of table"},
		{"GatherMean empty", func(t *Tape) Var { return t.GatherMean(table, nil) }, "no rows of table"},
		{"Gather foreign", func(t *Tape) Var { return t.Gather(other, []int32{0}) }, "no buffer in the tape's gradients"},
		{"Param sparse", func(t *Tape) Var { return t.Param(table) }, "read through Gather"},
		{"Param foreign", func(t *Tape) Var { return t.Param(other) }, "no buffer"},
		{"Param nil", func(t *Tape) Var { return t.Param(nil) }, "nil param"},
		{"BCE labels", func(t *Tape) Var { return t.BCEWithLogits(v3(t), []float32{1}) }, "1 labels for shape 1×3"},
		{"BCE label range", func(t *Tape) Var { return t.BCEWithLogits(t.Vector([]float32{0}), []float32{2}) }, "label 2 is outside [0, 1]"},
		{"CE targets", func(t *Tape) Var { return t.CrossEntropy(v23(t), []int32{0}, 1) }, "1 targets for shape 2×3"},
		{"CE target range", func(t *Tape) Var { return t.CrossEntropy(v3(t), []int32{3}, 1) }, "target 3 of shape 1×3"},
		{"CE temperature", func(t *Tape) Var { return t.CrossEntropy(v3(t), []int32{0}, 0) }, "temperature 0 is not positive"},
		{"InfoNCE shapes", func(t *Tape) Var { return t.InfoNCE(v23(t), v3(t), 1) }, "InfoNCE: shapes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tape := NewTape(params.NewGrads())
			out := c.build(tape)
			assert.False(t, out.Valid())
			require.Error(t, tape.Err())
			assert.Contains(t, tape.Err().Error(), c.msg)
			first := tape.Err()
			assert.False(t, tape.Sum(out).Valid(), "ops after a failure return the zero Var")
			assert.Equal(t, first, tape.Backward(out), "Backward reports the first error")
			assert.Nil(t, tape.Value(out))
			tape.Reset()
			assert.NoError(t, tape.Err(), "Reset clears the failure")
		})
	}
}

func TestBackwardMisuse(t *testing.T) {
	params := NewParams()
	w, err := params.Add("w", 1, 2, []float32{1, 2}, false)
	require.NoError(t, err)

	tape := NewTape(params.NewGrads())
	require.ErrorContains(t, tape.Backward(tape.Param(w)), "loss has shape 1×2, want 1×1")

	tape.Reset()
	loss := tape.Sum(tape.Param(w))
	require.NoError(t, tape.Backward(loss))
	require.ErrorContains(t, tape.Backward(loss), "Backward twice")

	eval := NewTape(nil)
	require.ErrorContains(t, eval.Backward(eval.Sum(eval.Param(w))), "without gradients")
	assert.Nil(t, eval.Grad(eval.Param(w)), "an inference tape keeps no gradients")
}

func TestBackwardAccumulatesAcrossRecordings(t *testing.T) {
	params := NewParams()
	w, err := params.Add("w", 1, 2, []float32{1, 2}, false)
	require.NoError(t, err)
	table, err := params.Add("table", 5, 2, make([]float32, 10), true)
	require.NoError(t, err)
	grads := params.NewGrads()
	tape := NewTape(grads)
	for i, ids := range [][]int32{{3, 1}, {1}} {
		tape.Reset()
		x := tape.Input([]float32{float32(i + 1), 1}, 1, 2)
		loss := tape.Dot(tape.Add(tape.Param(w), tape.GatherSum(table, ids)), x)
		require.NoError(t, tape.Backward(loss))
	}
	assert.Equal(t, []float32{3, 2}, grads.Dense(w), "x₀ + x₁")
	ids, data := grads.Rows(table)
	assert.Equal(t, []int32{3, 1}, ids, "touched rows in first-touch order, untouched rows absent")
	assert.Equal(t, []float32{1, 1, 3, 2}, data)
	assert.InDelta(t, math.Sqrt(9+4+1+1+9+4), grads.Norm(), 1e-6)

	grads.Scale(2)
	assert.Equal(t, []float32{6, 4}, grads.Dense(w))
	grads.Zero()
	assert.Equal(t, []float32{0, 0}, grads.Dense(w))
	ids, _ = grads.Rows(table)
	assert.Empty(t, ids)
}

func TestGradsAdd(t *testing.T) {
	params := NewParams()
	w, err := params.Add("w", 1, 2, []float32{0, 0}, false)
	require.NoError(t, err)
	table, err := params.Add("table", 4, 1, make([]float32, 4), true)
	require.NoError(t, err)
	record := func(g *Grads, ids []int32) {
		tape := NewTape(g)
		require.NoError(t, tape.Backward(tape.Add(tape.Sum(tape.Param(w)), tape.Sum(tape.Gather(table, ids)))))
	}
	a, b := params.NewGrads(), params.NewGrads()
	record(a, []int32{2})
	record(b, []int32{0, 2})
	require.NoError(t, a.Add(b))
	assert.Equal(t, []float32{2, 2}, a.Dense(w))
	ids, data := a.Rows(table)
	assert.Equal(t, []int32{2, 0}, ids)
	assert.Equal(t, []float32{2, 1}, data)
	assert.Error(t, a.Add(NewParams().NewGrads()))
	assert.Nil(t, a.Dense(table))
}

func TestParamsAdd(t *testing.T) {
	params := NewParams()
	p, err := params.Add("w", 2, 3, make([]float32, 6), false)
	require.NoError(t, err)
	got, ok := params.Lookup("w")
	assert.True(t, ok)
	assert.Same(t, p, got)
	assert.Equal(t, 0, p.Index())
	assert.Same(t, params, p.Set())
	for _, c := range []struct {
		name       string
		rows, cols int
		n          int
		msg        string
	}{
		{"", 1, 1, 1, "empty name"},
		{"w", 2, 3, 6, "added twice"},
		{"x", 0, 3, 0, "shape 0×3 is empty"},
		{"x", 2, 3, 5, "5 values for shape 2×3"},
	} {
		_, err := params.Add(c.name, c.rows, c.cols, make([]float32, c.n), false)
		assert.ErrorContains(t, err, c.msg)
	}
	assert.Equal(t, 1, params.Len())
}

// TestViewsShareMemory checks that SliceRows and Reshape are views: writes through the source
// are seen, and gradients land in the source's buffer.
func TestViewsShareMemory(t *testing.T) {
	params := NewParams()
	w, err := params.Add("w", 3, 2, []float32{1, 2, 3, 4, 5, 6}, false)
	require.NoError(t, err)
	grads := params.NewGrads()
	tape := NewTape(grads)
	row := tape.SliceRows(tape.Param(w), 1, 2)
	assert.Equal(t, []float32{3, 4}, tape.Value(row))
	require.NoError(t, tape.Backward(tape.Sum(tape.Reshape(row, 2, 1))))
	assert.Equal(t, []float32{0, 0, 1, 1, 0, 0}, grads.Dense(w))
}
