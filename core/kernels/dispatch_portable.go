//go:build !(goexperiment.simd && (wasm || amd64))

package kernels

// SIMD reports whether the exported kernels run SIMD128 code.
const SIMD = false

func dot(a, b []float32) float32                 { return dotPortable(a, b) }
func axpy(alpha float32, x, y []float32)         { axpyPortable(alpha, x, y) }
func matVec(dst, m, x []float32)                 { matVecPortable(dst, m, x) }
func matVecs(dst, m, x []float32, n int)         { matVecsPortable(dst, m, x, n) }
func matTVec(dst, m, x []float32)                { matTVecPortable(dst, m, x) }
func matMul(dst, a, b []float32, m, n, k int)    { matMulPortable(dst, a, b, m, n, k) }
func matMulT(dst, a, b []float32, m, n, k int)   { matMulTPortable(dst, a, b, m, n, k) }
func addRows(dst, m []float32, rows []int32)     { addRowsPortable(dst, m, rows) }
func scale(alpha float32, x []float32)           { scalePortable(alpha, x) }
func add(dst, a, b []float32)                    { addPortable(dst, a, b) }
func mul(dst, a, b []float32)                    { mulPortable(dst, a, b) }
func relu(x []float32)                           { reluPortable(x) }
func softmax(x []float32)                        { softmaxPortable(x) }
func expShifted(x []float32, hi float32) float32 { return expShiftedPortable(x, hi) }
func adam(x, g, m, v []float32, s AdamStep)      { adamPortable(x, g, m, v, s) }
