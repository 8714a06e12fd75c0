package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/eval/suite"
)

// TestDemoGenerated runs the demo on generated data: the first run trains and caches the model,
// the next loads it, and every run ranks the same way.
func TestDemoGenerated(t *testing.T) {
	cache := t.TempDir()
	heldOut := regexp.MustCompile(`held-out "[^"]+": #\d+ of 30 by popularity → #\d+ by SEMINAR`)
	tests := []struct {
		name      string
		args      []string
		wantModel string
	}{
		{"trains and caches", nil, "model   trained in"},
		{"loads the cache", nil, "model   loaded " + cache},
		{"retrains on request", []string{"--retrain"}, "model   trained in"},
	}
	var landed []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"demo", "--generated", "--quiet", "--cache-dir", cache, "--eval-users", "5"}, tt.args...)
			stdout, _, err := runCLI(t, args...)
			require.NoError(t, err)
			assert.Contains(t, stdout, tt.wantModel)
			assert.Contains(t, stdout, "generated data")
			assert.Contains(t, stdout, "BEFORE: by popularity")
			assert.Contains(t, stdout, "the first 5 users")
			line := heldOut.FindString(stdout)
			require.NotEmpty(t, line, "no held-out summary in:\n%s", stdout)
			landed = append(landed, line)
			assert.Equal(t, 2, strings.Count(stdout, "▶ "), "the held-out item is marked once in each list")
		})
	}
	require.Len(t, landed, len(tests))
	for _, l := range landed[1:] {
		assert.Equal(t, landed[0], l, "the same data, seed and model rank alike")
	}
}

// TestDemoCache checks that training replaces the cached models of other recipes, and that a
// cached file that does not load is trained again.
func TestDemoCache(t *testing.T) {
	cache := t.TempDir()
	stale := filepath.Join(cache, "demo-synth-000000000000.model")
	require.NoError(t, os.WriteFile(stale, []byte("an older recipe"), 0o644))
	_, _, err := runCLI(t, "demo", "--generated", "--quiet", "--cache-dir", cache, "--eval-users", "0")
	require.NoError(t, err)
	models, err := filepath.Glob(filepath.Join(cache, "demo-*.model"))
	require.NoError(t, err)
	require.Len(t, models, 1)
	assert.NotEqual(t, stale, models[0])

	require.NoError(t, os.WriteFile(models[0], []byte("not a model"), 0o644))
	stdout, stderr, err := runCLI(t, "demo", "--generated", "--quiet", "--cache-dir", cache, "--eval-users", "0")
	require.NoError(t, err)
	assert.Contains(t, stderr, "training again")
	assert.Contains(t, stdout, "model   trained in")
}

func TestDemoFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"too few candidates", []string{"--candidates", "1"}, "--candidates 1"},
		{"too many candidates", []string{"--candidates", "201"}, "--candidates 201"},
		{"unknown user", []string{"--generated", "--user", "nobody"}, `no user "nobody"`},
		{"missing data folder", []string{"--data-dir", filepath.Join(t.TempDir(), "none")}, "--data-dir"},
	}
	cache := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"demo", "--quiet", "--cache-dir", cache, "--eval-users", "0"}, tt.args...)
			_, _, err := runCLI(t, args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDemoCandidates(t *testing.T) {
	spec, err := suite.LoadSpec("synth", "", suite.Quick)
	require.NoError(t, err)
	d := spec.Task.Dataset
	tests := []struct {
		name string
		n    int
		seed uint64
	}{
		{"two", 2, 1},
		{"thirty", 30, 1},
		{"another seed", 30, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range spec.Task.Test {
				cands, err := demoCandidates(d, c, tt.n, tt.seed)
				require.NoError(t, err)
				require.Len(t, cands, tt.n)
				assert.Equal(t, 1, countOf(cands, c.Target.Item), "the held-out item, once")
				sorted := slices.Clone(cands)
				slices.Sort(sorted)
				assert.Len(t, slices.Compact(sorted), tt.n, "distinct")
				for _, e := range d.Users[c.User].Events {
					if e.Item != c.Target.Item {
						assert.NotContains(t, cands, e.Item, "an item the user interacted with")
					}
				}
				again, err := demoCandidates(d, c, tt.n, tt.seed)
				require.NoError(t, err)
				assert.Equal(t, cands, again)
			}
		})
	}
}

func countOf(xs []int32, x int32) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func TestWriteColumns(t *testing.T) {
	var b strings.Builder
	rows := [][]string{{"#", "title", "#", "title"}, {"1", "Heat", "1", "Fargo"}, {"▶ 2", "Fargo", "2", "Heat"}}
	require.NoError(t, writeColumns(&b, [2]string{"BEFORE", "AFTER"}, rows, []bool{true, false, true, false}, 2))
	want := "  BEFORE          AFTER\n" +
		"    #  title      #  title\n" +
		"    1  Heat       1  Fargo\n" +
		"  ▶ 2  Fargo      2  Heat\n"
	assert.Equal(t, want, b.String())
}
