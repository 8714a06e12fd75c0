package bench

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/report"
)

// WriteMarkdown writes the report as a Markdown page whose tables are padded, so that it
// reads as well in a terminal as rendered.
func WriteMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	p := rep.Plan
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Produced by `%s` on %s, in %.0f s; the same command regenerates it, and `--json` prints "+
		"every figure.\n\n", rep.Command, rep.Date, rep.Seconds)
	m := rep.Machine
	fmt.Fprintf(&b, "**Machine.** %s/%s, %s, %d CPUs, %s", m.GOOS, m.GOARCH, cmp.Or(m.CPU, "unknown CPU"), m.CPUs, m.GoVersion)
	if m.LoadAvg != "" {
		fmt.Fprintf(&b, "; load average %s at the start", m.LoadAvg)
	}
	b.WriteString(". The machine is shared and noisy: every figure is a median (or p90) over repetitions, and " +
		"the runners of one call are timed in turn, round robin, so that a ratio's two sides share the noise. " +
		"Ratios are taken within this run.\n\n")

	b.WriteString("## Targets\n\n")
	b.WriteString("Verdicts are taken on ratios within this run, never on times: a rank call against C calls of the " +
		"reference 4-bit scan (`scan4` of `../shared/reference/fastscan_ref.wasm`, clang -O3 -msimd128, in wazero's compiler) " +
		"over the same L events and code count, the two timed round robin, and the ratio is the median over rounds of " +
		"the rank call's time over the reference scans' in the same round, shown with the quartiles of the rounds in " +
		"parentheses. A target is met when the quartile on the wrong side of the median meets it, missed when the one " +
		"on the right side misses it, and within the noise when the goal lies between them: rounds spread by about " +
		"±25% here, and a verdict on the median alone flips between runs when the goal lies in that spread. Absolute " +
		"times are indicative only.\n\n")
	b.WriteString("Commands: `make bench-report` regenerates this page; `seminar bench --headline` measures the two " +
		"headline ratios alone (about a minute); `seminar bench --headline --export out/rank-ratio` then " +
		"`node web/scripts/rank-ratio.mjs out/rank-ratio` takes the same ratios in V8 (Node's WASI), on the same model, " +
		"events and requests.\n\n")
	t := report.Markdown{Head: []string{"target", "goal", "measured", "verdict"}, Right: []bool{false, false, true, false}}
	for _, tg := range rep.Targets {
		verdict := "not judged (--quick)"
		switch {
		case tg.Absolute && tg.Met:
			verdict = "indicative (within in this run)"
		case tg.Absolute:
			verdict = "indicative (over in this run)"
		case tg.Judged && tg.Met:
			verdict = "**met**"
		case tg.Judged && tg.Noise:
			verdict = "**within the noise**"
		case tg.Judged:
			verdict = "**missed**"
		}
		measured := report.Float(tg.Measured) + tg.Unit
		if tg.High > 0 {
			measured += " (" + report.Float(tg.Low) + "–" + report.Float(tg.High) + ")"
		}
		if tg.Unit == "ms" {
			measured = report.Float(tg.Measured) + " ms"
		}
		t.Add(tg.Name, tg.Target, measured, verdict)
	}
	t.Write(&b)

	s := rep.Setup
	b.WriteString("## Setup\n\n")
	fmt.Fprintf(&b, "- Model: %s; %s parameters, a %s model file.\n", s.Model, report.Thousands(s.Params), report.ByteSize(int64(s.FileBytes)))
	fmt.Fprintf(&b, "- Codec: %s; %d coarse codes per event, %d bytes per stored event.\n", s.Codec, s.CodesPerEvent, s.BytesPerEvent)
	fmt.Fprintf(&b, "- Events: %s.\n", s.Events)
	fmt.Fprintf(&b, "- Rank options: %s.\n", s.Options)
	b.WriteString("- wasm: package host over wazero's compiler, one warm instance per module and length holding the " +
		"model and the events. Runtimes are the host's default, `host.CancelAtClock` (a cancelled context stops a " +
		"call at the module's next clock read; each read polls the context), except the rows \"" + RunnerAnywhere +
		"\" (`host.CancelAnywhere`: a check in every loop of the compiled code) and \"" + RunnerBetweenCalls +
		"\" (`host.CancelBetweenCalls`: calls run to completion). Calls run under the command's context, " +
		"which an interrupt cancels, so that the clock has a context to poll. A call's time is " +
		"`host.Ranker.Rank` as its caller sees it (request encoding, the call, reply decoding); \"in module\" is " +
		"the module's own timing of the ranking. Native: `core/retrieval.Ranker` on a store of the same events, " +
		"in this process, with the amd64 AVX2 kernels where the CPU has them (the CLI is built with GOEXPERIMENT=simd). " +
		"Reference: C calls of `scan4` over L events of the codec's code count, in a wazero runtime of its own.\n")
	fmt.Fprintf(&b, "- Modules: %s.\n", rep.Setup.Modules)
	fmt.Fprintf(&b, "- Repetitions: %d warm-up call(s) per runner, then %d to %d rounds, fitted to about %s s per call.\n\n",
		p.Warmup, p.MinReps, p.MaxReps, report.Float(p.CellBudget))

	b.WriteString("## Rank latency, wasm SIMD128, warm instance\n\n")
	b.WriteString("Milliseconds. Stages are the module's own timings (medians): lookup tables, the 4-bit scan of every " +
		"event, top-K and refine, ESU and MLP.\n\n")
	t = report.Markdown{Head: []string{"L", "C", "median", "p90", "in module", "LUT", "scan", "top-K + refine", "ESU + MLP",
		"native median", "wasm ÷ native", "÷ reference scans"}, Right: report.AllRight(12)}
	for _, r := range rep.Rank {
		if r.Runner != RunnerSIMD || r.Mode != ModePQ {
			continue
		}
		nat, ok := FindRow(rep.Rank, RunnerNative, ModePQ, r.L, r.C)
		natMedian, ratio := "", ""
		if ok && nat.Median > 0 {
			natMedian, ratio = report.Float(nat.Median), report.Float(r.Median/nat.Median)
		}
		refRatio := ""
		if ref, ok := FindRow(rep.Rank, RunnerReference, ModePQ, r.L, r.C); ok {
			if v, ok := pairedRatio(r, ref); ok {
				refRatio = report.Float(v)
			}
		}
		in := r.Inside
		t.Add(report.Thousands(r.L), strconv.Itoa(r.C), report.Float(r.Median), report.Float(r.P90), report.Float(in.Total/1e3),
			report.Float(in.LUT/1e3), report.Float(in.Scan/1e3), report.Float(in.TopK/1e3), report.Float(in.ESU/1e3), natMedian, ratio,
			refRatio)
	}
	t.Write(&b)
	if rep.Chart != "" {
		fmt.Fprintf(&b, "![Rank latency and its ratio to the reference scans against L](%s)\n\n", rep.Chart)
	}

	fmt.Fprintf(&b, "## Every runner at L = %s\n\n", report.Thousands(p.FocusL))
	b.WriteString("Milliseconds; \"in ranker\" is the module's timing of the ranking (wasm) or core/retrieval's (native). " +
		"Retrieval modes are those of the setup above.\n\n")
	t = report.Markdown{Head: []string{"C", "runner", "retrieval", "median", "p90", "in ranker", "rounds"},
		Right: []bool{true, false, false, true, true, true, true}}
	for _, r := range rep.Rank {
		if r.L == p.FocusL {
			inRanker := report.Float(r.Inside.Total / 1e3)
			if r.Runner == RunnerReference {
				inRanker = "—" // no ranker: the reference scans
			}
			t.Add(strconv.Itoa(r.C), r.Runner, r.Mode, report.Float(r.Median), report.Float(r.P90), inRanker, strconv.Itoa(r.Reps))
		}
	}
	t.Write(&b)

	b.WriteString("## Ratios\n\n")
	b.WriteString("Of medians of whole calls, taken on the same calls in this run.\n\n")
	t = report.Markdown{Head: []string{"ratio", "L", "C", "value"}, Right: []bool{false, true, true, true}}
	for _, r := range rep.Ratios {
		t.Add(r.Name, report.Thousands(r.L), strconv.Itoa(r.C), report.Float(r.Value)+"×")
	}
	t.Write(&b)

	b.WriteString("## Cold start\n\n")
	b.WriteString("A fresh wazero runtime up to a loaded model, SIMD128 module, milliseconds (medians). \"compile\" is " +
		"`host.NewRuntime`: compiling the module, or reading its machine code from the cache directory (a temporary " +
		"one that an earlier runtime filled) and validating it, and instantiating a probe that checks the ABI " +
		"version; then `Runtime.NewInstance`, which hands out the probe, and `Ranker.LoadModel`.\n\n")
	t = report.Markdown{Head: []string{"compilation cache", "runtime", "runs", "compile", "instantiate", "load model", "total"},
		Right: []bool{false, false, true, true, true, true, true}}
	for _, c := range rep.ColdStart {
		cache, runtime := "none", c.Runtime
		if c.Cache {
			cache = "filled"
		}
		if c.Runtime == host.CancelAtClock.String() {
			runtime += " (host default)"
		}
		t.Add(cache, runtime, strconv.Itoa(c.Reps), report.Float(c.Compile), report.Float(c.Instantiate), report.Float(c.LoadModel),
			report.Float(c.Total))
	}
	t.Write(&b)

	b.WriteString("## Instance memory\n\n")
	b.WriteString("The SIMD128 instance's linear memory (`host.Instance.MemorySize`): after loading the model, after loading the L events (codes only), and after " +
		"the rank calls above; the last column is the size of the events' codes. Linear memory only grows, and " +
		"the Go heap inside reuses freed space (such as the model file's input buffer), which is why loading the " +
		"events may leave it as it was.\n\n")
	t = report.Markdown{Head: []string{"L", "after model", "after events", "after ranking", "events' codes"}, Right: report.AllRight(5)}
	for _, r := range rep.Memory {
		t.Add(report.Thousands(r.L), report.ByteSize(int64(r.Model)), report.ByteSize(int64(r.Events)), report.ByteSize(int64(r.AfterRanks)),
			report.ByteSize(int64(r.L*s.BytesPerEvent)))
	}
	t.Write(&b)

	b.WriteString("## Module sizes\n\n")
	t = report.Markdown{Head: []string{"module", "raw", "gzip -9"}, Right: []bool{false, true, true}}
	for _, r := range rep.Modules {
		t.Add(r.Name, report.ByteSize(int64(r.Raw))+" ("+report.Thousands(r.Raw)+" B)", report.ByteSize(int64(r.Gzip))+" ("+report.Thousands(r.Gzip)+" B)")
	}
	t.Write(&b)

	b.WriteString(otherEngines)

	if len(rep.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range rep.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdTable is a Markdown table whose columns are padded to their widest cell.

// otherEngines points to the figures that other tools measure, beside wazero in the same run.
const otherEngines = "## Other engines\n" +
	"\n" +
	"The same module in other engines, each measured against wazero in the same run: Chromium (V8)\n" +
	"at L = 10,000 and 100,000, C = 100, and the web package's transfer sizes (JS minified and\n" +
	"brotli-compressed, each module brotli-compressed) in [web-bench.md](web-bench.md) (`node\n" +
	"web/scripts/bench.mjs`); JavaScriptCore, the engine of iOS, beside V8 and wazero in\n" +
	"[mobile.md](mobile.md) (`make test-jsc`); the headline ratios in V8 with `node\n" +
	"web/scripts/rank-ratio.mjs` (see Targets). Where the time goes and why wazero runs the module's\n" +
	"own code slower than V8: [latency.md](latency.md).\n" +
	"\n"
