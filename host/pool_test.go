package host

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
)

// countingSetup counts the instances a pool sets up and checks each one works.
type countingSetup struct {
	n     atomic.Int32
	model []byte
}

func newCountingSetup(t *testing.T) *countingSetup {
	return &countingSetup{model: parityFile(t, "model-4bit.seminar")}
}

func (s *countingSetup) setup(ctx context.Context, inst *Instance) error {
	s.n.Add(1)
	_, err := NewRanker(inst).LoadModel(ctx, s.model)
	return err
}

func newTestPool(t *testing.T, r *Runtime, opts PoolOptions) *Pool {
	t.Helper()
	p, err := NewPool(r, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close(context.Background())) })
	return p
}

func TestPoolConcurrentUse(t *testing.T) {
	const size, workers, calls = 3, 12, 25
	setup := newCountingSetup(t)
	p := newTestPool(t, simdRuntime, PoolOptions{Size: size, Setup: setup.setup})
	f := parityFixture(t)
	// The order each history length gives, from one instance alone.
	want := map[int][]int32{}
	require.NoError(t, p.Do(context.Background(), func(inst *Instance) error {
		r := NewRanker(inst)
		for n := 1; n <= len(f.Events); n++ {
			if _, err := r.LoadEvents(context.Background(), f.Events[:n], abi.StoreOptions{}); err != nil {
				return err
			}
			rep, err := r.Rank(context.Background(), &f.Cases[5].Request)
			if err != nil {
				return err
			}
			want[n] = rep.Order
		}
		return nil
	}))

	var mu sync.Mutex
	seen := make(map[*Instance]bool)
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				// Each user's history is a different prefix of the fixture's events.
				n := 1 + (w*calls+c)%len(f.Events)
				req := &f.Cases[5].Request
				err := p.Do(context.Background(), func(inst *Instance) error {
					mu.Lock()
					seen[inst] = true
					mu.Unlock()
					r := NewRanker(inst)
					if _, err := r.LoadEvents(context.Background(), f.Events[:n], abi.StoreOptions{}); err != nil {
						return err
					}
					got, err := r.Rank(context.Background(), req)
					if err == nil && !assert.Equal(t, want[n], got.Order, "history of %d events", n) {
						err = errors.New("wrong result")
					}
					return err
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, len(seen), size)
	assert.Equal(t, int32(len(seen)), setup.n.Load(), "every instance is set up once")
}

func TestPoolReplacesBrokenInstance(t *testing.T) {
	ctx := context.Background()
	setup := newCountingSetup(t)
	// 32 MiB of linear memory, so that a 64 MiB input traps (see TestTrapBreaksInstance).
	r := newTestRuntime(t, testModules, Options{MemoryLimit: 32 << 20})
	p := newTestPool(t, r, PoolOptions{Size: 1, Setup: setup.setup})

	var first, second *Instance
	require.NoError(t, p.Do(ctx, func(inst *Instance) error { first = inst; return nil }))
	err := p.Do(ctx, func(inst *Instance) error {
		_, _, err := inst.input(ctx, 64<<20)
		return err
	})
	require.ErrorIs(t, err, ErrInstanceBroken)
	require.ErrorIs(t, first.Err(), ErrInstanceBroken)

	require.NoError(t, p.Do(ctx, func(inst *Instance) error {
		second = inst
		return rankCase(ctx, loadParity(t, ctx, inst), &parityFixture(t).Cases[5])
	}))
	assert.NotSame(t, first, second)
	assert.Equal(t, int32(2), setup.n.Load(), "the replacement is set up too")
}

func TestPoolReplacesCancelledInstance(t *testing.T) {
	bg := context.Background()
	setup := newCountingSetup(t)
	r := newTestRuntime(t, Modules{Scalar: testModules.Scalar}, Options{Cancellation: CancelAnywhere})
	p := newTestPool(t, r, PoolOptions{Size: 1, Setup: setup.setup})

	var first *Instance
	err := p.Do(bg, func(inst *Instance) error {
		first = inst
		ptr, n := longInput(t, bg, inst)
		parent, cancel := context.WithCancel(bg)
		ctx := &signalCtx{Context: parent, started: make(chan struct{})}
		go func() {
			<-ctx.started
			cancel()
		}()
		return inst.callStatus(ctx, inst.x.appendEvents, ptr, n)
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, p.Do(bg, func(inst *Instance) error {
		assert.NotSame(t, first, inst)
		return rankCase(bg, loadParity(t, bg, inst), &parityFixture(t).Cases[5])
	}))
	assert.Equal(t, int32(2), setup.n.Load())
}

func TestPoolSetupError(t *testing.T) {
	ctx := context.Background()
	failures := 2
	setupErr := errors.New("no model")
	p := newTestPool(t, simdRuntime, PoolOptions{
		Size: 1,
		Setup: func(ctx context.Context, inst *Instance) error {
			if failures > 0 {
				failures--
				return setupErr
			}
			return nil
		},
	})
	for range 2 {
		err := p.Do(ctx, func(*Instance) error { return nil })
		require.ErrorIs(t, err, setupErr)
	}
	require.NoError(t, p.Do(ctx, func(*Instance) error { return nil }), "failed setups give their slot back")
}

func TestPoolGetHonoursContext(t *testing.T) {
	p := newTestPool(t, simdRuntime, PoolOptions{Size: 1})
	held, err := p.Get(context.Background())
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error)
	go func() {
		_, err := p.Get(ctx)
		got <- err
	}()
	cancel()
	require.ErrorIs(t, <-got, context.Canceled, "a waiting Get gives up with its context")

	p.Put(held)
	again, err := p.Get(context.Background())
	require.NoError(t, err)
	assert.Same(t, held, again, "a healthy instance is reused")
	p.Put(again)
}

func TestPoolDoPanics(t *testing.T) {
	ctx := context.Background()
	setup := newCountingSetup(t)
	p := newTestPool(t, simdRuntime, PoolOptions{Size: 1, Setup: setup.setup})
	var first *Instance
	assert.PanicsWithValue(t, "caller bug", func() {
		_ = p.Do(ctx, func(inst *Instance) error {
			first = inst
			panic("caller bug")
		})
	})
	require.ErrorIs(t, first.Err(), ErrInstanceBroken)
	require.NoError(t, p.Do(ctx, func(inst *Instance) error {
		assert.NotSame(t, first, inst)
		return nil
	}))
	assert.Equal(t, int32(2), setup.n.Load())
}

func TestPoolClose(t *testing.T) {
	ctx := context.Background()
	p, err := NewPool(simdRuntime, PoolOptions{Size: 2})
	require.NoError(t, err)
	idle, err := p.Get(ctx)
	require.NoError(t, err)
	inUse, err := p.Get(ctx)
	require.NoError(t, err)
	p.Put(idle)

	require.NoError(t, p.Close(ctx))
	assert.ErrorIs(t, idle.Err(), ErrInstanceBroken, "idle instances are closed")
	require.NoError(t, inUse.Err())
	p.Put(inUse)
	assert.ErrorIs(t, inUse.Err(), ErrInstanceBroken, "instances in use are closed when put back")
	_, err = p.Get(ctx)
	assert.ErrorIs(t, err, ErrPoolClosed)
}

func TestNewPoolSize(t *testing.T) {
	r := simdRuntime
	_, err := NewPool(r, PoolOptions{Size: -1})
	assert.Error(t, err)
	p, err := NewPool(r, PoolOptions{})
	require.NoError(t, err)
	assert.Positive(t, cap(p.slots))
}
