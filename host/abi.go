package host

import (
	"errors"
	"strconv"
)

// Status is a code returned by the module's fallible exports. Status values other than
// StatusOK are errors, so that errors.Is(err, StatusOutOfMemory) matches a *StatusError.
type Status int32

// Status codes of the ABI (docs/abi.md).
const (
	StatusOK          Status = 0
	StatusBadArgument Status = -1 // a pointer, length or size the ABI does not allow
	StatusBadInput    Status = -2 // bytes that do not decode to a valid message
	StatusOutOfMemory Status = -3 // the module's allocation limit would be exceeded
	StatusNotLoaded   Status = -4 // a call that needs a model or events before they are loaded
	StatusInternal    Status = -5 // a panic inside the module; the instance is discarded
)

func (s Status) Error() string {
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
	default:
		return "status " + strconv.Itoa(int(s))
	}
}

// StatusError is a failure the module reported: the export, its status and its message.
type StatusError struct {
	Export  string
	Status  Status
	Message string
}

func (e *StatusError) Error() string {
	return "host: " + e.Export + ": " + e.Status.Error() + ": " + e.Message
}

func (e *StatusError) Unwrap() error { return e.Status }

// ErrInstanceBroken marks errors after which an instance can no longer be used: a trap, a
// module closed by context cancellation, or an internal error reported by the module.
var ErrInstanceBroken = errors.New("instance broken")

// ErrPoolClosed is returned by a Pool after Close.
var ErrPoolClosed = errors.New("host: pool closed")

// Version is a semantic version, as reported by the module's version export.
type Version struct {
	Major, Minor, Patch uint8
}

// abiVersion is the module ABI this package speaks, packed as the version export packs it.
const abiVersion = 0<<16 | 2<<8 | 0

// ABIVersion returns the module ABI version this package speaks.
func ABIVersion() Version { return unpackVersion(abiVersion) }

func unpackVersion(v uint32) Version {
	return Version{Major: uint8(v >> 16), Minor: uint8(v >> 8), Patch: uint8(v)}
}

func (v Version) String() string {
	return strconv.Itoa(int(v.Major)) + "." + strconv.Itoa(int(v.Minor)) + "." + strconv.Itoa(int(v.Patch))
}

// compatible reports whether a module of ABI version v can serve a host built for want:
// the same major and at least the wanted minor, and, while the major is 0, the same minor.
func (v Version) compatible(want Version) bool {
	if v.Major != want.Major {
		return false
	}
	if v.Major == 0 {
		return v.Minor == want.Minor
	}
	return v.Minor >= want.Minor
}

// Features are the capability bits reported by the module's features export.
type Features uint32

// FeatureSIMD128 is set when the module's kernels run WebAssembly SIMD128 code.
const FeatureSIMD128 Features = 1 << 0

// SIMD reports whether FeatureSIMD128 is set.
func (f Features) SIMD() bool { return f&FeatureSIMD128 != 0 }
