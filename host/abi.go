package host

import (
	"errors"

	"github.com/seminar-ranker/seminar/core/abi"
)

// The messages are the ABI's own (core/abi); these aliases save Go callers an import.
type (
	Event        = abi.Event
	Item         = abi.Item
	Attr         = abi.Attr
	StoreOptions = abi.StoreOptions
	RankOptions  = abi.RankOptions
	PartWeights  = abi.PartWeights
	RankRequest  = abi.RankRequest
	RankReply    = abi.RankReply
	Timings      = abi.Timings
	ModelInfo    = abi.ModelInfo
	Status       = abi.Status
)

// Status codes of the ABI, for errors.Is.
const (
	StatusOK          = abi.StatusOK
	StatusBadArgument = abi.StatusBadArgument
	StatusBadInput    = abi.StatusBadInput
	StatusOutOfMemory = abi.StatusOutOfMemory
	StatusNotLoaded   = abi.StatusNotLoaded
	StatusInternal    = abi.StatusInternal
)

// StatusError is a failure the module reported: the export, its status and its message (which
// already names the export and the path of the offending field).
type StatusError struct {
	Export  string
	Status  Status
	Message string
}

func (e *StatusError) Error() string { return e.Message + " (" + e.Status.String() + ")" }

// Unwrap returns the status, so that errors.Is(err, StatusBadInput) matches.
func (e *StatusError) Unwrap() error { return e.Status }

// ErrInstanceBroken marks errors after which an instance can no longer be used: a trap, a
// module closed by context cancellation, or an internal error reported by the module.
var ErrInstanceBroken = errors.New("instance broken")

// ErrPoolClosed is returned by a Pool after Close.
var ErrPoolClosed = errors.New("host: pool closed")

// Version is a semantic version, as the module's version export reports it.
type Version struct {
	Major, Minor, Patch uint8
}

// ABIVersion returns the module ABI this package speaks.
func ABIVersion() Version { return unpackVersion(abi.Version) }

func unpackVersion(v uint32) Version {
	return Version{Major: uint8(v >> 16), Minor: uint8(v >> 8), Patch: uint8(v)}
}

func (v Version) packed() uint32 {
	return uint32(v.Major)<<16 | uint32(v.Minor)<<8 | uint32(v.Patch)
}

func (v Version) String() string { return abi.VersionString(v.packed()) }

// compatible reports whether a module of ABI version v serves a host built for want.
func (v Version) compatible(want Version) bool { return abi.Compatible(v.packed(), want.packed()) }

// Features are the capability bits reported by the module's features export.
type Features uint32

// FeatureSIMD128 is set when the module's kernels run WebAssembly SIMD128 code.
const FeatureSIMD128 = Features(abi.FeatureSIMD128)

// SIMD reports whether FeatureSIMD128 is set.
func (f Features) SIMD() bool { return f&FeatureSIMD128 != 0 }
