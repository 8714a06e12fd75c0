// Package host runs the SEMINAR scoring module (a WASI preview-1 reactor, see docs/abi.md) in
// native Go programs through wazero.
//
// A Runtime compiles the module once, preferring the SIMD128 build and falling back to the
// portable one where SIMD does not compile or instantiate. An Instance is one instantiation
// with typed methods over the module's exports; it is not safe for concurrent use. A Pool
// hands instances to concurrent callers, runs a setup function on every new instance (to load
// a model, say), and replaces an instance whose call trapped, was cancelled or reported an
// internal error, so that one failed call never affects other callers.
//
// Errors the module reports carry a Status (errors.Is(err, StatusBadArgument), …). Errors
// that leave an instance unusable wrap ErrInstanceBroken and, where one applies, the cause
// (context.Canceled, context.DeadlineExceeded, or wazero's exit error).
package host
