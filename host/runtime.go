package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Modules are the two builds of the scoring module (bin/seminar.wasm and
// bin/seminar-scalar.wasm). Either may be nil; at least one must be given.
type Modules struct {
	SIMD   []byte // built with GOEXPERIMENT=simd; preferred
	Scalar []byte // built without SIMD, for runtimes that cannot run SIMD128
}

// DefaultMemoryLimit is the linear memory an instance may grow to when Options.MemoryLimit
// is zero: room for the module's 256 MiB of request buffers and the Go heap around them.
const DefaultMemoryLimit = 1 << 30

const (
	pageSize       = 64 << 10
	maxMemoryLimit = 1 << 32 // wasm32 addresses 65536 pages
)

// Options configure a Runtime. The zero value is usable.
type Options struct {
	// CacheDir, when set, keeps compiled machine code in this directory, so that a later
	// process skips compilation. It is created if missing.
	CacheDir string
	// MemoryLimit bounds each instance's linear memory, in bytes, rounded up to whole 64 KiB
	// pages; 0 means DefaultMemoryLimit. A call that needs more traps and breaks its instance.
	MemoryLimit uint64
	// Stdout and Stderr receive the module's output; nil discards it. Whatever Stderr is,
	// each instance keeps the start of what the module writes there during a call (the Go
	// runtime's report of a fatal error) and adds it to the error of a call that traps.
	Stdout, Stderr io.Writer
	// DisableSIMD runs as a runtime without SIMD128 would: the SIMD module fails to compile
	// and the scalar one is used. It exists to exercise and measure the fallback.
	DisableSIMD bool
	// Cancellation is how a context cancelled during a call stops it; the zero value is
	// CancelAtClock.
	Cancellation Cancellation
}

// Cancellation is how a call whose context is cancelled while it runs in the module stops. In
// every mode a call whose context is done before it starts returns at once, with the context's
// error, and leaves the instance usable.
type Cancellation int

const (
	// CancelAtClock stops a call the next time the module reads the clock. The ranking reads
	// it before every candidate (for its timings), so a cancelled rank call stops within one
	// candidate's work; loading a model or events reads it only when the Go runtime inside
	// the module collects garbage, so such a call may run to its end. The call returns the
	// context's error and breaks the instance (a Pool replaces it). The cost is a poll of the
	// context at each clock read, nothing in the compiled code.
	CancelAtClock Cancellation = iota
	// CancelAnywhere compiles the module with wazero's checks at every loop header and call,
	// which stop a call at once and close the instance. The checks, and a watcher goroutine
	// per call, make a rank call about five times slower (docs/bench.md).
	CancelAnywhere
	// CancelBetweenCalls never stops a running call: it runs to completion, and a cancelled
	// context is honoured at the next call. Cancellation never breaks an instance.
	CancelBetweenCalls
)

func (c Cancellation) String() string {
	switch c {
	case CancelAtClock:
		return "cancel at clock reads"
	case CancelAnywhere:
		return "cancel anywhere"
	case CancelBetweenCalls:
		return "cancel between calls"
	default:
		return "cancellation " + strconv.Itoa(int(c))
	}
}

// Runtime is a compiled scoring module, ready to instantiate. It is safe for concurrent use.
type Runtime struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	compiled wazero.CompiledModule
	config   wazero.ModuleConfig
	stderr   io.Writer
	cancel   Cancellation
	start    time.Time // of the instances' monotonic clocks
	version  Version
	features Features
	fallback error

	// spare is the instance that checked the module's ABI, handed to the first NewInstance
	// call: a cold start then instantiates the module once, not twice.
	spare atomic.Pointer[Instance]
}

