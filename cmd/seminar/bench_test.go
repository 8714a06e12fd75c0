package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/bench"
)

// runCLI runs the seminar command line with args and returns its standard output and error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// TestBenchQuick checks the command's wiring: the flags reach the run, --json prints the
// report, --markdown writes the page naming the command line. Package bench checks the figures.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the modules several times: skipped with -short")
	}
	md := filepath.Join(t.TempDir(), "bench.md")
	stdout, stderr, err := runCLI(t, "bench", "--quick", "--json", "--markdown", md, "--seed", "2")
	require.NoError(t, err)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, bench.QuickPlan().Lengths, rep.Plan.Lengths)
	assert.Contains(t, rep.Setup.Events, "seed 2")
	assert.Contains(t, stderr, "bench: cold start")
	page, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(page), "`seminar bench --json --markdown "+md+" --quick --seed 2`")
}
