package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/eval/suite"
)

func TestCandidates(t *testing.T) {
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
				cands, err := Candidates(d, c, tt.n, tt.seed)
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
				again, err := Candidates(d, c, tt.n, tt.seed)
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

func TestNewJob(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"too few candidates", Options{Candidates: 1, Generated: true}, "--candidates 1"},
		{"too many candidates", Options{Candidates: 201, Generated: true}, "--candidates 201"},
		{"missing data folder", Options{Candidates: 30, DataDir: filepath.Join(t.TempDir(), "none")}, "--data-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJob(tt.opts)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestModelCache checks that training replaces the cached models of other recipes, and that a
// cached file that does not load is trained again.
func TestModelCache(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	stale := filepath.Join(cache, "demo-synth-000000000000.model")
	require.NoError(t, os.WriteFile(stale, []byte("an older recipe"), 0o644))
	var log bytes.Buffer
	j, err := NewJob(Options{Generated: true, CacheDir: cache, Candidates: 30, Seed: 1, Log: &log})
	require.NoError(t, err)
	m, err := j.Model(ctx)
	require.NoError(t, err)
	assert.False(t, m.Cached)
	models, err := filepath.Glob(filepath.Join(cache, "demo-*.model"))
	require.NoError(t, err)
	require.Equal(t, []string{m.Path}, models)

	again, err := j.Model(ctx)
	require.NoError(t, err)
	assert.True(t, again.Cached)
	assert.Equal(t, m.File, again.File)

	require.NoError(t, os.WriteFile(m.Path, []byte("not a model"), 0o644))
	m, err = j.Model(ctx)
	require.NoError(t, err)
	assert.False(t, m.Cached)
	assert.Contains(t, log.String(), "training again")
}

func TestRecipeKeepsEarlierCaches(t *testing.T) {
	assert.Equal(t, "{layout:two-stage subspaces:0 bits:4 fine:-1 maxEvents:200000 seed:3}", codecKey(Codec(3)))
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{clip("Star Wars", 20), "Star Wars"},
		{clip("Umbrellas of Cherbourg, The", 12), "Umbrellas o…"},
		{clip("Café Society", 5), "Café…"},
		{fmtShare(0.256), "26%"},
		{fmtDate(0), "1970-01-01"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
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