// NewRuntime compiles the SIMD module, or the scalar one when the SIMD module cannot be
// compiled or instantiated here, and checks that it speaks this package's ABI.
func NewRuntime(ctx context.Context, mods Modules, opts Options) (*Runtime, error) {
	if len(mods.SIMD) == 0 && len(mods.Scalar) == 0 {
		return nil, errors.New("host: no module given")
	}
	limit := opts.MemoryLimit
	if limit == 0 {
		limit = DefaultMemoryLimit
	}
	if limit > maxMemoryLimit {
		return nil, fmt.Errorf("host: memory limit %d exceeds the 4 GiB a wasm32 module can address", limit)
	}
	cancel := opts.Cancellation
	if cancel < CancelAtClock || cancel > CancelBetweenCalls {
		return nil, fmt.Errorf("host: unknown %v", cancel)
	}
	// NewRuntimeConfig picks the compiler wherever wazero supports it (amd64, arm64) and the
	// interpreter elsewhere, instead of panicking as the compiler-only config would.
	config := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(uint32((limit + pageSize - 1) / pageSize)).
		WithCloseOnContextDone(cancel == CancelAnywhere)
	if opts.DisableSIMD {
		config = config.WithCoreFeatures(api.CoreFeaturesV2.SetEnabled(api.CoreFeatureSIMD, false))
	}
	r := &Runtime{config: moduleConfig(opts), stderr: opts.Stderr, cancel: cancel, start: time.Now()}
	if opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("host: compilation cache: %w", err)
		}
		r.cache = cache
		config = config.WithCompilationCache(cache)
	}
	r.rt = wazero.NewRuntimeWithConfig(ctx, config)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.rt); err != nil {
		return nil, errors.Join(fmt.Errorf("host: instantiate WASI: %w", err), r.Close(ctx))
	}

	var errs []error
	for _, m := range []struct {
		name string
		wasm []byte
	}{{"SIMD", mods.SIMD}, {"scalar", mods.Scalar}} {
		if len(m.wasm) == 0 {
			continue
		}
		if err := r.use(ctx, m.wasm); err != nil {
			errs = append(errs, fmt.Errorf("host: %s module: %w", m.name, err))
			continue
		}
		r.fallback = errors.Join(errs...)
		return r, nil
	}
	return nil, errors.Join(append(errs, r.Close(ctx))...)
}

// moduleConfig gives instances no arguments, environment or files, the host's clocks (the Go
// runtime paces its garbage collector by them) and a real random source (it seeds map
// hashing). Under CancelAtClock, each instance gets a monotonic clock of its own.
func moduleConfig(opts Options) wazero.ModuleConfig {
	c := wazero.NewModuleConfig().
		WithName(""). // anonymous, so that any number of instances can coexist
		WithStartFunctions("_initialize").
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	if opts.Stdout != nil {
		c = c.WithStdout(opts.Stdout)
	}
	return c
}

// use compiles wasm and keeps it if a probe instance starts and speaks the ABI; the probe is
// kept too, as the spare instance.
func (r *Runtime) use(ctx context.Context, wasm []byte) error {
	compiled, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	r.compiled = compiled
	probe, err := r.instantiate(ctx)
	if err == nil {
		r.version, err = probe.Version(ctx)
		if err == nil {
			r.features, err = probe.Features(ctx)
		}
		if err != nil {
			err = errors.Join(err, probe.Close(ctx))
		}
	}
	if err != nil {
		r.compiled = nil
		return errors.Join(err, compiled.Close(ctx))
	}
	r.spare.Store(probe)
	return nil
}

// Version is the ABI version of the selected module.
func (r *Runtime) Version() Version { return r.version }

// Features are the capabilities of the selected module; Features().SIMD() tells which of the
// two modules runs.
func (r *Runtime) Features() Features { return r.features }

// Fallback returns why the SIMD module was not used, or nil if it was (or was not given).
func (r *Runtime) Fallback() error { return r.fallback }

// NewInstance instantiates the module and runs its initialisation. The first call takes over
// the instance NewRuntime started to check the module, so that a cold start instantiates the
// module once.
func (r *Runtime) NewInstance(ctx context.Context) (*Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("host: instantiate: %w", err)
	}
	if inst := r.spare.Swap(nil); inst != nil {
		if inst.Err() == nil {
			return inst, nil
		}
		_ = inst.Close(ctx) // the runtime was closed: instantiating reports it
	}
	return r.instantiate(ctx)
}

func (r *Runtime) instantiate(ctx context.Context) (*Instance, error) {
	stderr := newTail(r.stderr)
	config := r.config.WithStderr(stderr)
	var clock *callClock
	if r.cancel == CancelAtClock {
		clock = &callClock{start: r.start}
		config = config.WithNanotime(clock.nanotime, 1)
	}
	clock.enter(ctx)
	mod, err := r.rt.InstantiateModule(ctx, r.compiled, config)
	clock.leave()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, errCancelledAtClock) {
			err = cerr
		}
		if why := stderr.Cause(); why != "" {
			err = fmt.Errorf("%w; the module wrote: %s", err, why)
		}
		return nil, fmt.Errorf("host: instantiate: %w", err)
	}
	inst, err := newInstance(ctx, mod, clock, stderr)
	if err != nil {
		return nil, errors.Join(err, mod.Close(ctx))
	}
	return inst, nil
}

// Close releases the runtime, every instance made from it and the compilation cache's
// in-memory state (the cache directory stays).
func (r *Runtime) Close(ctx context.Context) error {
	var errs []error
	if err := r.rt.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("host: close runtime: %w", err))
	}
	if r.cache != nil {
		if err := r.cache.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("host: close compilation cache: %w", err))
		}
	}
	return errors.Join(errs...)
}
