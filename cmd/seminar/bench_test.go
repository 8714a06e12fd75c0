package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/host"
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

func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the modules several times: skipped with -short")
	}
	md := filepath.Join(t.TempDir(), "bench.md")
	stdout, _, err := runCLI(t, "bench", "--quick", "--json", "--markdown", md)
	require.NoError(t, err)
	var rep benchReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	plan := quickBenchPlan()

	type cell struct {
		runner, mode string
		l, c         int
	}
	var want []cell
	for _, l := range plan.Lengths {
		for _, c := range plan.Candidates {
			want = append(want, cell{runnerSIMD, modePQ, l, c}, cell{runnerNative, modePQ, l, c})
			if l == plan.FocusL {
				want = append(want, cell{runnerScalar, modePQ, l, c})
			}
		}
	}
	want = append(want, cell{runnerAnywhere, modePQ, plan.FocusL, plan.FocusC}, cell{runnerBetweenCalls, modePQ, plan.FocusL, plan.FocusC})
	for _, mode := range []string{modePQInt8, modeExact} {
		want = append(want, cell{runnerSIMD, mode, plan.FocusL, plan.FocusC}, cell{runnerNative, mode, plan.FocusL, plan.FocusC})
	}
	require.Len(t, rep.Rank, len(want))
	for _, w := range want {
		row, ok := findRow(rep.Rank, w.runner, w.mode, w.l, w.c)
		require.True(t, ok, "no row for %+v", w)
		assert.Positive(t, row.Median, "%+v", w)
		assert.GreaterOrEqual(t, row.P90, row.Median, "%+v", w)
		assert.Positive(t, row.Inside.Total, "%+v", w)
		assert.True(t, row.SameOrder, "%+v orders the candidates unlike the native ranker", w)
		assert.GreaterOrEqual(t, row.Reps, plan.MinReps)
		assert.LessOrEqual(t, row.Reps, plan.MaxReps)
	}

	names := map[string]bool{}
	for _, r := range rep.Ratios {
		names[r.Name] = true
		assert.Positive(t, r.Value, r.Name)
	}
	for _, name := range []string{"scalar ÷ SIMD128 (wasm)", "wasm SIMD128 ÷ native (pq)", "wasm SIMD128 ÷ native (exact)",
		"exact ÷ PQ (wasm SIMD128)", "cancel anywhere ÷ cancel at clock reads, the default (wasm SIMD128)",
		"cancel at clock reads, the default ÷ cancel between calls (wasm SIMD128)",
		"PQ from codes ÷ PQ with the int8 copy (wasm SIMD128)"} {
		assert.True(t, names[name], "no ratio %q", name)
	}
	require.Len(t, rep.Targets, 3)
	for _, tg := range rep.Targets {
		assert.False(t, tg.Judged, "quick sizes judged against %s", tg.Name)
		assert.Positive(t, tg.Measured, tg.Name)
	}
	require.Len(t, rep.ColdStart, 3)
	assert.Equal(t, host.CancelAtClock.String(), rep.ColdStart[0].Runtime)
	assert.Equal(t, host.CancelAnywhere.String(), rep.ColdStart[2].Runtime)
	for _, c := range rep.ColdStart {
		assert.Positive(t, c.Total, "%+v", c)
		assert.GreaterOrEqual(t, c.Total, c.LoadModel)
	}
	require.Len(t, rep.Memory, len(plan.Lengths))
	for _, m := range rep.Memory {
		assert.Positive(t, m.Model)
		assert.GreaterOrEqual(t, m.Events, m.Model)
		assert.GreaterOrEqual(t, m.AfterRanks, m.Events)
		assert.Zero(t, m.AfterRanks%(64<<10), "linear memory is whole 64 KiB pages")
	}
	require.Len(t, rep.Modules, 2)
	for _, m := range rep.Modules {
		assert.Less(t, m.Gzip, m.Raw)
		assert.Positive(t, m.Gzip)
	}

	page, err := os.ReadFile(md)
	require.NoError(t, err)
	for _, section := range []string{"# Benchmarks", "## Targets", "## Rank latency", "## Ratios", "## Cold start",
		"## Instance memory", "## Module sizes", "not judged (--quick)", "`seminar bench --json --markdown " + md + " --quick`"} {
		assert.Contains(t, string(page), section)
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"empty", nil, 0.5, 0},
		{"one", []float64{3}, 0.9, 3},
		{"median odd", []float64{5, 1, 3}, 0.5, 3},
		{"median even takes the lower middle", []float64{4, 1, 3, 2}, 0.5, 2},
		{"p90 of ten", []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0.9, 9},
		{"p90 of seven is the largest", []float64{1, 2, 3, 4, 5, 6, 7}, 0.9, 7},
		{"minimum", []float64{2, 1}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]float64(nil), tt.xs...)
			assert.Equal(t, tt.want, quantile(tt.xs, tt.q))
			assert.Equal(t, before, tt.xs, "quantile must not reorder its input")
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(1000), "1,000"},
		{thousands(100000), "100,000"},
		{thousands(1234567), "1,234,567"},
		{fmtFloat(0.01234), "0.012"},
		{fmtFloat(1.234), "1.23"},
		{fmtFloat(12.34), "12.3"},
		{fmtFloat(123.4), "123"},
		{fmtFloat(12345.6), "12,346"},
		{clip("Star Wars", 20), "Star Wars"},
		{clip("Umbrellas of Cherbourg, The", 12), "Umbrellas o…"},
		{clip("Café Society", 5), "Café…"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
}

func TestMarkdownTable(t *testing.T) {
	tests := []struct {
		name  string
		table mdTable
		want  string
	}{
		{
			name:  "pads to the widest cell, right-aligns numbers",
			table: mdTable{head: []string{"L", "median"}, right: []bool{true, true}, rows: [][]string{{"10,000", "4.2"}, {"1", "12.3"}}},
			want: "|      L | median |\n" +
				"| -----: | -----: |\n" +
				"| 10,000 |    4.2 |\n" +
				"|      1 |   12.3 |\n\n",
		},
		{
			name:  "counts runes, not bytes",
			table: mdTable{head: []string{"ratio", "x"}, right: []bool{false, true}, rows: [][]string{{"a ÷ b", "3×"}}},
			want: "| ratio |   x |\n" +
				"| ----- | --: |\n" +
				"| a ÷ b |  3× |\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.table.write(&b)
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestBenchItems(t *testing.T) {
	v2, v3 := []float32{1, 2}, []float32{1, 2, 3}
	tests := []struct {
		name  string
		dense [][]float32
		dims  []int
		want  [][]float32
	}{
		{"no slots in the model", [][]float32{v2}, nil, [][]float32{}},
		{"matching slot kept", [][]float32{v2}, []int{2}, [][]float32{v2}},
		{"other width dropped in place", [][]float32{v3, v2}, []int{2, 2}, [][]float32{nil, v2}},
		{"slots beyond the model's dropped", [][]float32{v2, v3}, []int{2}, [][]float32{v2}},
		{"item without dense vectors", nil, []int{2}, [][]float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := benchItems([]data.Item{{ID: "a", Dense: tt.dense}}, tt.dims)
			require.Len(t, got, 1)
			assert.Equal(t, "a", got[0].ID)
			assert.Equal(t, tt.want, got[0].Dense)
		})
	}
}
