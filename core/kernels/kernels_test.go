package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// impl is one complete set of kernels: the portable one, or the SIMD128 one in wasm builds.
type impl struct {
	name    string
	dot     func(a, b []float32) float32
	axpy    func(alpha float32, x, y []float32)
	matVec  func(dst, m, x []float32)
	matVecs func(dst, m, x []float32, n int)
	matTVec func(dst, m, x []float32)
	matMul  func(dst, a, b []float32, m, n, k int)
	matMulT func(dst, a, b []float32, m, n, k int)
	addRows func(dst, m []float32, rows []int32)
	scale   func(alpha float32, x []float32)
	add     func(dst, a, b []float32)
	mul     func(dst, a, b []float32)
	relu    func(x []float32)
	softmax func(x []float32)
}

var portableImpl = impl{
	name:    "portable",
	dot:     dotPortable,
	axpy:    axpyPortable,
	matVec:  matVecPortable,
	matVecs: matVecsPortable,
	matTVec: matTVecPortable,
	matMul:  matMulPortable,
	matMulT: matMulTPortable,
	addRows: addRowsPortable,
	scale:   scalePortable,
	add:     addPortable,
	mul:     mulPortable,
	relu:    reluPortable,
	softmax: softmaxPortable,
}

// unitRoundoff is u = 2⁻²⁴, the relative rounding error of one float32 operation.
const unitRoundoff = 1.0 / (1 << 24)

// gamma is Higham's γ_n = n·u/(1−n·u). A dot product of length n computed in float32 with
// any order of additions is within γ_n·Σ|a_i·b_i| of the exact value (one rounding per
// product and at most n−1 roundings on any path of the summation tree). Two such
// computations therefore differ by at most 2·γ_n·Σ|a_i·b_i|.
func gamma(n int) float64 {
	nu := float64(n) * unitRoundoff
	return nu / (1 - nu)
}

// testLengths covers every tail length around the 4- and 16-wide SIMD strides, plus long
// vectors.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 64, 100, 1000, 1023)
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// exactDot returns Σ a_i·b_i and Σ|a_i·b_i| in float64. Products of float32 values are exact
// in float64, so only the float64 sum rounds, far below the float32 bounds checked.
func exactDot(a, b []float32) (sum, abs float64) {
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range testLengths() {
		a, b := randVec(r, n), randVec(r, n+3) // b may be longer than a
		exact, abs := exactDot(a, b[:n])
		bound := gamma(n)*abs + 1e-30
		results := map[string]float32{}
		for _, k := range implementations() {
			got := k.dot(a, b)
			require.InDelta(t, exact, float64(got), bound, "%s n=%d", k.name, n)
			results[k.name] = got
		}
		if s, ok := results["simd"]; ok {
			require.InDelta(t, float64(results["portable"]), float64(s), 2*bound, "simd vs portable n=%d", n)
		}
		require.Equal(t, results[implementations()[len(implementations())-1].name], Dot(a, b), "exported Dot n=%d", n)
	}
}

func TestDotPanicsOnShortSecondOperand(t *testing.T) {
	for _, k := range implementations() {
		require.Panics(t, func() { k.dot(make([]float32, 9), make([]float32, 8)) }, k.name)
	}
}

// requireSameFloats checks bit-identical results, counting any two NaNs as equal.
func requireSameFloats(t *testing.T, want, got []float32, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if want[i] != want[i] && got[i] != got[i] {
			continue
		}
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			require.Failf(t, "results differ", "%s: element %d: want %g got %g", msg, i, want[i], got[i])
		}
	}
}

func TestElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type op struct {
		name  string
		naive func(dst, a, b []float32, alpha float32)
		run   func(k impl, dst, a, b []float32, alpha float32)
	}
	ops := []op{
		{"axpy",
			func(dst, a, b []float32, alpha float32) {
				for i := range dst {
					dst[i] = b[i] + float32(alpha*a[i])
				}
			},
			func(k impl, dst, a, b []float32, alpha float32) { copy(dst, b); k.axpy(alpha, a, dst) }},
		{"scale",
			func(dst, a, _ []float32, alpha float32) {
				for i := range dst {
					dst[i] = a[i] * alpha
				}
			},
			func(k impl, dst, a, _ []float32, alpha float32) { copy(dst, a); k.scale(alpha, dst) }},
		{"add",
			func(dst, a, b []float32, _ float32) {
				for i := range dst {
					dst[i] = a[i] + b[i]
				}
			},
			func(k impl, dst, a, b []float32, _ float32) { k.add(dst, a, b) }},
		{"mul",
			func(dst, a, b []float32, _ float32) {
				for i := range dst {
					dst[i] = a[i] * b[i]
				}
			},
			func(k impl, dst, a, b []float32, _ float32) { k.mul(dst, a, b) }},
		{"relu",
			func(dst, a, _ []float32, _ float32) {
				for i := range dst {
					switch {
					case a[i] != a[i]:
						dst[i] = a[i]
					case a[i] > 0:
						dst[i] = a[i]
					default:
						dst[i] = 0
					}
				}
			},
			func(k impl, dst, a, _ []float32, _ float32) { copy(dst, a); k.relu(dst) }},
	}
	for _, o := range ops {
		for _, n := range testLengths() {
			a, b := randVec(r, n), randVec(r, n)
			if n > 5 {
				a[1], a[3], a[5] = float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(-1))
			}
			alpha := float32(r.NormFloat64())
			want := make([]float32, n)
			o.naive(want, a, b, alpha)
			for _, k := range implementations() {
				got := make([]float32, n)
				o.run(k, got, a, b, alpha)
				requireSameFloats(t, want, got, o.name+"/"+k.name+"/n="+strconv.Itoa(n))
			}
		}
	}
}

func TestExportedElementwiseMatchSelectedImplementation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	k := implementations()[len(implementations())-1]
	a, b := randVec(r, 37), randVec(r, 37)
	want, got := make([]float32, 37), make([]float32, 37)

	k.add(want, a, b)
	Add(got, a, b)
	requireSameFloats(t, want, got, "Add")
	k.mul(want, a, b)
	Mul(got, a, b)
	requireSameFloats(t, want, got, "Mul")

	copy(want, a)
	copy(got, a)
	k.axpy(0.5, b, want)
	Axpy(0.5, b, got)
	requireSameFloats(t, want, got, "Axpy")
	k.scale(-3, want)
	Scale(-3, got)
	requireSameFloats(t, want, got, "Scale")
	k.relu(want)
	ReLU(got)
	requireSameFloats(t, want, got, "ReLU")
	k.softmax(want)
	Softmax(got)
	requireSameFloats(t, want, got, "Softmax")
}

func TestMatVec(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, rows := range []int{0, 1, 3, 4, 5, 8, 13} {
		for _, cols := range []int{0, 1, 3, 4, 7, 16, 64, 67} {
			m, x := randVec(r, rows*cols), randVec(r, cols)
			results := map[string][]float32{}
			for _, k := range implementations() {
				dst := randVec(r, rows) // overwritten, not accumulated
				k.matVec(dst, m, x)
				for i := range rows {
					exact, abs := exactDot(m[i*cols:(i+1)*cols], x)
					require.InDelta(t, exact, float64(dst[i]), gamma(cols)*abs+1e-30, "%s %dx%d row %d", k.name, rows, cols, i)
				}
				results[k.name] = dst
			}
			got := make([]float32, rows)
			MatVec(got, m, x)
			requireSameFloats(t, results[implementations()[len(implementations())-1].name], got, "exported MatVec")
		}
	}
}

func TestMatVecsEqualsMatVecPerVector(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 2, 3, 8} {
		for _, rows := range []int{1, 3, 4, 5, 8, 13} {
			for _, cols := range []int{1, 3, 4, 7, 16, 64, 67} {
				m, x := randVec(r, rows*cols), randVec(r, n*cols)
				for _, k := range implementations() {
					dst := randVec(r, n*rows)
					k.matVecs(dst, m, x, n)
					for i := range n {
						want := make([]float32, rows)
						k.matVec(want, m, x[i*cols:(i+1)*cols])
						requireSameFloats(t, want, dst[i*rows:(i+1)*rows], k.name+" vector "+strconv.Itoa(i))
					}
				}
				got := make([]float32, n*rows)
				MatVecs(got, m, x, n)
				for i := range n {
					want := make([]float32, rows)
					MatVec(want, m, x[i*cols:(i+1)*cols])
					requireSameFloats(t, want, got[i*rows:(i+1)*rows], "exported MatVecs")
				}
			}
		}
	}
}

func TestMatTVecEqualsRowByRowAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, rows := range []int{0, 1, 3, 4, 5, 8, 13} {
		for _, cols := range []int{0, 1, 3, 4, 7, 16, 64, 67} {
			m, x := randVec(r, rows*cols), randVec(r, rows)
			want := make([]float32, cols)
			for i := range rows {
				for c := range cols {
					want[c] += float32(x[i] * m[i*cols+c])
				}
			}
			for _, k := range implementations() {
				dst := randVec(r, cols) // overwritten, not accumulated
				k.matTVec(dst, m, x)
				requireSameFloats(t, want, dst, k.name+" "+strconv.Itoa(rows)+"x"+strconv.Itoa(cols))
			}
			got := make([]float32, cols)
			MatTVec(got, m, x)
			requireSameFloats(t, want, got, "exported MatTVec")
		}
	}
}

// matMulShapes covers every tail of the SIMD blocks: rows of A around 4, columns around 4 and
// 16 (MatMul) or rows of B around 2 (MatMulT), inner widths around 4, and the ESU's shape.
func matMulShapes() [][3]int {
	var shapes [][3]int
	for _, m := range []int{0, 1, 3, 4, 5, 8, 9} {
		for _, n := range []int{0, 1, 2, 3, 4, 7, 16, 17, 33} {
			for _, k := range []int{0, 1, 3, 4, 7, 16, 67} {
				shapes = append(shapes, [3]int{m, n, k})
			}
		}
	}
	return append(shapes, [3]int{4, 256, 64}, [3]int{4, 64, 256})
}

func shapeName(name string, s [3]int) string {
	return name + " m=" + strconv.Itoa(s[0]) + " n=" + strconv.Itoa(s[1]) + " k=" + strconv.Itoa(s[2])
}

func TestMatMulEqualsRowByRowAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, s := range matMulShapes() {
		m, n, k := s[0], s[1], s[2]
		a, b := randVec(r, m*k), randVec(r, k*n)
		want := make([]float32, m*n)
		for i := range m {
			for j := range k {
				for c := range n {
					want[i*n+c] += float32(a[i*k+j] * b[j*n+c])
				}
			}
		}
		for _, impl := range implementations() {
			dst := randVec(r, m*n) // overwritten, not accumulated
			impl.matMul(dst, a, b, m, n, k)
			requireSameFloats(t, want, dst, shapeName(impl.name, s))
		}
		got := make([]float32, m*n)
		MatMul(got, a, b, m, n, k)
		requireSameFloats(t, want, got, shapeName("exported MatMul", s))
	}
}

func TestMatMulT(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, s := range matMulShapes() {
		m, n, k := s[0], s[1], s[2]
		a, b := randVec(r, m*k), randVec(r, n*k)
		results := map[string][]float32{}
		for _, impl := range implementations() {
			dst := randVec(r, m*n) // overwritten, not accumulated
			impl.matMulT(dst, a, b, m, n, k)
			for i := range m {
				for j := range n {
					exact, abs := exactDot(a[i*k:(i+1)*k], b[j*k:(j+1)*k])
					require.InDelta(t, exact, float64(dst[i*n+j]), gamma(k)*abs+1e-30, "%s [%d,%d]", shapeName(impl.name, s), i, j)
				}
			}
			results[impl.name] = dst
		}
		got := make([]float32, m*n)
		MatMulT(got, a, b, m, n, k)
		requireSameFloats(t, results[implementations()[len(implementations())-1].name], got, shapeName("exported MatMulT", s))
	}
}

func TestMatMulPanicsOnShortOperands(t *testing.T) {
	for _, impl := range implementations() {
		for name, call := range map[string]func(){
			"MatMul A":  func() { impl.matMul(make([]float32, 8), make([]float32, 7), make([]float32, 8), 2, 4, 4) },
			"MatMul B":  func() { impl.matMul(make([]float32, 8), make([]float32, 8), make([]float32, 15), 2, 4, 4) },
			"MatMulT B": func() { impl.matMulT(make([]float32, 8), make([]float32, 8), make([]float32, 15), 2, 4, 4) },
			"MatMulT C": func() { impl.matMulT(make([]float32, 7), make([]float32, 8), make([]float32, 16), 2, 4, 4) },
		} {
			require.Panics(t, call, impl.name+" "+name)
		}
	}
}

