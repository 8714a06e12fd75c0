//go:build !(goexperiment.simd && wasm)

package retrieval

// dotInt8 is q·(scale·v); this build has only the portable loop.
func dotInt8(q []float32, v []int8, scale float32) float32 { return dotInt8Portable(q, v, scale) }
