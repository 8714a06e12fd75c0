package module

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/internal/paritytest"
)

// TestEmbeddedModules fails when the embedded modules are stale: run ./build.sh module.
func TestEmbeddedModules(t *testing.T) {
	ctx := context.Background()
	mods, err := Modules()
	require.NoError(t, err)
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		mods host.Modules
		simd bool
	}{
		{"simd", host.Modules{SIMD: mods.SIMD}, true},
		{"scalar", host.Modules{Scalar: mods.Scalar}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := host.NewRuntime(ctx, tt.mods, host.Options{CacheDir: t.TempDir()})
			require.NoError(t, err, "stale embedded module? run ./build.sh module")
			defer rt.Close(ctx)
			assert.Equal(t, host.ABIVersion(), rt.Version())
			assert.Equal(t, tt.simd, rt.Features().SIMD())
			inst, err := rt.NewInstance(ctx)
			require.NoError(t, err)
			_, err = parity.Check(ctx, paritytest.Runner{R: host.NewRanker(inst)}, f, models)
			require.NoError(t, err, "stale embedded module? run ./build.sh module")
		})
	}
}
