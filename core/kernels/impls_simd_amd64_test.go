//go:build goexperiment.simd && amd64

package kernels

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// implementations lists the kernel sets this build can run: portable, and AVX2 when the CPU
// has it (the last one listed is the one the exported functions use).
func implementations() []impl {
	if !SIMD {
		return []impl{portableImpl}
	}
	return []impl{portableImpl, {
		name:    "simd",
		dot:     dotAVX2,
		axpy:    axpyAVX2,
		matVec:  matVecAVX2,
		matVecs: matVecsAVX2,
		matTVec: matTVecAVX2,
		matMul:  matMulAVX2,
		matMulT: matMulTAVX2,
		addRows: addRowsAVX2,
		scale:   scaleAVX2,
		add:     addAVX2,
		mul:     mulAVX2,
		relu:    reluPortable,
		softmax: softmaxAVX2,
	}}
}

func TestExpShiftedAVX2MatchesScalarBitForBit(t *testing.T) {
	if !SIMD {
		t.Skip("no AVX2+FMA on this CPU")
	}
	r := rand.New(rand.NewPCG(11, 12))
	xs := []float32{0, float32(math.Copysign(0, -1)), -1e-30, -0.5, -1, expMin, expMin - 1e-4,
		-88, -100, float32(math.Inf(-1))}
	for range 4001 {
		xs = append(xs, -90*r.Float32())
	}
	for _, hi := range []float32{0, 3.5} {
		got := make([]float32, len(xs))
		want := make([]float32, len(xs))
		var sum float64
		for i, v := range xs {
			got[i] = v + hi
			want[i] = expNonPositive(got[i] - hi)
			sum += float64(want[i])
		}
		gotSum := expShiftedAVX2(got, hi)
		requireSameFloats(t, want, got, "exp lanes")
		require.InDelta(t, sum, float64(gotSum), float64(len(xs))*unitRoundoff*sum)
	}

	withNaN := []float32{-1, float32(math.NaN()), -2, -3, -4, -5, -6, -7, -8}
	require.True(t, math.IsNaN(float64(expShiftedAVX2(withNaN, 0))))
	require.True(t, math.IsNaN(float64(withNaN[1])))
}

// avx2Sizes covers every tail around the AVX2 strides (8, 16 and 32 floats) and long vectors.
func avx2Sizes() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 95, 96, 97, 127, 128, 129, 255, 1000, 1031)
}

