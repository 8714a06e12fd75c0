// Package bench measures ranking through the host, as `seminar bench` reports it: warm rank
// latency of a synthetic lifelong user over history lengths and candidate counts, PQ against
// exact retrieval, the SIMD128 module against the scalar one, wasm against native Go
// (core/retrieval) on the same calls, the cost of each way of cancelling, cold start with and
// without the compilation cache, the instance's linear memory and the module sizes.
//
// Runners of one call are timed in turn, round robin, so that a ratio's two sides share the
// machine's noise. Run returns the figures as a Report; WriteMarkdown renders it.
package bench
