//go:build goexperiment.simd && wasm

package fastscan

// implementations lists the kernel versions this build can run: portable and SIMD128.
func implementations() []impl {
	return []impl{portableImpl, {
		name:       "simd",
		scan4:      scan4SIMD,
		scanMulti4: scanMulti4SIMD,
		simdTopK:   true,
		rowRange:   rowRangeSIMD,
	}}
}