// TestAVX2AgainstPortable compares each AVX2 kernel with the portable one over shapes that
// reach every tail of its blocks. Kernels documented as repeated Axpy (axpy, MatTVec, MatMul,
// AddRows) and the element-wise ones must agree bit for bit. The dot-product family sums in
// another order with fused multiply-adds: each result is within γ_k·Σ|a_i·b_i| of the exact
// dot product (Higham), so the two differ by at most twice that.
func TestAVX2AgainstPortable(t *testing.T) {
	if !SIMD {
		t.Skip("no AVX2+FMA on this CPU")
	}
	r := rand.New(rand.NewPCG(31, 32))
	near := func(t *testing.T, want, got float32, a, b []float32, msg string) {
		t.Helper()
		_, abs := exactDot(a, b)
		require.InDelta(t, float64(want), float64(got), 2*gamma(len(a))*abs+1e-30, msg)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, n int)
	}{
		{"dot", func(t *testing.T, n int) {
			a, b := randVec(r, n), randVec(r, n)
			near(t, dotPortable(a, b), dotAVX2(a, b), a, b, "dot")
		}},
		{"axpy", func(t *testing.T, n int) {
			x, y := randVec(r, n), randVec(r, n)
			want := append([]float32(nil), y...)
			axpyPortable(-1.25, x, want)
			axpyAVX2(-1.25, x, y)
			requireSameFloats(t, want, y, "axpy")
		}},
		{"elementwise", func(t *testing.T, n int) {
			a, b := randVec(r, n), randVec(r, n)
			want, got := make([]float32, n), make([]float32, n)
			addPortable(want, a, b)
			addAVX2(got, a, b)
			requireSameFloats(t, want, got, "add")
			mulPortable(want, a, b)
			mulAVX2(got, a, b)
			requireSameFloats(t, want, got, "mul")
			scalePortable(0.3, want)
			scaleAVX2(0.3, got)
			requireSameFloats(t, want, got, "scale")
		}},
		{"matVec and matVecs", func(t *testing.T, cols int) {
			for _, rows := range []int{1, 3, 4, 5, 9} {
				m, x := randVec(r, rows*cols), randVec(r, 3*cols)
				want, got := make([]float32, 3*rows), make([]float32, 3*rows)
				matVecsPortable(want, m, x, 3)
				matVecsAVX2(got, m, x, 3)
				for v := range 3 {
					for i := range rows {
						near(t, want[v*rows+i], got[v*rows+i], m[i*cols:(i+1)*cols], x[v*cols:(v+1)*cols], "matVecs")
					}
				}
			}
		}},
		{"matTVec", func(t *testing.T, cols int) {
			for _, rows := range []int{1, 3, 4, 5, 9} {
				m, x := randVec(r, rows*cols), randVec(r, rows)
				want, got := make([]float32, cols), make([]float32, cols)
				matTVecPortable(want, m, x)
				matTVecAVX2(got, m, x)
				requireSameFloats(t, want, got, "matTVec")
			}
		}},
		{"matMul", func(t *testing.T, n int) {
			for _, mk := range [][2]int{{1, 3}, {4, 1}, {4, 9}, {5, 16}, {9, 2}} {
				m, k := mk[0], mk[1]
				a, b := randVec(r, m*k), randVec(r, k*n)
				want, got := make([]float32, m*n), make([]float32, m*n)
				matMulPortable(want, a, b, m, n, k)
				matMulAVX2(got, a, b, m, n, k)
				requireSameFloats(t, want, got, "matMul")
			}
		}},
		{"matMulT", func(t *testing.T, k int) {
			for _, mn := range [][2]int{{1, 1}, {4, 2}, {4, 3}, {5, 4}, {9, 7}} {
				m, n := mn[0], mn[1]
				a, b := randVec(r, m*k), randVec(r, n*k)
				want, got := make([]float32, m*n), make([]float32, m*n)
				matMulTPortable(want, a, b, m, n, k)
				matMulTAVX2(got, a, b, m, n, k)
				for i := range m {
					for j := range n {
						near(t, want[i*n+j], got[i*n+j], a[i*k:(i+1)*k], b[j*k:(j+1)*k], "matMulT")
					}
				}
			}
		}},
		{"addRows", func(t *testing.T, cols int) {
			m := randVec(r, 4*cols)
			rows := []int32{3, 0, 3, 1, 2}
			want, got := randVec(r, cols), make([]float32, cols)
			copy(got, want)
			addRowsPortable(want, m, rows)
			addRowsAVX2(got, m, rows)
			requireSameFloats(t, want, got, "addRows")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range avx2Sizes() {
				t.Run(strconv.Itoa(n), func(t *testing.T) { tt.run(t, n) })
			}
		})
	}
}

// Every kernel on the exported path must allocate nothing.
func TestAVX2KernelsDoNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	a, b, dst := randVec(r, 64*67), randVec(r, 67*64), make([]float32, 64*64)
	allocs := testing.AllocsPerRun(10, func() {
		Dot(a[:67], b[:67])
		Axpy(2, a[:67], dst[:67])
		MatVec(dst[:64], a[:64*67], b[:67])
		MatVecs(dst[:128], a[:64*67], b[:134], 2)
		MatTVec(dst[:67], a[:64*67], b[:64])
		MatMul(dst, a[:64*67], b[:67*64], 64, 64, 67)
		MatMulT(dst, a[:64*67], b[:64*67], 64, 64, 67)
		AddRows(dst[:67], a[:64*67], []int32{1, 5})
		Softmax(dst[:67])
	})
	require.Zero(t, allocs)
}
