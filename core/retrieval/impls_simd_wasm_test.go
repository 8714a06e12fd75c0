//go:build goexperiment.simd && wasm

package retrieval

// dotInt8Impls lists the versions of dotInt8 this build runs: portable and SIMD128.
var dotInt8Impls = map[string]func([]float32, []int8, float32) float32{
	"portable": dotInt8Portable,
	"simd":     dotInt8SIMD,
}
