package module

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
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
			_, err = parity.Check(ctx, runner{host.NewRanker(inst)}, f, models)
			require.NoError(t, err, "stale embedded module? run ./build.sh module")
		})
	}
}

// runner runs the parity fixture through a host Ranker.
type runner struct{ r *host.Ranker }

func (h runner) LoadModel(ctx context.Context, file []byte) error {
	_, err := h.r.LoadModel(ctx, file)
	return err
}

func (h runner) LoadEvents(ctx context.Context, events []abi.Event, opts abi.StoreOptions) error {
	_, err := h.r.LoadEvents(ctx, events, opts)
	return err
}

func (h runner) Rank(ctx context.Context, req *abi.RankRequest) ([]int32, []float32, error) {
	rep, err := h.r.Rank(ctx, req)
	return rep.Order, rep.Scores, err
}
