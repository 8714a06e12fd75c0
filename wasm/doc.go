// Command wasm is the SEMINAR scoring module: a WASI preview-1 reactor whose exports are the ABI
// described in docs/abi.md. It holds no logic of its own beyond moving bytes across the
// boundary, calling core and reporting status.
//
// Built with -buildmode=c-shared for GOOS=wasip1, the embedder calls _initialize once and then
// the exports. The ABI in brief:
//
//	version() -> u32                 ABI version, major<<16 | minor<<8 | patch
//	features() -> u32                bit flags; bit 0: the kernels run SIMD128
//	status_block() -> u32            address of the status block (below), fixed per instance
//	alloc(size u32) -> ptr u32       an 8-byte-aligned buffer for the embedder to fill; 0 on
//	                                 failure (the status block says why)
//	free(ptr u32) -> status i32      releases a buffer from alloc; free(0) is a no-op
//	dot_smoke(ptr, len u32) -> status i32
//	                                 reply: the float32 Σ x² over the len/4 little-endian
//	                                 float32 at ptr
//
// Every fallible export (alloc, free and those that take a request) rewrites the status block
// before it returns: five little-endian 32-bit words — status, error message ptr and len
// (UTF-8, empty on success), reply ptr and len. A reply stays valid until the next call of an
// export that produces one (alloc and free leave it alone). Pointers passed to exports must be
// the start of a live alloc buffer; a zero-length input may pass any pointer.
//
// Status codes: 0 ok, -1 bad argument, -2 bad input, -3 out of memory, -4 not loaded,
// -5 internal. A Go panic inside an export is recovered and reported as internal; after an
// internal status the embedder should discard the instance. A fatal Go runtime error (linear
// memory exhausted, say) still traps.
//
// Every fallible export yields to the Go scheduler before it returns: in a single-threaded
// module nothing else lets the garbage collector's background goroutines run (docs/abi.md).
//
// The module keeps its state in package-level variables on purpose: one wasm instance is one
// process, so the instance itself is the unit of state and isolation.
package main
