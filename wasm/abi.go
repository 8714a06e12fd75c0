package main

// The ABI version, reported by version() as major<<16 | minor<<8 | patch. While major is 0,
// a minor change may break embedders; the host accepts only its own major.minor.
const (
	abiMajor = 0
	abiMinor = 2
	abiPatch = 0
)

// Bits of features().
const featureSIMD128 uint32 = 1 << 0

// Status codes returned by fallible exports. Every negative status comes with a message in
// last_error.
const (
	statusOK          int32 = 0
	statusBadArgument int32 = -1 // a pointer, length or size the ABI does not allow
	statusBadInput    int32 = -2 // bytes that do not decode to a valid message
	statusOutOfMemory int32 = -3 // the allocation limit would be exceeded
	statusNotLoaded   int32 = -4 // a call that needs a model or events before they are loaded
	statusInternal    int32 = -5 // a recovered panic: the instance should be discarded
)

// allocLimit bounds the bytes held by live alloc buffers, so that an embedder that leaks or
// asks for too much gets an out-of-memory status rather than exhausting linear memory (which
// is a fatal runtime error, a trap, that no status can report).
const allocLimit = 256 << 20

// gcFreeThreshold is the size from which freeing a buffer runs the garbage collector. Buffers
// that large carry model files and event logs, freed rarely.
const gcFreeThreshold = 1 << 20

// allocAlign is the alignment of every alloc buffer: enough for any scalar the embedder may
// write into it.
const allocAlign = 8

// Limits of the request exports (docs/abi.md). They bound what one call decodes and keeps, so
// that no input can make the module allocate beyond what its memory limit allows.
const (
	// maxRequestBytes bounds the input of load_events, append_events and rank.
	maxRequestBytes = 64 << 20
	// maxCandidates bounds the candidates of one rank request.
	maxCandidates = 4096
	// maxEvents bounds the events the module holds for one user, across load_events,
	// append_events and load_store.
	maxEvents = 1 << 20
	// maxExactFloats bounds the float32 values of the exact event vectors (events × model
	// width) kept for exact ranking: 256 MiB.
	maxExactFloats = 1 << 26
)
