package redis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/server/internal/redistest"
	"github.com/seminar-ranker/seminar/host/server/store"
	"github.com/seminar-ranker/seminar/host/server/store/redis"
	"github.com/seminar-ranker/seminar/host/server/store/storetest"
)

func TestStore(t *testing.T) {
	srv := redistest.Start(t, "")
	n := 0
	storetest.Run(t, func(t *testing.T) store.Store {
		n++ // a prefix per subtest: a fresh, empty store on the same server
		s, err := redis.Open(context.Background(), "redis://"+srv.Addr, redis.Options{Prefix: fmt.Sprintf("t%d", n)})
		require.NoError(t, err)
		return s
	})
}

func TestAppendSurvivesRestart(t *testing.T) {
	srv := redistest.Start(t, "")
	ctx := context.Background()
	s, err := redis.Open(ctx, "redis://"+srv.Addr, redis.Options{})
	require.NoError(t, err)
	_, err = s.Append(ctx, "u", 0, []byte("kept"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	srv.Stop() // SIGKILL: only what the AOF holds survives
	again := redistest.Start(t, srv.Dir)
	s, err = redis.Open(ctx, "redis://"+again.Addr, redis.Options{})
	require.NoError(t, err)
	defer s.Close()
	h, err := s.Load(ctx, "u")
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("kept")}, h.Segments)
}
