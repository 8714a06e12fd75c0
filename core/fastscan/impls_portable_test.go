//go:build !(goexperiment.simd && (wasm || amd64))

package fastscan

// implementations lists the kernel versions this build can run; only the portable one here.
func implementations() []impl { return []impl{portableImpl} }
