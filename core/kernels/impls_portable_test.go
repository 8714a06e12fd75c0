//go:build !(goexperiment.simd && (wasm || amd64))

package kernels

// implementations lists the kernel sets this build can run; only the portable one here.
func implementations() []impl {
	return []impl{portableImpl}
}
