package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
)

// modelSet is one loaded model: a pool whose instances hold it, and its description.
// Requests hold a reference while they use it, so that a reload can close the pool once the
// last request that started on it has finished.
type modelSet struct {
	pool *host.Pool
	info abi.ModelInfo
	name string
	refs sync.WaitGroup
}

// newModelSet makes a pool for the model file and loads it into a first instance, so that a
// file the module refuses fails here, before it replaces anything.
func newModelSet(ctx context.Context, rt *host.Runtime, file []byte, name string, size int) (*modelSet, error) {
	var (
		mu   sync.Mutex
		info abi.ModelInfo
	)
	pool, err := host.NewPool(rt, host.PoolOptions{Size: size, Setup: func(ctx context.Context, inst *host.Instance) error {
		mi, err := host.NewRanker(inst).LoadModel(ctx, file)
		if err == nil {
			mu.Lock()
			info = mi
			mu.Unlock()
		}
		return err
	}})
	if err != nil {
		return nil, fmt.Errorf("server: model %s: %w", name, err)
	}
	if err := pool.Do(ctx, func(*host.Instance) error { return nil }); err != nil {
		return nil, errors.Join(fmt.Errorf("server: model %s: %w", name, err), pool.Close(ctx))
	}
	mu.Lock()
	defer mu.Unlock()
	return &modelSet{pool: pool, info: info, name: name}, nil
}

// acquire returns the current model set with a reference taken; call the release function
// when done with it.
func (s *Server) acquire() (*modelSet, func()) {
	s.modelMu.RLock()
	m := s.model
	// Add under the read lock: a reload swaps s.model under the write lock, so once it has,
	// no request adds to the old set's count and its Wait cannot miss one.
	m.refs.Add(1)
	s.modelMu.RUnlock()
	return m, m.refs.Done
}

// Reload replaces the model. Requests in flight finish on the old one; the old pool closes
// once they have. A file the module refuses leaves the current model in place.
func (s *Server) Reload(ctx context.Context, file []byte, name string) (abi.ModelInfo, error) {
	next, err := newModelSet(ctx, s.cfg.Runtime, file, name, s.cfg.PoolSize)
	if err != nil {
		s.metrics.reloads.WithLabelValues("refused").Inc()
		return abi.ModelInfo{}, err
	}
	s.modelMu.Lock()
	old := s.model
	s.model = next
	s.modelMu.Unlock()
	s.metrics.setModel(old, next)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.retire(old)
	s.cfg.Logger.Info("model reloaded", "name", name, "codec", fmt.Sprintf("%08x", next.info.Codec),
		"codec_changed", old.info.Codec != next.info.Codec)
	return next.info, nil
}

// retire closes a replaced model set once its last request is done.
func (s *Server) retire(old *modelSet) {
	s.retiring.Add(1)
	go func() {
		defer s.retiring.Done()
		old.refs.Wait()
		if err := old.pool.Close(context.Background()); err != nil {
			s.cfg.Logger.Warn("closing the replaced model's pool", "err", err)
		}
	}()
}