func TestAddRowsEqualsAxpyPerRow(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, cols := range []int{0, 1, 3, 4, 7, 16, 31, 32, 33, 64, 67} {
		for _, rows := range [][]int32{nil, {0}, {4}, {2, 2}, {3, 0, 4, 1, 4, 2}} {
			m := randVec(r, 5*cols)
			if cols > 2 {
				m[1], m[cols+2] = float32(math.Copysign(0, -1)), float32(math.NaN())
			}
			start := randVec(r, cols)
			want := append([]float32(nil), start...)
			for _, row := range rows {
				axpyPortable(1, m[int(row)*cols:int(row+1)*cols], want)
			}
			name := "cols=" + strconv.Itoa(cols) + " rows=" + strconv.Itoa(len(rows))
			for _, impl := range implementations() {
				dst := append([]float32(nil), start...)
				impl.addRows(dst, m, rows)
				requireSameFloats(t, want, dst, impl.name+" "+name)
			}
			got := append([]float32(nil), start...)
			AddRows(got, m, rows)
			requireSameFloats(t, want, got, "exported AddRows "+name)
		}
	}
}

func TestAddRowsPanicsOnRowOutsideMatrix(t *testing.T) {
	for _, impl := range implementations() {
		for _, row := range []int32{-1, 3, 1 << 30} {
			require.Panics(t, func() { impl.addRows(make([]float32, 8), make([]float32, 24), []int32{0, row}) },
				"%s row %d", impl.name, row)
		}
	}
}

func TestExpNonPositiveAccuracy(t *testing.T) {
	// Cephes documents a peak relative error of about 2 ulp for this expf on its range;
	// 3·2⁻²³ leaves a little room and still catches a wrong coefficient or reduction.
	const tol = 3.0 / (1 << 23)
	r := rand.New(rand.NewPCG(13, 14))
	xs := []float32{0, -1e-30, -1e-7, -0.34657359, -0.5, -1, -10, -87, expMin}
	for range 20000 {
		xs = append(xs, float32(-87.3*r.Float64()))
	}
	worst, worstX := 0.0, float32(0)
	for _, x := range xs {
		want := math.Exp(float64(x))
		if e := math.Abs(float64(expNonPositive(x))-want) / want; e > worst {
			worst, worstX = e, x
		}
	}
	t.Logf("worst relative error %.3g (%.2f ulp) at x=%g", worst, worst*(1<<23), worstX)
	require.LessOrEqual(t, worst, tol, "worst relative error at x=%g", worstX)
	require.Zero(t, expNonPositive(expMin-1e-3))
	require.Zero(t, expNonPositive(float32(math.Inf(-1))))
	require.True(t, math.IsNaN(float64(expNonPositive(float32(math.NaN())))))
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range testLengths() {
		if n == 0 {
			continue
		}
		x := randVec(r, n)
		for i := range x {
			x[i] *= 8
		}
		if n > 6 {
			x[2], x[6] = float32(math.Inf(-1)), x[1]-100 // masked entry, entry that underflows
		}
		// Reference in float64 from the same float32 differences x_i − max the kernels
		// form. Each output then carries ≤ 3u from exp, ≤ n·u from the sum, 2u from 1/sum
		// and the product: relative error ≤ (n+5)·u, plus an absolute floor for entries
		// flushed to 0 below e^-87.3.
		hi := x[0]
		for _, v := range x {
			hi = max(hi, v)
		}
		ref := make([]float64, n)
		var sum float64
		for i, v := range x {
			ref[i] = math.Exp(float64(v - hi))
			sum += ref[i]
		}
		results := map[string][]float32{}
		for _, k := range implementations() {
			got := append([]float32(nil), x...)
			k.softmax(got)
			var total float64
			for i := range got {
				want := ref[i] / sum
				if math.Abs(float64(got[i])-want) > float64(n+5)*unitRoundoff*want+1e-37 {
					require.Failf(t, "softmax out of bound", "%s n=%d i=%d: want %g got %g", k.name, n, i, want, got[i])
				}
				total += float64(got[i])
			}
			require.InDelta(t, 1, total, float64(2*n+5)*unitRoundoff, "%s n=%d", k.name, n)
			if n > 6 {
				require.Zero(t, got[2], "%s: exp(-Inf) must be exactly 0", k.name)
				require.Zero(t, got[6], "%s: exp(-100) must flush to 0", k.name)
			}
			results[k.name] = got
		}
		if s, ok := results["simd"]; ok {
			for i := range s {
				if math.Abs(float64(results["portable"][i]-s[i])) > 2*float64(n+5)*unitRoundoff*ref[i]/sum+1e-37 {
					require.Failf(t, "simd and portable softmax differ", "n=%d i=%d: %g vs %g", n, i, results["portable"][i], s[i])
				}
			}
		}
	}
}

