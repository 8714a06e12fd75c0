package bench

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/host"
)

func TestRunQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the modules several times: skipped with -short")
	}
	plan := QuickPlan()
	rep, err := Run(context.Background(), plan, Options{Seed: 1, Command: "seminar bench --quick"})
	require.NoError(t, err)

	type cell struct {
		runner, mode string
		l, c         int
	}
	var want []cell
	for _, l := range plan.Lengths {
		for _, c := range plan.Candidates {
			want = append(want, cell{RunnerSIMD, ModePQ, l, c}, cell{RunnerNative, ModePQ, l, c})
			if l == plan.FocusL {
				want = append(want, cell{RunnerScalar, ModePQ, l, c})
			}
		}
	}
	if rep.Setup.Reference != "" {
		for _, l := range plan.Lengths {
			for _, c := range plan.Candidates {
				want = append(want, cell{RunnerReference, ModePQ, l, c})
			}
		}
	}
	want = append(want, cell{RunnerAnywhere, ModePQ, plan.FocusL, plan.FocusC}, cell{RunnerBetweenCalls, ModePQ, plan.FocusL, plan.FocusC})
	for _, mode := range []string{ModePQInt8, ModeExact} {
		want = append(want, cell{RunnerSIMD, mode, plan.FocusL, plan.FocusC}, cell{RunnerNative, mode, plan.FocusL, plan.FocusC})
	}
	require.Len(t, rep.Rank, len(want))
	for _, w := range want {
		row, ok := FindRow(rep.Rank, w.runner, w.mode, w.l, w.c)
		require.True(t, ok, "no row for %+v", w)
		assert.Positive(t, row.Median, "%+v", w)
		assert.GreaterOrEqual(t, row.P90, row.Median, "%+v", w)
		assert.Len(t, row.Rounds, row.Reps, "%+v", w)
		if w.runner == RunnerReference {
			continue // no ranking: C scans
		}
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
	if rep.Setup.Reference != "" {
		assert.True(t, names[RatioReference], "no ratio %q", RatioReference)
	}
	// The ratio targets at the focus and long lengths (with the reference), the SIMD speed-up,
	// and the two absolute times, which are never judged.
	ratioTargets := 0
	if rep.Setup.Reference != "" {
		ratioTargets = 2
	}
	require.Len(t, rep.Targets, ratioTargets+3)
	absolute := 0
	for _, tg := range rep.Targets {
		assert.False(t, tg.Judged, "quick sizes judged against %s", tg.Name)
		assert.Positive(t, tg.Measured, tg.Name)
		if tg.Absolute {
			absolute++
		}
	}
	assert.Equal(t, 2, absolute)
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

	var png bytes.Buffer
	require.NoError(t, WriteChart(&png, rep))
	_, format, err := image.DecodeConfig(&png)
	require.NoError(t, err)
	assert.Equal(t, "png", format)

	rep.Chart = ChartFile
	var page strings.Builder
	require.NoError(t, WriteMarkdown(&page, rep))
	assert.Contains(t, page.String(), "]("+ChartFile+")", "the page shows the chart")
	for _, section := range []string{"# Benchmarks", "## Targets", "## Rank latency", "## Ratios", "## Cold start",
		"## Instance memory", "## Module sizes", "not judged (--quick)", "`seminar bench --quick`"} {
		assert.Contains(t, page.String(), section)
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

func TestPairedRatio(t *testing.T) {
	tests := []struct {
		name     string
		num, den []float64
		want     float64
		ok       bool
	}{
		{"round by round", []float64{2, 6, 3}, []float64{1, 2, 3}, 2, true},
		{"a burst moves both sides", []float64{2, 20, 2}, []float64{1, 10, 1}, 2, true},
		{"zero denominators skipped", []float64{2, 4}, []float64{0, 2}, 2, true},
		{"unequal lengths: the common rounds", []float64{4, 4, 100}, []float64{2, 2}, 2, true},
		{"no rounds", nil, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pairedRatio(RankRow{Rounds: tt.num}, RankRow{Rounds: tt.den})
			assert.Equal(t, tt.ok, ok)
			assert.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

func TestRatioTarget(t *testing.T) {
	tests := []struct {
		name            string
		goal            float64
		atLeast         bool
		q               [3]float64
		wantMet, wantNo bool // met; within the noise
	}{
		{"at most: every quartile under", 1.3, false, [3]float64{1.0, 1.1, 1.2}, true, false},
		{"at most: median under, upper quartile over", 1.3, false, [3]float64{1.0, 1.2, 1.4}, false, true},
		{"at most: median over, lower quartile under", 1.3, false, [3]float64{1.2, 1.4, 1.6}, false, true},
		{"at most: every quartile over", 2, false, [3]float64{3.2, 4.6, 5.9}, false, false},
		{"at least: every quartile over", 3, true, [3]float64{7, 9, 11}, true, false},
		{"at least: straddling", 3, true, [3]float64{2.5, 3.1, 3.5}, false, true},
		{"at least: every quartile under", 3, true, [3]float64{1, 2, 2.9}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ratioTarget("r", tt.goal, tt.atLeast, tt.q, true)
			assert.Equal(t, tt.wantMet, got.Met)
			assert.Equal(t, tt.wantNo, got.Noise)
			assert.Equal(t, tt.q[1], got.Measured)
			assert.Equal(t, tt.q[0], got.Low)
			assert.Equal(t, tt.q[2], got.High)
		})
	}
}
