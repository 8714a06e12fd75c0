package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
)

// workedExample returns the seminar commands of the worked example in docs/data.md, one
// argument list each, continuation lines joined.
func workedExample(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/data.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(b), "<!-- worked-example")
	require.True(t, ok, "docs/data.md has no worked example")
	block, _, ok = strings.Cut(block, "<!-- end worked-example -->")
	require.True(t, ok)
	var cmds [][]string
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "./bin/seminar "); ok {
			cmds = append(cmds, strings.Fields(rest))
		}
	}
	return cmds
}

// TestWorkedExample runs the commands of docs/data.md's worked example as written, from the raw
// CSV to the results table, at small scale: results runs with --quick, and out/ is a
// temporary folder.
func TestWorkedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every model of the comparison: skipped with -short")
	}
	out := t.TempDir()
	cmds := workedExample(t)
	require.Len(t, cmds, 3, "import, stats, results")
	for _, args := range cmds {
		for i, a := range args {
			switch {
			case strings.HasPrefix(a, "out/"):
				args[i] = filepath.Join(out, strings.TrimPrefix(a, "out/"))
			case strings.HasPrefix(a, "testdata/"):
				args[i] = filepath.Join("../..", a)
			}
		}
		if args[0] == "results" {
			args = append(args, "--quick", "--quiet", "--candidates", filepath.Join(out, "candidates"))
		}
		stdout, _, err := runCLI(t, args...)
		require.NoError(t, err, "seminar %s", strings.Join(args, " "))
		if args[0] == "data" && args[1] == "import" {
			assert.Contains(t, stdout, "wrote 80 test candidate lists")
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "shop-results", "results.md"))
	require.NoError(t, err)
	for _, row := range []string{"| SEMINAR |", "| DIN (last N) |", "| SIM hard (same category) |"} {
		assert.Contains(t, string(md), row)
	}
	f, err := os.Open(filepath.Join(out, "shop-results", "results.json"))
	require.NoError(t, err)
	defer f.Close()
	res, err := suite.ReadJSON(f)
	require.NoError(t, err)
	require.Len(t, res.Datasets, 1)
	assert.Equal(t, 80, res.Datasets[0].Methods[0].Runs[0].Test.Cases, "every user's fixed list is a test case")
}

// The candidate lists of a dataset file are validated, and the error names the case.
func TestCandidateListsValidated(t *testing.T) {
	dir := t.TempDir()
	ds := filepath.Join(dir, "shop.sds")
	_, _, err := runCLI(t, "data", "import", "../../testdata/import/events.csv", "--items",
		"../../testdata/import/items.csv", "--out", ds)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "shop-test-lists.json"))
	require.NoError(t, err)
	var good eval.FixedLists
	require.NoError(t, json.Unmarshal(b, &good))
	first := good.Cases[0]
	d, err := datafile.ReadFile(ds)
	require.NoError(t, err)
	var historyItem string
	for _, u := range d.Users {
		if u.ID == first.User {
			historyItem = d.Items[u.Events[0].Item].ID
		}
	}
	require.NotEqual(t, first.Positive, historyItem)
	tests := []struct {
		name   string
		mutate func(fl *eval.FixedLists)
		errHas string
	}{
		{"duplicate", func(fl *eval.FixedLists) { fl.Cases[0].Negatives[1] = fl.Cases[0].Negatives[0] },
			"case of user \"" + first.User + "\" (positive \"" + first.Positive + "\"): negative \"" +
				first.Negatives[0] + "\" is listed twice"},
		{"positive", func(fl *eval.FixedLists) { fl.Cases[0].Negatives[2] = first.Positive }, "is the positive"},
		{"unknown item", func(fl *eval.FixedLists) { fl.Cases[0].Negatives[0] = "nope" }, "negative \"nope\" is not an item"},
		{"unknown user", func(fl *eval.FixedLists) { fl.Cases[0].User = "nobody" }, "list 0 (user \"nobody\"): the user has no test case"},
		{"from the history", func(fl *eval.FixedLists) { fl.Cases[0].Negatives[0] = historyItem }, "is in the user's history"},
		{"short list", func(fl *eval.FixedLists) { fl.Cases[1].Negatives = fl.Cases[1].Negatives[:3] }, "3 negatives, the first list has 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fl eval.FixedLists
			require.NoError(t, json.Unmarshal(b, &fl))
			tt.mutate(&fl)
			path := filepath.Join(dir, tt.name+".json")
			out, err := json.Marshal(fl)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, out, 0o644))
			_, _, err = runCLI(t, "results", "--quick", "--datasets", ds, "--candidate-lists", path, "--out",
				filepath.Join(dir, "r"), "--candidates", filepath.Join(dir, "c"), "--quiet")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}
}
