package kernels

// Dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as long as a.
func Dot(a, b []float32) float32 { return dot(a, b) }

// Axpy computes y[i] += alpha·x[i] over len(x) elements; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { axpy(alpha, x, y) }

// MatVec computes dst = M·x where M is row-major with len(dst) rows and len(x) columns.
func MatVec(dst, m, x []float32) { matVec(dst, m, x) }

// MatTVec computes dst = Mᵀ·x where M is row-major with len(x) rows and len(dst) columns.
func MatTVec(dst, m, x []float32) { matTVec(dst, m, x) }

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
