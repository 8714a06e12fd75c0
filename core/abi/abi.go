package abi

import "strconv"

// The ABI version, which the module's version export reports as Major<<16 | Minor<<8 | Patch.
// An embedder accepts a module of the same major version and at least the minor it was
// written for.
const (
	Major = 1
	Minor = 0
	Patch = 0
)

// Version is the packed ABI version.
const Version = Major<<16 | Minor<<8 | Patch

// VersionString returns the version as "major.minor.patch".
func VersionString(v uint32) string {
	return strconv.Itoa(int(v>>16&0xff)) + "." + strconv.Itoa(int(v>>8&0xff)) + "." + strconv.Itoa(int(v&0xff))
}

// Compatible reports whether a module reporting version got serves an embedder written for
// want: the same major and at least the wanted minor (the same minor while the major is 0).
func Compatible(got, want uint32) bool {
	major, minor := got>>16&0xff, got>>8&0xff
	if major != want>>16&0xff {
		return false
	}
	if major == 0 {
		return minor == want>>8&0xff
	}
	return minor >= want>>8&0xff
}

// FeatureSIMD128 is the bit of the features export set when the module's kernels run
// WebAssembly SIMD128.
const FeatureSIMD128 uint32 = 1 << 0

// Status is the code a fallible export returns.
type Status int32

// The status codes.
const (
	StatusOK          Status = 0
	StatusBadArgument Status = -1 // a pointer, length or size the ABI does not allow
	StatusBadInput    Status = -2 // bytes that do not decode to a valid message
	StatusOutOfMemory Status = -3 // the allocation limit would be exceeded
	StatusNotLoaded   Status = -4 // a call that needs a model before one is loaded
	StatusInternal    Status = -5 // a recovered panic: discard the instance
)

// String returns the status's name.
func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusBadArgument:
		return "bad argument"
	case StatusBadInput:
		return "bad input"
	case StatusOutOfMemory:
		return "out of memory"
	case StatusNotLoaded:
		return "not loaded"
	case StatusInternal:
		return "internal error"
	}
	return "status " + strconv.Itoa(int(s))
}

// Error lets a Status be an error, so that errors.Is(err, StatusBadInput) matches an *Error.
func (s Status) Error() string { return s.String() }

// Error is a failure with its status: what the module reports, and what a native caller of
// the same validation gets.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the status, for errors.Is.
func (e *Error) Unwrap() error { return e.Status }

// Errorf is an *Error with status s and message msg.
func newError(s Status, msg string) *Error { return &Error{Status: s, Message: msg} }

// BadInput returns an *Error of StatusBadInput.
func BadInput(msg string) *Error { return newError(StatusBadInput, msg) }

// NotLoaded returns an *Error of StatusNotLoaded.
func NotLoaded(msg string) *Error { return newError(StatusNotLoaded, msg) }

// Limits of the ABI. They bound what one call decodes and keeps, so that no input makes the
// module allocate beyond its memory.
const (
	// MaxRequestBytes bounds the input of load_events, append_events and rank; the Go host
	// splits larger loads into several calls.
	MaxRequestBytes = 64 << 20
	// MaxCandidates bounds the candidates of one rank request.
	MaxCandidates = 4096
	// MaxEvents bounds the events held, across loads, appends and load_store.
	MaxEvents = 1 << 20
	// MaxExactFloats bounds the float32 values of the exact event vectors (events × d).
	MaxExactFloats = 1 << 26
	// MaxStringBytes bounds an id, a query, an attribute field or value.
	MaxStringBytes = 1 << 12
	// MaxTextBytes bounds an item's text.
	MaxTextBytes = 1 << 20
	// MaxAttrs bounds the attributes of one item.
	MaxAttrs = 256
	// MaxDenseSlots bounds the dense modalities of an item.
	MaxDenseSlots = 16
	// MaxDenseValue bounds the magnitude of a dense feature: features are embeddings or
	// normalised values, and the bound keeps every encoded vector within what the PQ codes
	// can hold.
	MaxDenseValue = 1e6
	// MaxTopK bounds RankOptions.K and Shortlist.
	MaxTopK = 1 << 16
	// AllocLimit bounds the bytes of the module's live alloc buffers.
	AllocLimit = 256 << 20
	// MaxTimeSpan is the latest an event may come after the first one held, in seconds: the
	// store keeps 39-bit time offsets.
	MaxTimeSpan = 1<<39 - 1
)
