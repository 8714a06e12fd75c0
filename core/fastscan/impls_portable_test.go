//go:build !(goexperiment.simd && wasm)

package fastscan

// implementations lists the kernel versions this build can run; only the portable one here.
func implementations() []impl { return []impl{portableImpl} }
