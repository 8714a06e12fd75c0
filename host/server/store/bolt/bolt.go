package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/seminar-ranker/seminar/host/server/store"
)

var (
	usersBucket = []byte("users")
	segsBucket  = []byte("segs")
	keySnapshot = []byte("snap")
	keySeq      = []byte("seq")
	keyBase     = []byte("base")
)

// Store is a store.Store in one bbolt file.
type Store struct {
	db *bbolt.DB
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the store file at path, creating its directory. It waits at most
// a second for another process's lock on the file, so that a second server on the same
// file fails at once instead of hanging.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(usersBucket)
		return err
	}); err != nil {
		return nil, errors.Join(fmt.Errorf("bolt: %w", err), db.Close())
	}
	return &Store{db: db}, nil
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func key(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// Load returns the user's history, copied out of the transaction.
func (s *Store) Load(ctx context.Context, user string) (store.History, error) {
	var h store.History
	if err := ctx.Err(); err != nil {
		return h, err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		ub := tx.Bucket(usersBucket).Bucket([]byte(user))
		if ub == nil {
			return nil
		}
		h.Seq, h.Base = u64(ub.Get(keySeq)), u64(ub.Get(keyBase))
		if v := ub.Get(keySnapshot); v != nil {
			h.Snapshot = append([]byte(nil), v...)
		}
		if sb := ub.Bucket(segsBucket); sb != nil {
			return sb.ForEach(func(_, v []byte) error {
				h.Segments = append(h.Segments, append([]byte(nil), v...))
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return store.History{}, fmt.Errorf("bolt: load: %w", err)
	}
	return h, nil
}

// Append adds a segment in a batched transaction and returns once it has committed.
func (s *Store) Append(ctx context.Context, user string, seq uint64, segment []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Batch may run the function more than once; it only reads and writes inside its own
	// transaction, so a rerun after a rolled-back batch does the same thing again.
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		ub, err := tx.Bucket(usersBucket).CreateBucketIfNotExists([]byte(user))
		if err != nil {
			return err
		}
		if got := u64(ub.Get(keySeq)); got != seq {
			return store.ErrConflict
		}
		sb, err := ub.CreateBucketIfNotExists(segsBucket)
		if err != nil {
			return err
		}
		if err := sb.Put(key(seq), segment); err != nil {
			return err
		}
		return ub.Put(keySeq, key(seq+1))
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: append: %w", err)
	}
	return seq + 1, nil
}

// Compact replaces the snapshot and deletes the segments before seq.
func (s *Store) Compact(ctx context.Context, user string, seq uint64, snapshot []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		ub := tx.Bucket(usersBucket).Bucket([]byte(user))
		if ub == nil {
			return store.ErrConflict
		}
		if base, last := u64(ub.Get(keyBase)), u64(ub.Get(keySeq)); seq < base || seq > last {
			return store.ErrConflict
		}
		if sb := ub.Bucket(segsBucket); sb != nil {
			c := sb.Cursor()
			for k, _ := c.First(); k != nil && u64(k) < seq; k, _ = c.Next() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		if err := ub.Put(keySnapshot, snapshot); err != nil {
			return err
		}
		return ub.Put(keyBase, key(seq))
	})
	if err != nil {
		return fmt.Errorf("bolt: compact: %w", err)
	}
	return nil
}

// Delete removes the user's bucket.
func (s *Store) Delete(ctx context.Context, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		err := tx.Bucket(usersBucket).DeleteBucket([]byte(user))
		if errors.Is(err, bbolt.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("bolt: delete: %w", err)
	}
	return nil
}

// Ping always succeeds: an open bbolt file has nothing to lose contact with.
func (s *Store) Ping(context.Context) error { return nil }

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }
