package store

import (
	"context"
	"errors"
)

// ErrConflict reports that the history changed between Load and a write that named its
// sequence: reload and try again.
var ErrConflict = errors.New("store: history changed concurrently")

// History is one user's stored history.
type History struct {
	// Snapshot is the binary store covering the first Base segments; nil when the user has
	// none yet.
	Snapshot []byte
	// Segments are the segments appended after the snapshot, oldest first.
	Segments [][]byte
	// Seq is the number of segments ever appended: the version the next Append names.
	Seq uint64
	// Base is the Seq at which Snapshot was taken; Seq − Base = len(Segments).
	Base uint64
}

// Empty reports whether the user has nothing stored.
func (h *History) Empty() bool { return h.Snapshot == nil && len(h.Segments) == 0 }

// Bytes returns the stored size of the history.
func (h *History) Bytes() int {
	n := len(h.Snapshot)
	for _, s := range h.Segments {
		n += len(s)
	}
	return n
}

// Store keeps users' histories. Implementations are safe for concurrent use; every write is
// durable when it returns without error.
type Store interface {
	// Load returns the user's history, the zero History for an unknown user. The snapshot
	// and segments it returns are consistent with one another and with Seq.
	Load(ctx context.Context, user string) (History, error)
	// Append adds segment after the history whose sequence is seq and returns the new
	// sequence, seq+1. It fails with ErrConflict when the stored sequence is not seq.
	Append(ctx context.Context, user string, seq uint64, segment []byte) (uint64, error)
	// Compact replaces the snapshot with one that covers the history up to sequence seq and
	// drops the segments it covers; segments appended after seq stay. It fails with
	// ErrConflict when seq is outside [Base, Seq] of the stored history.
	Compact(ctx context.Context, user string, seq uint64, snapshot []byte) error
	// Delete forgets the user's history; deleting an unknown user is not an error.
	Delete(ctx context.Context, user string) error
	// Ping reports whether the store can serve requests, for readiness.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
