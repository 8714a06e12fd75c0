// Command wasm is the SEMINAR scoring module: a WASI preview-1 reactor whose exports are the
// ABI of docs/abi.md. It is glue: it moves bytes across the boundary, decodes requests with
// core/abi, calls a core/session.Session and encodes its replies; the messages, their limits
// and every rule about them live in core/abi and core/session.
//
// Built with -buildmode=c-shared for GOOS=wasip1, the embedder calls _initialize once and then
// the exports. Every fallible export rewrites the status block (status, error message, reply)
// before it returns, turns a Go panic into status −5 (internal) and yields to the Go scheduler:
// in a single-threaded module nothing else lets the garbage collector's background goroutines
// run (docs/abi.md, "Memory").
//
// The module keeps its state in package-level variables on purpose: one wasm instance is one
// process, so the instance itself is the unit of state and isolation.
package main
