// Package kernels holds the dense float32 vector kernels that scoring and training spend their
// time in: dot products, axpy, matrix–vector and matrix–matrix products, sums of table rows,
// element-wise operations and softmax.
//
// Every kernel has a portable Go version. Built for wasm with GOEXPERIMENT=simd, the exported
// functions run a SIMD128 version instead (simd/archsimd); the portable ones stay compiled so
// that tests can check the two against each other inside wasm. Built for amd64 with
// GOEXPERIMENT=simd, they run AVX2 versions when the CPU has AVX2 and FMA (checked once at
// start-up; otherwise the portable ones), which native training and ranking use.
//
// Element-wise kernels (Axpy, Scale, Add, Mul, ReLU, MatTVec, MatMul, AddRows) give
// bit-identical results in both versions: each output element sees the same float32 operations
// in the same order. Reductions (Dot, MatVec, MatMulT, the sum inside Softmax) add in a
// different order in the SIMD version, so the two agree to within the usual summation error
// bound, n·ε·Σ|terms|. The amd64 reductions also use fused multiply–adds, which only tighten
// that bound.
//
// The matrix kernels (MatMul, MatMulT, AddRows) exist because Go's wasm code pays for every
// call and loop iteration: one call over a block of rows replaces a Dot or Axpy per row, and
// their SIMD versions keep a block of results in registers so each vector loaded serves
// several products.
//
// The portable code rounds every product to float32 before adding it, so a compiler that
// fuses multiply–add (arm64) cannot make native results drift from the wasm ones.
//
// Kernels do not check lengths beyond what Go's bounds checks do: callers pass slices of the
// documented lengths. The SIMD versions re-slice their inputs to the lengths they touch before
// reading through pointers, so a short slice panics in both versions alike.
package kernels
