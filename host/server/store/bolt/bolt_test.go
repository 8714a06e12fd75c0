package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/server/store"
	"github.com/seminar-ranker/seminar/host/server/store/bolt"
	"github.com/seminar-ranker/seminar/host/server/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "sub", "histories.db"))
		require.NoError(t, err)
		return s
	})
}

func TestSecondOpenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "histories.db")
	s, err := bolt.Open(path)
	require.NoError(t, err)
	defer s.Close()
	// bbolt's file lock is per process on Linux through flock; a second open in the same
	// process times out the same way a second server would.
	_, err = bolt.Open(path)
	require.Error(t, err)
}
