// Package data defines the records SEMINAR learns from and ranks over: multi-modal items, and
// users' time-ordered sequences of search and browse events.
//
// It holds only the types, their validation and the splits, so that the wasm module can use them
// without linking file formats or dataset converters (those live in sub-packages).
package data
