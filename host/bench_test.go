package host

import (
	"context"
	"strconv"
	"testing"

	"github.com/seminar-ranker/seminar/core/kernels"
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

// BenchmarkDotSmoke compares the SIMD and scalar modules (take the ratio of the two, or use
// benchstat), in both modes, with native Go as a yardstick.
func BenchmarkDotSmoke(b *testing.B) {
	ctx := context.Background()
	for _, mode := range benchModes {
		for _, m := range []struct {
			name string
			mods Modules
		}{{"simd", Modules{SIMD: testModules.SIMD}}, {"scalar", Modules{Scalar: testModules.Scalar}}} {
			r := newTestRuntime(b, m.mods, mode.opts)
			for _, n := range []int{64, 10_000} {
				x := randomFloats(uint64(n), n)
				b.Run(mode.name+"/"+m.name+"/n="+strconv.Itoa(n), func(b *testing.B) {
					inst := newTestInstance(b, r)
					b.ReportAllocs()
					for b.Loop() {
						if _, err := inst.DotSmoke(ctx, x); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
	for _, n := range []int{64, 10_000} {
		x := randomFloats(uint64(n), n)
		b.Run("native/n="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				kernels.Dot(x, x)
			}
		})
	}
}
