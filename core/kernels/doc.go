// Package kernels holds the dense float32 vector kernels that scoring and training spend their
// time in: dot products, axpy, matrix–vector products and element-wise operations.
//
// Every kernel has a portable Go version. Built for wasm with GOEXPERIMENT=simd, the exported
// functions run a SIMD128 version instead (simd/archsimd); the portable ones stay compiled so
// that tests can check the two against each other inside wasm.
//
// Kernels do not check lengths beyond what Go's bounds checks do: callers pass slices of the
// documented lengths.
package kernels
