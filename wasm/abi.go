package main

import "github.com/seminar-ranker/seminar/core/abi"

// Status codes as the exports return them.
const (
	statusOK          = int32(abi.StatusOK)
	statusBadArgument = int32(abi.StatusBadArgument)
	statusInternal    = int32(abi.StatusInternal)
	statusOutOfMemory = int32(abi.StatusOutOfMemory)
)

// gcFreeThreshold is the size from which freeing a buffer runs the garbage collector. Buffers
// that large carry model files and event logs, freed rarely.
const gcFreeThreshold = 1 << 20

// allocAlign is the alignment of every alloc buffer: enough for any scalar the embedder may
// write into it.
const allocAlign = 8

// allocLimit bounds the bytes held by live alloc buffers, so that an embedder that leaks or
// asks for too much gets an out-of-memory status rather than exhausting linear memory (a fatal
// runtime error, a trap, that no status can report).
const allocLimit = abi.AllocLimit
