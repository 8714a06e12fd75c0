package kernels

// Dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as long as a.
func Dot(a, b []float32) float32 { return dot(a, b) }

// Axpy computes y[i] += alpha·x[i] over len(x) elements; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { axpy(alpha, x, y) }

// MatVec computes dst = M·x where M is row-major with len(dst) rows and len(x) columns.
func MatVec(dst, m, x []float32) {
	cols := len(x)
	for r := range dst {
		dst[r] = dot(m[r*cols:r*cols+cols], x)
	}
}

// MatTVec computes dst = Mᵀ·x where M is row-major with len(x) rows and len(dst) columns.
func MatTVec(dst, m, x []float32) {
	cols := len(dst)
	clear(dst)
	for r, xr := range x {
		axpy(xr, m[r*cols:r*cols+cols], dst)
	}
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
