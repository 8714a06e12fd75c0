//go:build !(goexperiment.simd && wasm)

package retrieval

// dotInt8Impls lists the versions of dotInt8 this build runs: the portable one only.
var dotInt8Impls = map[string]func([]float32, []int8, float32) float32{
	"portable": dotInt8Portable,
}
