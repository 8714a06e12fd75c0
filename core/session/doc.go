// Package session is what one scoring instance holds: a model, its product-quantization codec,
// and one user's events, with the operations of the ABI (core/abi) over them — load a model,
// load, append or truncate events, save and restore the event store, rank. The module (wasm/)
// decodes requests, calls a Session and encodes its replies; a native caller (the CLI's native
// path, tests) calls the same Session, so both validate alike and rank alike.
//
// Every error a Session returns is an *abi.Error with the status the module reports.
package session
