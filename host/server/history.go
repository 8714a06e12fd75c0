package server

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/server/store"
)

// appendAttempts bounds the retries of an append that lost a race to another replica.
const appendAttempts = 8

// checkCodec reads the header of each part of a history and refuses one whose codes another
// codec made. stored says whether the bytes came from the store (unreadable means corrupt,
// a 500) or from the client (a 422).
func checkCodec(info abi.ModelInfo, parts [][]byte, stored bool) error {
	for i, b := range parts {
		if b == nil {
			continue
		}
		h, err := retrieval.ReadStoreHeader(b)
		if err != nil {
			if stored {
				return &corruptHistory{err}
			}
			return invalid(fmt.Errorf("history part %d: %w", i, err))
		}
		if h.Codec != info.Codec {
			return &codecMismatch{got: h.Codec, want: info.Codec}
		}
	}
	return nil
}

// parts lists a history's blobs in load order.
func parts(h *store.History) [][]byte {
	out := make([][]byte, 0, 1+len(h.Segments))
	if h.Snapshot != nil {
		out = append(out, h.Snapshot)
	}
	return append(out, h.Segments...)
}

// hostHistory is the history as Pool.Rank takes it: the first blob is loaded, the others
// appended. Segments are stores themselves, so a history without a snapshot starts from its
// first segment.
func hostHistory(blobs [][]byte) host.History {
	if len(blobs) == 0 {
		return host.History{}
	}
	return host.History{Store: blobs[0], Segments: blobs[1:]}
}

// loadInto replaces the events an instance holds with the history's and returns their count.
// An empty history still resets the instance: it may hold the previous user's events.
func loadInto(ctx context.Context, r *host.Ranker, blobs [][]byte) (int, error) {
	return r.Load(ctx, hostHistory(blobs))
}

// loadUser reads a user's history from the store and checks it against the model.
func (s *Server) loadUser(ctx context.Context, m *modelSet, user string) (store.History, [][]byte, error) {
	var h store.History
	err := s.timeStore("load", func() error {
		var err error
		h, err = s.cfg.Store.Load(ctx, user)
		return err
	})
	if err != nil {
		return h, nil, err
	}
	blobs := parts(&h)
	if err := checkCodec(m.info, blobs, true); err != nil {
		return h, nil, err
	}
	return h, blobs, nil
}

// userLock serialises one process's writes to a user: without it, two appends for the same
// user would race in the store and one would retry. Replicas still race, and retry.
func (s *Server) userLock(user string) func() {
	mu := &s.locks[maphash.String(s.seed, user)%uint64(len(s.locks))]
	mu.Lock()
	return mu.Unlock
}

// appendEvents appends events to a user's history: it loads the history into an instance,
// appends there (the module encodes the events to codes and checks their order against the
// history), stores the new events' segment, and compacts when the segments pile up. It
// returns the number of events held, after the store has committed the segment.
func (s *Server) appendEvents(ctx context.Context, m *modelSet, user string, events []abi.Event) (int, error) {
	defer s.userLock(user)()
	for range appendAttempts {
		h, blobs, err := s.loadUser(ctx, m, user)
		if err != nil {
			return 0, err
		}
		var seg, snap []byte
		total := 0
		err = m.pool.Do(ctx, func(inst *host.Instance) error {
			r := host.NewRanker(inst)
			n0, err := loadInto(ctx, r, blobs)
			if err != nil {
				return fmt.Errorf("loading the stored history: %w", err)
			}
			if total, err = r.AppendEvents(ctx, events); err != nil {
				return err
			}
			if seg, err = r.StoreSegment(ctx, n0); err != nil {
				return err
			}
			if len(h.Segments)+1 > s.cfg.CompactAfter {
				snap, err = r.StoreBytes(ctx)
			}
			return err
		})
		if err != nil {
			return 0, err
		}
		var seq uint64
		err = s.timeStore("append", func() error {
			var err error
			seq, err = s.cfg.Store.Append(ctx, user, h.Seq, seg)
			return err
		})
		if errors.Is(err, store.ErrConflict) {
			s.metrics.conflicts.Inc()
			continue
		}
		if err != nil {
			return 0, err
		}
		s.metrics.appended.Add(float64(len(events)))
		if snap != nil {
			// The append has committed: a failed compaction only leaves more segments to
			// read, and the next append tries again.
			err := s.timeStore("compact", func() error { return s.cfg.Store.Compact(ctx, user, seq, snap) })
			if err != nil {
				s.cfg.Logger.Warn("compaction", "user", user, "err", err)
			} else {
				s.metrics.compactions.Inc()
			}
		}
		return total, nil
	}
	return 0, fmt.Errorf("server: append for %s: %w", user, store.ErrConflict)
}

// exportHistory returns the user's history as one snapshot and its event count.
func (s *Server) exportHistory(ctx context.Context, m *modelSet, user string) ([]byte, int, error) {
	_, blobs, err := s.loadUser(ctx, m, user)
	if err != nil {
		return nil, 0, err
	}
	var snap []byte
	n := 0
	err = m.pool.Do(ctx, func(inst *host.Instance) error {
		r := host.NewRanker(inst)
		var err error
		if n, err = loadInto(ctx, r, blobs); err != nil {
			return err
		}
		snap, err = r.StoreBytes(ctx)
		return err
	})
	return snap, n, err
}
