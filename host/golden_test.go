package host_test

import (
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/internal/parity"
)

var update = flag.Bool("update", false, "regenerate testdata/parity from native core")

// TestGolden checks that native core, the SIMD module and the scalar module rank the parity
// fixture's cases alike: the same order, scores within parity.Tolerance. With -update it
// first regenerates the fixture from native core.
func TestGolden(t *testing.T) {
	dir, err := parity.Dir()
	require.NoError(t, err)
	if *update {
		require.NoError(t, parity.Generate(dir))
	}
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	require.NotEmpty(t, f.Cases)

	t.Run("native", func(t *testing.T) {
		for i := range f.Cases {
			c := &f.Cases[i]
			res, err := parity.RankNative(f, c, models[c.Model])
			require.NoError(t, err, c.Name)
			require.NoError(t, c.Compare(res.Order, res.Scores))
		}
	})
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
			worst, err := parity.CheckRanker(ctx, host.NewRanker(inst), f, models)
			require.NoError(t, err)
			t.Logf("largest relative score difference from native core: %.3g", worst)
		})
	}
}
