// Package data defines the records SEMINAR learns from and ranks over: multi-modal items, and
// users' time-ordered sequences of search and browse events.
//
// It holds only the types, their validation (with the size limits every dataset obeys), the
// leave-one-out split and summary statistics, so that the wasm module can use them without
// linking file formats or dataset converters. Those live in sub-packages: datafile (the on-disk
// format), convert (public datasets) and synth (generated users with planted interests).
package data
