package host

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emptyModule is a valid WebAssembly module with nothing in it.
var emptyModule = []byte("\x00asm\x01\x00\x00\x00")

func TestNewRuntimeSelectsModule(t *testing.T) {
	both := testModules
	tests := []struct {
		name     string
		mods     Modules
		opts     Options
		wantErr  bool
		simd     bool
		fallback bool
	}{
		{name: "both: SIMD preferred", mods: both, simd: true},
		{name: "both, runtime without SIMD: scalar", mods: both, opts: Options{DisableSIMD: true}, fallback: true},
		{name: "SIMD only", mods: Modules{SIMD: both.SIMD}, simd: true},
		{name: "scalar only", mods: Modules{Scalar: both.Scalar}},
		{name: "SIMD not wasm: scalar", mods: Modules{SIMD: []byte("\x00asm garbage"), Scalar: both.Scalar}, fallback: true},
		{name: "SIMD without the ABI: scalar", mods: Modules{SIMD: emptyModule, Scalar: both.Scalar}, fallback: true},
		{name: "only a module without the ABI", mods: Modules{Scalar: emptyModule}, wantErr: true},
		{name: "SIMD only, runtime without SIMD", mods: Modules{SIMD: both.SIMD}, opts: Options{DisableSIMD: true}, wantErr: true},
		{name: "none", mods: Modules{}, wantErr: true},
		{name: "memory limit below the module's minimum", mods: both, opts: Options{MemoryLimit: 64 << 10}, wantErr: true},
		{name: "memory limit above 4 GiB", mods: both, opts: Options{MemoryLimit: 1<<32 + 1}, wantErr: true},
		{name: "unknown cancellation", mods: both, opts: Options{Cancellation: CancelBetweenCalls + 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			tt.opts.CacheDir = testCacheDir
			r, err := NewRuntime(ctx, tt.mods, tt.opts)
			if tt.wantErr {
				require.Error(t, err)
				assert.Nil(t, r)
				return
			}
			require.NoError(t, err)
			defer func() { require.NoError(t, r.Close(ctx)) }()
			assert.Equal(t, tt.simd, r.Features().SIMD())
			assert.Equal(t, ABIVersion(), r.Version())
			if tt.fallback {
				assert.ErrorContains(t, r.Fallback(), "SIMD module")
			} else {
				assert.NoError(t, r.Fallback())
			}
		})
	}
}

func TestCompilationCacheDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for range 2 {
		r, err := NewRuntime(ctx, Modules{Scalar: testModules.Scalar}, Options{CacheDir: dir})
		require.NoError(t, err)
		inst, err := r.NewInstance(ctx)
		require.NoError(t, err)
		works(t, ctx, inst)
		require.NoError(t, r.Close(ctx))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.NotEmpty(t, entries, "compiled code is written to the cache directory")
}

func TestRuntimeClosed(t *testing.T) {
	ctx := context.Background()
	for _, took := range []bool{true, false} {
		r, err := NewRuntime(ctx, testModules, Options{CacheDir: testCacheDir})
		require.NoError(t, err)
		var inst *Instance
		if took {
			inst, err = r.NewInstance(ctx)
			require.NoError(t, err)
		}
		require.NoError(t, r.Close(ctx))

		_, err = r.NewInstance(ctx)
		assert.Error(t, err, "the spare instance is closed with the runtime")
		if took {
			_, err = inst.Version(ctx)
			assert.ErrorIs(t, err, ErrInstanceBroken, "closing the runtime closes its instances")
		}
	}
}

// The instance that checked the module serves the first NewInstance; later calls instantiate.
func TestNewInstanceTakesTheSpare(t *testing.T) {
	ctx := context.Background()
	r := newTestRuntime(t, testModules, Options{})
	spare := r.spare.Load()
	require.NotNil(t, spare)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := r.NewInstance(cancelled)
	require.ErrorIs(t, err, context.Canceled)
	assert.Same(t, spare, r.spare.Load(), "a failed call leaves the spare")

	first := newTestInstance(t, r)
	second := newTestInstance(t, r)
	assert.Same(t, spare, first)
	assert.NotSame(t, first, second)
	for _, inst := range []*Instance{first, second} {
		works(t, ctx, inst)
	}
}

func TestCancellationString(t *testing.T) {
	for c, want := range map[Cancellation]string{
		CancelAtClock: "cancel at clock reads", CancelAnywhere: "cancel anywhere",
		CancelBetweenCalls: "cancel between calls", 7: "cancellation 7",
	} {
		assert.Equal(t, want, c.String())
	}
}

func TestVersionCompatible(t *testing.T) {
	tests := []struct {
		module, host Version
		want         bool
	}{
		{Version{0, 1, 0}, Version{0, 1, 0}, true},
		{Version{0, 1, 7}, Version{0, 1, 0}, true},
		{Version{0, 2, 0}, Version{0, 1, 0}, false},
		{Version{0, 1, 0}, Version{0, 2, 0}, false},
		{Version{1, 3, 0}, Version{1, 2, 0}, true},
		{Version{1, 1, 0}, Version{1, 2, 0}, false},
		{Version{2, 0, 0}, Version{1, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.module.String()+" for "+tt.host.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.module.compatible(tt.host))
		})
	}
}

func TestUnpackVersion(t *testing.T) {
	assert.Equal(t, Version{1, 2, 3}, unpackVersion(1<<16|2<<8|3))
	assert.Equal(t, "1.2.3", Version{1, 2, 3}.String())
}
