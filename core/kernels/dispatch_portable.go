//go:build !(goexperiment.simd && wasm)

package kernels

// SIMD reports whether the exported kernels run SIMD128 code.
const SIMD = false

func dot(a, b []float32) float32         { return dotPortable(a, b) }
func axpy(alpha float32, x, y []float32) { axpyPortable(alpha, x, y) }
