package host

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingSetup counts the instances a pool sets up and checks each one works.
type countingSetup struct{ n atomic.Int32 }

func (s *countingSetup) setup(ctx context.Context, inst *Instance) error {
	s.n.Add(1)
	_, err := inst.DotSmoke(ctx, []float32{1})
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
	var setup countingSetup
	p := newTestPool(t, simdRuntime, PoolOptions{Size: size, Setup: setup.setup})

	var mu sync.Mutex
	seen := make(map[*Instance]bool)
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				n := 1 + (w*calls+c)%300
				x := randomFloats(uint64(n), n)
				err := p.Do(context.Background(), func(inst *Instance) error {
					mu.Lock()
					seen[inst] = true
					mu.Unlock()
					d, err := inst.DotSmoke(context.Background(), x)
					if err == nil && !assert.InEpsilon(t, sumSquares(x), float64(d), dotTolerance(n)) {
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
	var setup countingSetup
	// 32 MiB of linear memory, so that a 64 MiB input traps (see TestTrapBreaksInstance).
	r := newTestRuntime(t, testModules, Options{MemoryLimit: 32 << 20})
	p := newTestPool(t, r, PoolOptions{Size: 1, Setup: setup.setup})

	var first, second *Instance
	require.NoError(t, p.Do(ctx, func(inst *Instance) error { first = inst; return nil }))
	err := p.Do(ctx, func(inst *Instance) error {
		_, err := inst.DotSmoke(ctx, make([]float32, 16<<20))
		return err
	})
	require.ErrorIs(t, err, ErrInstanceBroken)
	require.ErrorIs(t, first.Err(), ErrInstanceBroken)

	require.NoError(t, p.Do(ctx, func(inst *Instance) error {
		second = inst
		d, err := inst.DotSmoke(ctx, []float32{2, 2})
		assert.Equal(t, float32(8), d)
		return err
	}))
	assert.NotSame(t, first, second)
	assert.Equal(t, int32(2), setup.n.Load(), "the replacement is set up too")
}

func TestPoolReplacesCancelledInstance(t *testing.T) {
	bg := context.Background()
	var setup countingSetup
	r := newTestRuntime(t, Modules{Scalar: testModules.Scalar}, Options{Cancellation: CancelAnywhere})
	p := newTestPool(t, r, PoolOptions{Size: 1, Setup: setup.setup})

	var first *Instance
	err := p.Do(bg, func(inst *Instance) error {
		first = inst
		const n = 64 << 20
		ptr, buf, err := inst.input(bg, n)
		require.NoError(t, err)
		putFloat32s(buf, make([]float32, n/4))
		parent, cancel := context.WithCancel(bg)
		ctx := &signalCtx{Context: parent, started: make(chan struct{})}
		go func() {
			<-ctx.started
			cancel()
		}()
		return inst.callStatus(ctx, inst.x.dotSmoke, ptr, n)
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, p.Do(bg, func(inst *Instance) error {
		assert.NotSame(t, first, inst)
		_, err := inst.DotSmoke(bg, []float32{1})
		return err
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
	var setup countingSetup
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
