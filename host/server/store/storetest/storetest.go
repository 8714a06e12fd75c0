package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/server/store"
)

// Run runs the suite; open returns a new, empty store, which Run closes.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	seg := func(i int) []byte { return []byte(fmt.Sprintf("segment %d", i)) }

	t.Run("unknown user is empty", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		h, err := s.Load(ctx, "nobody")
		require.NoError(t, err)
		assert.True(t, h.Empty())
		assert.Zero(t, h.Seq)
		require.NoError(t, s.Delete(ctx, "nobody"))
		require.NoError(t, s.Ping(ctx))
	})

	t.Run("appends, conflicts, compaction, delete", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		steps := []struct {
			name    string
			do      func() error
			wantErr error
			want    store.History
		}{
			{"first append", func() error { _, err := s.Append(ctx, "a", 0, seg(0)); return err }, nil,
				store.History{Segments: [][]byte{seg(0)}, Seq: 1}},
			{"stale append", func() error { _, err := s.Append(ctx, "a", 0, seg(9)); return err }, store.ErrConflict,
				store.History{Segments: [][]byte{seg(0)}, Seq: 1}},
			{"future append", func() error { _, err := s.Append(ctx, "a", 5, seg(9)); return err }, store.ErrConflict,
				store.History{Segments: [][]byte{seg(0)}, Seq: 1}},
			{"second append", func() error { _, err := s.Append(ctx, "a", 1, seg(1)); return err }, nil,
				store.History{Segments: [][]byte{seg(0), seg(1)}, Seq: 2}},
			{"third append", func() error { _, err := s.Append(ctx, "a", 2, seg(2)); return err }, nil,
				store.History{Segments: [][]byte{seg(0), seg(1), seg(2)}, Seq: 3}},
			{"compact the first two", func() error { return s.Compact(ctx, "a", 2, []byte("snap 2")) }, nil,
				store.History{Snapshot: []byte("snap 2"), Segments: [][]byte{seg(2)}, Seq: 3, Base: 2}},
			{"stale compaction", func() error { return s.Compact(ctx, "a", 1, []byte("snap 1")) }, store.ErrConflict,
				store.History{Snapshot: []byte("snap 2"), Segments: [][]byte{seg(2)}, Seq: 3, Base: 2}},
			{"future compaction", func() error { return s.Compact(ctx, "a", 4, []byte("snap 4")) }, store.ErrConflict,
				store.History{Snapshot: []byte("snap 2"), Segments: [][]byte{seg(2)}, Seq: 3, Base: 2}},
			{"append after compaction", func() error { _, err := s.Append(ctx, "a", 3, seg(3)); return err }, nil,
				store.History{Snapshot: []byte("snap 2"), Segments: [][]byte{seg(2), seg(3)}, Seq: 4, Base: 2}},
			{"compact everything", func() error { return s.Compact(ctx, "a", 4, []byte("snap 4")) }, nil,
				store.History{Snapshot: []byte("snap 4"), Seq: 4, Base: 4}},
			{"delete", func() error { return s.Delete(ctx, "a") }, nil, store.History{}},
			{"append after delete starts over", func() error { _, err := s.Append(ctx, "a", 0, seg(0)); return err }, nil,
				store.History{Segments: [][]byte{seg(0)}, Seq: 1}},
		}
		for _, st := range steps {
			err := st.do()
			if st.wantErr != nil {
				require.ErrorIs(t, err, st.wantErr, st.name)
			} else {
				require.NoError(t, err, st.name)
			}
			h, err := s.Load(ctx, "a")
			require.NoError(t, err, st.name)
			assert.Equal(t, st.want.Snapshot, h.Snapshot, st.name)
			assert.Equal(t, st.want.Seq, h.Seq, st.name)
			assert.Equal(t, st.want.Base, h.Base, st.name)
			assert.Equal(t, len(st.want.Segments), len(h.Segments), st.name)
			for i := range st.want.Segments {
				assert.Equal(t, st.want.Segments[i], h.Segments[i], "%s: segment %d", st.name, i)
			}
		}
	})

	t.Run("users are apart", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		for _, u := range []string{"u1", "u2", "u1:x", "{u1}"} {
			_, err := s.Append(ctx, u, 0, []byte(u))
			require.NoError(t, err)
		}
		require.NoError(t, s.Delete(ctx, "u2"))
		for _, tc := range []struct {
			user string
			want []byte
		}{{"u1", []byte("u1")}, {"u2", nil}, {"u1:x", []byte("u1:x")}, {"{u1}", []byte("{u1}")}} {
			h, err := s.Load(ctx, tc.user)
			require.NoError(t, err)
			if tc.want == nil {
				assert.True(t, h.Empty(), tc.user)
				continue
			}
			require.Len(t, h.Segments, 1, tc.user)
			assert.Equal(t, tc.want, h.Segments[0], tc.user)
		}
	})

	t.Run("concurrent appends: one winner per sequence", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		const writers, rounds = 4, 10
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					for {
						h, err := s.Load(ctx, "c")
						if !assert.NoError(t, err) {
							return
						}
						_, err = s.Append(ctx, "c", h.Seq, []byte(fmt.Sprintf("w%d r%d", w, r)))
						if err == nil {
							mu.Lock()
							won++
							mu.Unlock()
							break
						}
						if !assert.ErrorIs(t, err, store.ErrConflict) {
							return
						}
					}
				}
			})
		}
		wg.Wait()
		h, err := s.Load(ctx, "c")
		require.NoError(t, err)
		assert.Equal(t, writers*rounds, won)
		assert.Len(t, h.Segments, writers*rounds)
		assert.Equal(t, uint64(writers*rounds), h.Seq)
	})
}
