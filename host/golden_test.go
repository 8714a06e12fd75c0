package host_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/internal/paritytest"
)

// TestGolden checks that the SIMD and the scalar module rank the parity fixture's cases as
// native core does (core/parity; regenerate with go test ./core/parity -update).
func TestGolden(t *testing.T) {
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	require.NotEmpty(t, f.Cases)
	for _, m := range []struct {
		name string
		mods host.Modules
	}{
		{"simd", host.Modules{SIMD: host.BuiltModules().SIMD}},
		{"scalar", host.Modules{Scalar: host.BuiltModules().Scalar}},
	} {
		t.Run(m.name, func(t *testing.T) {
			ctx := context.Background()
			rt, err := host.NewRuntime(ctx, m.mods, host.Options{CacheDir: host.SharedCacheDir()})
			require.NoError(t, err)
			defer rt.Close(ctx)
			require.Equal(t, m.name == "simd", rt.Features().SIMD())
			inst, err := rt.NewInstance(ctx)
			require.NoError(t, err)
			worst, err := parity.Check(ctx, paritytest.Runner{R: host.NewRanker(inst)}, f, models)
			require.NoError(t, err)
			t.Logf("largest relative score difference from native core: %.3g", worst)
		})
	}
}