func TestSoftmaxSpecialInputs(t *testing.T) {
	for _, k := range implementations() {
		k.softmax(nil)

		one := []float32{-3}
		k.softmax(one)
		require.Equal(t, []float32{1}, one, k.name)

		withNaN := []float32{1, 2, float32(math.NaN()), 4, 5, 6}
		k.softmax(withNaN)
		for _, v := range withNaN {
			require.True(t, math.IsNaN(float64(v)), "%s: NaN must propagate", k.name)
		}
	}
}

// TestExpShifted checks the exported ExpShifted (AVX2, SIMD128 or portable, whichever the build
// selected) against math.Exp within the 3·2⁻²³ relative bound of TestExpNonPositiveAccuracy,
// element for element against the portable loop bit for bit, and its sum within n·ε·Σ.
func TestExpShifted(t *testing.T) {
	const tol = 3.0 / (1 << 23)
	r := rand.New(rand.NewPCG(21, 22))
	ninf, nan := float32(math.Inf(-1)), float32(math.NaN())
	cases := []struct {
		name string
		x    []float32
		hi   float32
	}{
		{"empty", nil, 0},
		{"at the maximum", []float32{2.5}, 2.5},
		{"one of each tail", []float32{0, -1, -2, -3, -4, -5, -6, -7, -8}, 0},
		{"shifted", []float32{3, 2.5, -1, 1e-3, 3, -80, 0.25, 1, 2, 3, -4}, 3},
		{"below the range", []float32{-100, -88, expMin - 1e-3, ninf, 0, -1, -2, -3, -4}, 0},
		{"random 1031", scaledVec(r, 1031, 30), 0},
		{"random 64 shifted", scaledVec(r, 64, 10), 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, want := slices.Clone(c.x), slices.Clone(c.x)
			sum := ExpShifted(got, c.hi)
			wantSum := expShiftedPortable(want, c.hi)
			requireSameFloats(t, want, got, "ExpShifted against the portable loop")
			require.InDelta(t, wantSum, sum, float64(len(got))*unitRoundoff*float64(wantSum))
			for i, x := range c.x {
				exact := math.Exp(float64(x - c.hi))
				if x-c.hi < expMin {
					require.Zero(t, got[i], "x=%g", x)
					continue
				}
				require.InEpsilon(t, exact, float64(got[i]), tol, "x=%g", x)
			}
		})
	}
	withNaN := []float32{-1, nan, -2, -3, -4, -5, -6, -7, -8}
	require.True(t, math.IsNaN(float64(ExpShifted(withNaN, 0))))
	require.True(t, math.IsNaN(float64(withNaN[1])))
}

// scaledVec returns n values in (−scale, 0].
func scaledVec(r *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = -scale * r.Float32()
	}
	return v
}

// TestAdamMatchesPortableBitForBit runs the exported Adam (the AVX2 one where selected) and the
// portable loop on the same state over every tail length, several steps in a row.
func TestAdamMatchesPortableBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	steps := []AdamStep{
		{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, LR: 1e-2, Scale: 1, Inv1: 10, Inv2: 1000},
		{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, LR: 3e-3, WeightDecay: 0.01, Scale: 0.5, Inv1: 5.26, Inv2: 500.25},
		{Beta1: 0.5, Beta2: 0.9, Eps: 1e-6, LR: 1, WeightDecay: 1e-4, Scale: 2, Inv1: 1.14, Inv2: 1.9},
	}
	for _, n := range testLengths() {
		x, m, v := randVec(r, n), randVec(r, n), randVec(r, n)
		for i := range v {
			v[i] *= v[i] // second moments are not negative
		}
		x2, m2, v2 := slices.Clone(x), slices.Clone(m), slices.Clone(v)
		for _, s := range steps {
			g := randVec(r, n)
			Adam(x, g, m, v, s)
			adamPortable(x2, g, m2, v2, s)
			requireSameFloats(t, x2, x, "x, n="+strconv.Itoa(n))
			requireSameFloats(t, m2, m, "m, n="+strconv.Itoa(n))
			requireSameFloats(t, v2, v, "v, n="+strconv.Itoa(n))
		}
	}
}
