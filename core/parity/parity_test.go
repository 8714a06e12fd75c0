package parity_test

import (
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/parity"
)

var update = flag.Bool("update", false, "regenerate testdata/parity from native core")

// TestNative checks that native core reproduces the fixture; with -update it first rewrites
// the fixture from native core (regenerate with the portable kernels, without
// GOEXPERIMENT=simd; then run the host's and the embedders' parity tests).
func TestNative(t *testing.T) {
	dir, err := parity.Dir()
	require.NoError(t, err)
	if *update {
		require.NoError(t, parity.Generate(dir))
	}
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	require.NotEmpty(t, f.Cases)
	worst, err := parity.Check(context.Background(), &parity.Native{}, f, models)
	require.NoError(t, err)
	t.Logf("largest relative score difference from the goldens: %.3g", worst)
}
