// Package server is `seminar serve`: the scoring module behind an HTTP API, for devices that
// cannot run it themselves (no WebAssembly, too little memory, a first visit before the
// history syncs). It ranks through host.Pool, so a server answer equals the on-device one for
// the same history, and it keeps each user's history in a store.Store as PQ codes — the same
// snapshot-plus-segments format the web and mobile embedders keep.
//
// Routes (docs/serve.md has the reference and curl examples):
//
//	POST   /v1/users/{id}/events   append events to the user's history
//	POST   /v1/users/{id}/rank     rank candidates against the user's history
//	GET    /v1/users/{id}/history  export the history as one store snapshot
//	DELETE /v1/users/{id}/history  forget the user
//	POST   /v1/rank                stateless: the request carries the history
//	POST   /v1/admin/model         replace the model (admin token), dropping no request
//	GET    /v1/model               the model's description
//	GET    /healthz, /readyz, /metrics
//
// Bodies are JSON or MessagePack by Content-Type and Accept, in the field names of core/abi.
// Errors are RFC 9457 problem documents that carry the module's status and message.
//
// Every route that reaches an instance is admitted against a bound of the pool's size plus a
// short queue; past it the server answers 429 with Retry-After rather than queue without end.
// Each request has a deadline. A model reload builds a new pool beside the old one and swaps
// them: requests that started on the old model finish on it, then the old pool closes.
package server
