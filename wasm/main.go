// Command wasm is the SEMINAR scoring module: a WASI reactor whose exports are the ABI described
// in docs/abi.md. It holds no logic of its own beyond decoding requests, calling core and
// encoding replies.
package main

func main() {}
