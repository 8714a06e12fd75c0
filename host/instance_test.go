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

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
)

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

// Growing, shrinking and one-off inputs in turn: the kept buffer is replaced as it grows, the
// one-off ones are freed, and the module sees every byte.
func TestInputBufferReuse(t *testing.T) {
	ctx := context.Background()
	inst := newTestInstance(t, simdRuntime)
	r := NewRanker(inst)
	for _, n := range []int{10, 2000, 5, scratchMax, 300, scratchMax / 4, 3, 2 * scratchMax} {
		garbage := make([]byte, n)
		garbage[0] = 'X'
		_, err := r.LoadStore(ctx, garbage)
		require.ErrorIs(t, err, StatusNotLoaded, "n=%d", n)
	}
	assert.Equal(t, uint32(scratchMax), inst.scratchCap)
	works(t, ctx, inst)
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
		{"load_store past the end of memory", func() error { return inst.callStatus(ctx, inst.x.loadStore, math.MaxUint32-16, 16) }, "load_store", StatusBadArgument},
		{"load_store past the allocation", func() error { return inst.callStatus(ctx, inst.x.loadStore, buf, 20) }, "load_store", StatusBadArgument},
		{"rank of an unknown pointer", func() error { return inst.callStatus(ctx, inst.x.rank, 8, 4) }, "rank", StatusBadArgument},
		{"truncate without a model", func() error { return inst.callStatus(ctx, inst.x.truncateEvents, 0, 0) }, "truncate_events", StatusNotLoaded},
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
	_, err = NewRanker(inst).LoadModel(ctx, parityFile(t, "model-4bit.seminar"))
	require.NoError(t, err)
	o, err := inst.outcome()
	require.NoError(t, err)
	assert.Equal(t, outcome{status: StatusOK, replyPtr: o.replyPtr, replyLen: o.replyLen}, o,
		"a call that succeeds clears the last error")
	assert.NotZero(t, o.replyLen)
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
	_, err := NewRanker(inst).LoadModel(ctx, parityFile(t, "model-4bit.seminar"))
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, inst.Err())
	works(t, context.Background(), inst)
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
	// The portable module reading 48 MiB of events: a call lasting tens of milliseconds, far
	// longer than it takes the cancelling goroutine to run.
	inst := newTestInstance(t, newTestRuntime(t, Modules{Scalar: testModules.Scalar}, Options{Cancellation: CancelAnywhere}))
	_, err := NewRanker(inst).LoadModel(bg, parityFile(t, "model-4bit.seminar"))
	require.NoError(t, err)
	ptr, n := longInput(t, bg, inst)

	parent, cancel := context.WithCancel(bg)
	ctx := &signalCtx{Context: parent, started: make(chan struct{})}
	go func() {
		<-ctx.started
		cancel()
	}()
	err = inst.callStatus(ctx, inst.x.appendEvents, ptr, n)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, ErrInstanceBroken)
	require.ErrorIs(t, inst.Err(), ErrInstanceBroken)
	_, err = inst.Version(bg)
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
	r := loadParity(t, context.Background(), inst)
	c := &parityFixture(t).Cases[5]
	require.NoError(t, rankCase(newCancelOnDone(), r, c), "a running call is never stopped")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Rank(ctx, &c.Request)
	require.ErrorIs(t, err, context.Canceled, "contexts are still honoured between calls")
	require.NoError(t, inst.Err())
}

// The host's own path of a call allocates nothing, with or without a clock that polls the
// context (CancelAnywhere runtimes allocate inside wazero on every call: a watcher goroutine).
func TestCallAllocatesNothing(t *testing.T) {
	for _, c := range []Cancellation{CancelAtClock, CancelBetweenCalls} {
		inst := newTestInstance(t, newTestRuntime(t, testModules, Options{Cancellation: c}))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ptr, _, err := inst.input(ctx, 1000) // grows the kept input buffer
		require.NoError(t, err)
		allocs := testing.AllocsPerRun(100, func() {
			if _, _, err := inst.input(ctx, 1000); err != nil {
				t.Fatal(err)
			}
			if err := inst.release(ctx, ptr); err != nil {
				t.Fatal(err)
			}
			if err := inst.free(ctx, 0); err != nil {
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
	_, _, err := inst.input(ctx, 32<<20)
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
	_, _, err := inst.input(ctx, 64<<20)
	require.ErrorIs(t, err, ErrInstanceBroken)
	assert.Contains(t, stderr.String(), "out of memory")
	assert.Regexp(t, `^host: alloc: instance broken: wasm error: unreachable; the module wrote: `+
		`runtime: out of memory: cannot allocate 67108864-byte block \(\d+ in use\) fatal error: out of memory$`,
		err.Error(), "the trap names its cause, on one line")

	other := newTestInstance(t, r)
	works(t, ctx, other)
}

// longInput puts into inst a valid append_events input of about 48 MiB (copies of the fixture's
// events): reading it takes tens of milliseconds.
func longInput(t *testing.T, ctx context.Context, inst *Instance) (uint32, uint32) {
	t.Helper()
	ev := parityFixture(t).Events[0]
	one := msgp.NewWriter(nil)
	abi.AppendEvent(one, &ev)
	count := (48 << 20) / len(one.Bytes())
	w := msgp.NewWriter(make([]byte, 0, 48<<20+16))
	w.WriteArrayHeader(count)
	for range count {
		w.WriteRaw(one.Bytes())
	}
	n := uint32(len(w.Bytes()))
	ptr, buf, err := inst.input(ctx, n)
	require.NoError(t, err)
	copy(buf, w.Bytes())
	return ptr, n
}
