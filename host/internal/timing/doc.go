// Package timing holds the measuring rules the benchmarks share: quantiles of repeated timings,
// and the interleaved timing of calls compared with one another on a shared, noisy machine.
package timing
