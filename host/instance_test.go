package host

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

func randomFloats(seed uint64, n int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for k := range x {
		x[k] = float32(rng.NormFloat64())
	}
	return x
}

// sumSquares is Σ x² in float64, where every square of a float32 is exact.
func sumSquares(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// dotTolerance bounds the relative error of any float32 summation order of n non-negative
// rounded products: n roundings of at most 2⁻²⁴ each (one per product, one per addition, and
// the terms never cancel). The SIMD and portable kernels add in different orders, so both are
// held to this bound rather than to each other's bits.
func dotTolerance(n int) float64 { return float64(n+1) * 0x1p-24 }

func TestInstanceVersionFeatures(t *testing.T) {
	tests := []struct {
		name string
		rt   *Runtime
		simd bool
	}{
		{"SIMD module", simdRuntime, true},
		{"scalar module", scalarRuntime, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			inst := newTestInstance(t, tt.rt)
			v, err := inst.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, ABIVersion(), v)
			f, err := inst.Features(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.simd, f.SIMD())
			assert.Equal(t, f, tt.rt.Features())
		})
	}
}

func TestDotSmokeSIMDMatchesScalar(t *testing.T) {
	ctx := context.Background()
	simd := newTestInstance(t, simdRuntime)
	scalar := newTestInstance(t, scalarRuntime)
	// Lengths around the SIMD widths, and past the kept input buffer (a one-off buffer).
	for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 64, 1000, 10_000, scratchMax/4 + 1} {
		x := randomFloats(uint64(n), n)
		want := sumSquares(x)
		got := make(map[string]float32)
		for name, inst := range map[string]*Instance{"SIMD": simd, "scalar": scalar} {
			d, err := inst.DotSmoke(ctx, x)
			require.NoError(t, err, "%s, n=%d", name, n)
			if n == 0 {
				assert.Zero(t, d)
			} else {
				assert.InEpsilon(t, want, float64(d), dotTolerance(n), "%s, n=%d", name, n)
			}
			got[name] = d
		}
		if n > 0 {
			assert.InEpsilon(t, got["SIMD"], got["scalar"], 2*dotTolerance(n), "n=%d", n)
		}
	}
}

func TestDotSmokeBufferReuse(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, simdRuntime)
	// Growing, shrinking and one-off inputs in turn: the kept buffer is replaced as it grows,
	// the one-off ones are freed.
	for _, n := range []int{10, 2000, 5, scratchMax, 300, scratchMax / 4, 3, 2 * scratchMax} {
		x := randomFloats(uint64(n)+7, n)
		d, err := inst.DotSmoke(ctx, x)
		require.NoError(t, err, "n=%d", n)
		assert.InEpsilon(t, sumSquares(x), float64(d), dotTolerance(n), "n=%d", n)
	}
	assert.Equal(t, uint32(scratchMax), inst.scratchCap)
}

func TestABIArguments(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, simdRuntime)
	buf, err := inst.alloc(ctx, 16)
	require.NoError(t, err)
	tests := []struct {
		name   string
		call   func() error
		export string
		status Status
	}{
		{"free of an unknown pointer", func() error { return inst.free(ctx, 12344) }, "free", StatusBadArgument},
		{"free of an interior pointer", func() error { return inst.free(ctx, buf+8) }, "free", StatusBadArgument},
		{"alloc of 0 bytes", func() error { _, err := inst.alloc(ctx, 0); return err }, "alloc", StatusBadArgument},
		{"alloc over the limit", func() error { _, err := inst.alloc(ctx, 256<<20+1); return err }, "alloc", StatusOutOfMemory},
		{"alloc of 4 GiB", func() error { _, err := inst.alloc(ctx, math.MaxUint32); return err }, "alloc", StatusOutOfMemory},
		{"dot_smoke past the end of memory", func() error { return inst.callStatus(ctx, inst.x.dotSmoke, math.MaxUint32-16, 16) }, "dot_smoke", StatusBadArgument},
		{"dot_smoke past the allocation", func() error { return inst.callStatus(ctx, inst.x.dotSmoke, buf, 20) }, "dot_smoke", StatusBadArgument},
		{"dot_smoke of a partial float", func() error { return inst.callStatus(ctx, inst.x.dotSmoke, buf, 6) }, "dot_smoke", StatusBadArgument},
		{"dot_smoke of an unknown pointer", func() error { return inst.callStatus(ctx, inst.x.dotSmoke, 8, 4) }, "dot_smoke", StatusBadArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.status)
			var serr *StatusError
			require.ErrorAs(t, err, &serr)
			assert.Equal(t, tt.export, serr.Export)
			assert.NotEmpty(t, serr.Message)
			assert.NotErrorIs(t, err, ErrInstanceBroken)
			require.NoError(t, inst.Err(), "bad arguments leave the instance usable")

			reply, err := inst.reply()
			require.NoError(t, err)
			assert.Empty(t, reply, "a failed call leaves no reply")
		})
	}
	d, err := inst.DotSmoke(ctx, []float32{2})
	require.NoError(t, err)
	assert.Equal(t, float32(4), d)
	o, err := inst.outcome()
	require.NoError(t, err)
	assert.Equal(t, outcome{status: StatusOK, replyPtr: o.replyPtr, replyLen: 4}, o,
		"a call that succeeds clears the last error")
}

