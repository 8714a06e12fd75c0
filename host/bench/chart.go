package bench

import (
	"errors"
	"fmt"
	"io"

	"github.com/seminar-ranker/seminar/core/chart"
)

// ChartFile is the latency chart's file name, written beside the Markdown page that shows it.
const ChartFile = "bench-latency.png"

// WriteChart draws rank latency against history length as a PNG: at the focus candidate count,
// the median call of the SIMD128 module, native Go and the reference scans (how far the call
// stays above the scan's floor as L grows), and, for every candidate count, the rank call over
// the reference scans of the same rounds.
func WriteChart(w io.Writer, rep *Report) error {
	focus := rep.Plan.FocusC
	times := chart.Panel{Title: fmt.Sprintf("rank latency, C = %d", focus), XLabel: "history length L",
		YLabel: "median call (ms)", LogX: true, LogY: true}
	for _, runner := range []string{RunnerSIMD, RunnerNative, RunnerReference} {
		c := chart.Curve{Name: runner}
		for _, l := range rep.Plan.Lengths {
			if r, ok := FindRow(rep.Rank, runner, ModePQ, l, focus); ok {
				c.X, c.Y = append(c.X, float64(l)), append(c.Y, r.Median)
			}
		}
		times.Curves = append(times.Curves, c)
	}
	floor := chart.Panel{Title: "rank ÷ reference scans, wasm SIMD128", XLabel: "history length L",
		YLabel: "ratio (median over rounds)", LogX: true, LogY: true}
	for _, cands := range rep.Plan.Candidates {
		c := chart.Curve{Name: fmt.Sprintf("C = %d", cands)}
		for _, l := range rep.Plan.Lengths {
			rank, ok := FindRow(rep.Rank, RunnerSIMD, ModePQ, l, cands)
			ref, okRef := FindRow(rep.Rank, RunnerReference, ModePQ, l, cands)
			if !ok || !okRef {
				continue
			}
			if v, ok := pairedRatio(rank, ref); ok {
				c.X, c.Y = append(c.X, float64(l)), append(c.Y, v)
			}
		}
		floor.Curves = append(floor.Curves, c)
	}
	if len(times.Curves[0].X) == 0 {
		return errors.New("bench: chart: no rank rows at the focus candidate count")
	}
	return chart.Draw(w, []chart.Panel{times, floor}, 1100, 420)
}
