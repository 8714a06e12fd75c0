package kernels

// Dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as long as a.
func Dot(a, b []float32) float32 { return dot(a, b) }

// Axpy computes y[i] += alpha·x[i] over len(x) elements; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { axpy(alpha, x, y) }

// MatVec computes dst = M·x where M is row-major with len(dst) rows and len(x) columns.
func MatVec(dst, m, x []float32) { matVec(dst, m, x) }

// MatVecs computes n matrix–vector products with one matrix: row i of dst (n×rows) is M·x_i,
// x_i being row i of x (n×cols), M row-major rows×cols. Each row is MatVec(dst_i, M, x_i) with
// the same float32 operations in the same order; the rows of M loaded serve several vectors.
// n ≤ 0 does nothing.
func MatVecs(dst, m, x []float32, n int) { matVecs(dst, m, x, n) }

// MatTVec computes dst = Mᵀ·x where M is row-major with len(x) rows and len(dst) columns.
func MatTVec(dst, m, x []float32) { matTVec(dst, m, x) }

// MatMul computes dst = A·B where A is m×k, B is k×n and dst is m×n, all row-major. Row i of
// dst is MatTVec(dst_i, B, a_i), with the same float32 operations in the same order.
func MatMul(dst, a, b []float32, m, n, k int) { matMul(dst, a, b, m, n, k) }

// MatMulT computes dst = A·Bᵀ where A is m×k, B is n×k and dst is m×n, all row-major:
// dst[i·n+j] is the dot product of row i of A and row j of B.
func MatMulT(dst, a, b []float32, m, n, k int) { matMulT(dst, a, b, m, n, k) }

// AddRows adds rows of M to dst, one after the other in the order listed, where M is row-major
// with len(dst) columns: the same float32 operations as an Axpy(1, row, dst) per row.
func AddRows(dst, m []float32, rows []int32) { addRows(dst, m, rows) }

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) { scale(alpha, x) }

// Add computes dst[i] = a[i] + b[i] over len(dst) elements.
func Add(dst, a, b []float32) { add(dst, a, b) }

// Mul computes dst[i] = a[i]·b[i] over len(dst) elements.
func Mul(dst, a, b []float32) { mul(dst, a, b) }

// ReLU computes x[i] = max(x[i], 0) in place.
func ReLU(x []float32) { relu(x) }

// Softmax replaces x by softmax(x) = exp(x[i]−max) / Σ exp(x[j]−max). Subtracting the maximum
// keeps exp from overflowing; entries more than ~87 below the maximum (−Inf included) become
// exactly 0. An empty x is left alone; a NaN anywhere makes every output NaN.
func Softmax(x []float32) { softmax(x) }

// ExpShifted replaces x[i] by e^(x[i]−hi) and returns Σ of the results, for hi ≥ every x[i]
// (a softmax's maximum): the exponentials of softmax and cross-entropy, which math.Exp made the
// largest cost of training. Each result is within 2 ulp of e^(x[i]−hi) and bit-identical in
// every build; entries more than ~87 below hi (−Inf included) become exactly 0 and a NaN stays
// NaN. The sum adds in a different order in the SIMD versions (within n·ε·Σ).
func ExpShifted(x []float32, hi float32) float32 { return expShifted(x, hi) }

// AdamStep holds the scalars of one Adam update (core/optim): β₁, β₂, ε, the learning rate, the
// decoupled weight decay, the gradient scale of clipping and the bias corrections
// 1/(1−β₁ᵗ) and 1/(1−β₂ᵗ).
type AdamStep struct {
	Beta1, Beta2, Eps, LR, WeightDecay, Scale, Inv1, Inv2 float32
}

// Adam applies one Adam step to x with moments m and v from gradient g (all of len(x)):
// g' = Scale·g, m ← β₁m + (1−β₁)g', v ← β₂v + ((1−β₂)g')g', x ← x − LR·(m·Inv1/(√(v·Inv2) + ε)
// + WeightDecay·x). Every element sees the same float32 operations in the same order, rounded
// one by one, in every build, so the SIMD version is bit-identical to the portable one.
func Adam(x, g, m, v []float32, s AdamStep) { adam(x, g, m, v, s) }
