package host

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/parity"
)

// fixture is the parity fixture, read once.
var fixture = sync.OnceValues(func() (*parity.Fixture, error) {
	dir, err := parity.Dir()
	if err != nil {
		return nil, err
	}
	f, _, err := parity.Load(dir)
	return f, err
})

func parityFile(t testing.TB, name string) []byte {
	t.Helper()
	root, err := repoRoot()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "testdata", "parity", name))
	require.NoError(t, err)
	return b
}

func parityFixture(t testing.TB) *parity.Fixture {
	t.Helper()
	f, err := fixture()
	require.NoError(t, err)
	return f
}

// loadParity loads the parity fixture's 4-bit model and events into inst and returns a
// Ranker over it.
func loadParity(t testing.TB, ctx context.Context, inst *Instance) *Ranker {
	t.Helper()
	r := NewRanker(inst)
	_, err := r.LoadModel(ctx, parityFile(t, parity.Model4))
	require.NoError(t, err)
	_, err = r.LoadEvents(ctx, parityFixture(t).Events, abi.StoreOptions{Exact: true})
	require.NoError(t, err)
	return r
}

// rankCase ranks case c of the parity fixture and checks the answer.
func rankCase(ctx context.Context, r *Ranker, c *parity.Case) error {
	rep, err := r.Rank(ctx, &c.Request)
	if err != nil {
		return err
	}
	return c.Compare(rep.Order, rep.Scores)
}

// works checks that inst answers a real request: it loads the model and ranks.
func works(t testing.TB, ctx context.Context, inst *Instance) {
	t.Helper()
	r := loadParity(t, ctx, inst)
	f := parityFixture(t)
	require.NoError(t, rankCase(ctx, r, &f.Cases[5]))
}
