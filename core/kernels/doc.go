// Package kernels holds the dense float32 vector kernels that scoring and training spend their
// time in: dot products, axpy, matrix–vector products, element-wise operations and softmax.
//
// Every kernel has a portable Go version. Built for wasm with GOEXPERIMENT=simd, the exported
// functions run a SIMD128 version instead (simd/archsimd); the portable ones stay compiled so
// that tests can check the two against each other inside wasm.
//
// Element-wise kernels (Axpy, Scale, Add, Mul, ReLU, MatTVec) give bit-identical results in
// both versions: each output element sees the same float32 operations in the same order.
// Reductions (Dot, MatVec, the sum inside Softmax) add in a different order in the SIMD
// version, so the two agree to within the usual summation error bound, n·ε·Σ|terms|.
// The portable code rounds every product to float32 before adding it, so a compiler that
// fuses multiply–add (arm64) cannot make native results drift from the wasm ones.
//
// Kernels do not check lengths beyond what Go's bounds checks do: callers pass slices of the
// documented lengths. The SIMD versions re-slice their inputs to the lengths they touch before
// reading through pointers, so a short slice panics in both versions alike.
package kernels
