// Package kernelbench times the retrieval kernels inside wasm: it runs the benchmark-only
// module of cmd/seminar-kernels beside the reference kernels of
// ../shared/reference/fastscan_ref.wasm in one wazero runtime (the compiler, never the
// interpreter, whose times mean nothing here), so that the project's kernels and the reference
// are timed in the same run on the same inputs.
//
// It is a raw embedding, apart from package host: the kernels module speaks its own small
// ABI (alloc, load, gsu, scan4, scan_multi4), not the scoring module's.
package kernelbench
