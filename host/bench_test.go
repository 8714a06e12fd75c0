package host

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkNewRuntime compiles the SIMD module (and starts a probe instance) without a cache
// and from a warm cache directory. Run it with a small fixed -benchtime (e.g. 3x).
func BenchmarkNewRuntime(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"cold", false}, {"cache-dir", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var opts Options
			if bc.cached {
				opts.CacheDir = b.TempDir()
				r, err := NewRuntime(ctx, Modules{SIMD: testModules.SIMD}, opts)
				require.NoError(b, err)
				require.NoError(b, r.Close(ctx))
			}
			for b.Loop() {
				r, err := NewRuntime(ctx, Modules{SIMD: testModules.SIMD}, opts)
				require.NoError(b, err)
				require.NoError(b, r.Close(ctx))
			}
		})
	}
}

func BenchmarkNewInstance(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		inst, err := simdRuntime.NewInstance(ctx)
		require.NoError(b, err)
		require.NoError(b, inst.Close(ctx))
	}
}

// benchModes are the ways a runtime can stop a cancelled call.
var benchModes = []struct {
	name string
	opts Options
}{
	{"at-clock", Options{Cancellation: CancelAtClock}},
	{"anywhere", Options{Cancellation: CancelAnywhere}},
	{"between-calls", Options{Cancellation: CancelBetweenCalls}},
}

// BenchmarkVersion is the round trip of the cheapest export.
func BenchmarkVersion(b *testing.B) {
	ctx := context.Background()
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			inst := newTestInstance(b, newTestRuntime(b, Modules{SIMD: testModules.SIMD}, mode.opts))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := inst.Version(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
