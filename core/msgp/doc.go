// Package msgp reads and writes MessagePack (https://msgpack.org/) without reflection, for the
// schema-specific codecs of the wasm module, where a reflection-based codec would not fit the
// size budget.
//
// A Writer appends values to a byte slice, always in the smallest encoding. A Reader walks a byte
// slice value by value; every read checks the input and returns an error, never panics, and
// leaves the Reader where it was when it fails. Lengths are checked against the bytes left and
// against explicit Limits before anything is allocated.
//
// Extension types are not decoded, only skipped.
package msgp