func TestAllocLimitIsCumulative(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, simdRuntime)
	const half = 128 << 20
	a, err := inst.alloc(ctx, half)
	require.NoError(t, err)
	_, err = inst.alloc(ctx, half+8)
	require.ErrorIs(t, err, StatusOutOfMemory)
	require.NoError(t, inst.free(ctx, a))
	b, err := inst.alloc(ctx, half+8)
	require.NoError(t, err, "freeing returns the budget")
	require.NoError(t, inst.free(ctx, b))
}

func TestFreedLargeBuffersAreReused(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, newTestRuntime(t, testModules, Options{}))
	const size = 64 << 20
	for range 10 {
		ptr, err := inst.alloc(ctx, size)
		require.NoError(t, err)
		require.NoError(t, inst.free(ctx, ptr))
	}
	// Linear memory never shrinks; the module collects as it frees a large buffer, so that
	// the next one reuses the memory instead of waiting for the heap goal (twice the live heap).
	assert.Less(t, inst.mem.Size(), uint32(2*size))
}

func TestFreedMemoryIsReused(t *testing.T) {
	ctx := context.Background()
	// wazero's default clocks, which race ahead of real time, make the Go runtime inside
	// behave as after a long run within a few thousand calls. Only CancelAtClock brings a
	// clock of its own.
	r := newTestRuntime(t, testModules, Options{Cancellation: CancelBetweenCalls})
	r.config = wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	inst, err := r.instantiate(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Close(ctx) })
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 4000 {
		ptr, err := inst.alloc(ctx, 1+rng.Uint32N(1<<20))
		require.NoError(t, err, "allocation %d", k)
		require.NoError(t, inst.free(ctx, ptr))
	}
	// Unless the module lets the runtime's background sweeper run, freed large objects are
	// not reused and this loop exhausts a 1 GiB instance.
	assert.Less(t, inst.mem.Size(), uint32(64<<20))
}

func TestCancelledContextLeavesInstanceUsable(t *testing.T) {
	inst := newTestInstance(t, simdRuntime)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := inst.DotSmoke(ctx, []float32{1, 2, 3})
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, inst.Err())
	d, err := inst.DotSmoke(context.Background(), []float32{1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, float32(14), d)
}

// signalCtx reports on started when the runtime first asks for its Done channel, which it does
// as it starts a call.
type signalCtx struct {
	context.Context
	once    sync.Once
	started chan struct{}
}

func (c *signalCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.started) })
	return c.Context.Done()
}

