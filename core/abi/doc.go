// Package abi is the contract between the scoring module and every embedder: the messages that
// cross the module's boundary (events, rank requests and replies, store options, model
// information), their MessagePack encoding, their limits, the status codes and the ABI
// version. It is defined once, here, and imported by the module (wasm/), the Go host (host/),
// the server and the CLI; the field tables of docs/abi.md and the TypeScript declarations of
// the web package are generated from it (package abi/abigen) and checked against it by tests.
//
// The codec reads and writes MessagePack with core/msgp, without reflection, so that it fits
// the module's size budget and costs the host nothing per field. Decoding checks every value
// against the limits and the rules of the ABI, so that the module and a native caller reject
// the same inputs with the same messages.
//
// A zero value means "the default" throughout: a zero RankOptions ranks with the model's
// codec, its top K, merged heads and the default refine; an absent part weight weighs 1.
package abi