// TestCancelAnywhereStopsRunningCall cancels a call of an export that never reads the clock.
func TestCancelAnywhereStopsRunningCall(t *testing.T) {
	bg := context.Background()
	// The portable module over 64 MiB of floats: a call lasting tens of milliseconds, far
	// longer than it takes the cancelling goroutine to run.
	inst := newTestInstance(t, newTestRuntime(t, Modules{Scalar: testModules.Scalar}, Options{Cancellation: CancelAnywhere}))
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
	err = inst.callStatus(ctx, inst.x.dotSmoke, ptr, n)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, ErrInstanceBroken)
	require.ErrorIs(t, inst.Err(), ErrInstanceBroken)
	_, err = inst.DotSmoke(bg, []float32{1})
	assert.ErrorIs(t, err, ErrInstanceBroken, "a closed instance stays closed")
}

// cancelOnDone is a context its caller cancels as soon as the runtime asks for its Done
// channel, which it does as a call enters the module: a cancellation while the call runs.
type cancelOnDone struct {
	context.Context
	cancel context.CancelFunc
}

func newCancelOnDone() *cancelOnDone {
	ctx, cancel := context.WithCancel(context.Background())
	return &cancelOnDone{Context: ctx, cancel: cancel}
}

func (c *cancelOnDone) Done() <-chan struct{} {
	c.cancel()
	return c.Context.Done()
}

// TestCancelAtClockInstantiating cancels the initialisation of an instance, which reads the
// clock as the Go runtime inside starts. Rank calls are cancelled in TestPoolCancelledRank.
func TestCancelAtClockInstantiating(t *testing.T) {
	_, err := simdRuntime.instantiate(newCancelOnDone())
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "host: instantiate:", "stopped in the module's initialisation")
	assert.NotContains(t, err.Error(), "wasm stack trace", "the cancellation, not the trap, is reported")
}

func TestCancelBetweenCalls(t *testing.T) {
	inst := newTestInstance(t, newTestRuntime(t, testModules, Options{Cancellation: CancelBetweenCalls}))
	x := randomFloats(11, 1000)
	d, err := inst.DotSmoke(newCancelOnDone(), x)
	require.NoError(t, err, "a running call is never stopped")
	assert.InEpsilon(t, sumSquares(x), float64(d), dotTolerance(len(x)))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = inst.DotSmoke(ctx, x)
	require.ErrorIs(t, err, context.Canceled, "contexts are still honoured between calls")
	require.NoError(t, inst.Err())
}

func TestDotSmokeAllocatesNothing(t *testing.T) {
	// CancelAnywhere runtimes allocate inside wazero on every call (a watcher goroutine); the
	// host's own path allocates nothing, with or without a clock that polls the context.
	for _, c := range []Cancellation{CancelAtClock, CancelBetweenCalls} {
		inst := newTestInstance(t, newTestRuntime(t, testModules, Options{Cancellation: c}))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		x := randomFloats(13, 1000)
		_, err := inst.DotSmoke(ctx, x) // grows the kept input buffer
		require.NoError(t, err)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := inst.DotSmoke(ctx, x); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%v", c)
	}
}

func TestMemorySize(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, simdRuntime)
	before := inst.MemorySize()
	assert.Positive(t, before)
	_, err := inst.DotSmoke(ctx, make([]float32, 8<<20)) // a 32 MiB input
	require.NoError(t, err)
	assert.GreaterOrEqual(t, inst.MemorySize(), before+32<<20)
	assert.Equal(t, uint64(inst.mem.Size()), inst.MemorySize())
}

// syncBuffer collects module output written from whichever goroutine calls the module.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

func TestTrapBreaksInstance(t *testing.T) {
	ctx := context.Background()
	var stderr syncBuffer
	// 32 MiB of linear memory: a 64 MiB input is below the module's allocation limit, so the
	// Go runtime inside tries to grow memory, fails and exits: a trap no status can report.
	r := newTestRuntime(t, testModules, Options{MemoryLimit: 32 << 20, Stderr: &stderr})
	inst := newTestInstance(t, r)
	_, err := inst.DotSmoke(ctx, make([]float32, 16<<20))
	require.ErrorIs(t, err, ErrInstanceBroken)
	assert.Contains(t, stderr.String(), "out of memory")

	other := newTestInstance(t, r)
	d, err := other.DotSmoke(ctx, []float32{3})
	require.NoError(t, err, "other instances are unaffected")
	assert.Equal(t, float32(9), d)
}
