package bench

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/report"
)

// Report is everything a bench run measured; --json prints it as it is.
type Report struct {
	Command   string       `json:"command"`
	Date      string       `json:"date"`
	Machine   Machine      `json:"machine"`
	Plan      Plan         `json:"plan"`
	Setup     Setup        `json:"setup"`
	Modules   []ModuleSize `json:"modules"`
	Rank      []RankRow    `json:"rank"`
	Ratios    []RatioRow   `json:"ratios"`
	ColdStart []ColdRow    `json:"cold_start"`
	Memory    []MemoryRow  `json:"memory"`
	Targets   []TargetRow  `json:"targets"`
	Notes     []string     `json:"notes"`
	// Chart is the latency chart's path relative to the Markdown page, when one was written.
	Chart   string  `json:"chart,omitempty"`
	Seconds float64 `json:"seconds"`
}

type Machine struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPU       string `json:"cpu,omitempty"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"load_average,omitempty"` // at the start, from /proc/loadavg
}

type Setup struct {
	Model         string `json:"model"`
	Params        int    `json:"params"`
	FileBytes     int    `json:"model_file_bytes"`
	Codec         string `json:"codec"`
	Bits          int    `json:"bits"`
	CodesPerEvent int    `json:"codes_per_event"`
	BytesPerEvent int    `json:"bytes_per_event"`
	Events        string `json:"events"`
	Options       string `json:"rank_options"`
	Modules       string `json:"modules"`
	Reference     string `json:"reference,omitempty"` // the reference kernels' file, if timed
}

type ModuleSize struct {
	Name string `json:"name"`
	Raw  int    `json:"raw_bytes"`
	Gzip int    `json:"gzip_bytes"`
}

// Stages are where one rank call spent its time, in microseconds: the module's reply timings,
// or core/retrieval's natively.
type Stages struct {
	Total float64 `json:"total_us"`
	LUT   float64 `json:"lut_us"`
	Scan  float64 `json:"scan_us"`
	TopK  float64 `json:"topk_us"`
	ESU   float64 `json:"esu_us"`
}

type RankRow struct {
	Runner string  `json:"runner"`
	Mode   string  `json:"mode"`
	L      int     `json:"l"`
	C      int     `json:"c"`
	Reps   int     `json:"reps"`
	Median float64 `json:"median_ms"` // of the whole call, as its caller sees it
	P90    float64 `json:"p90_ms"`
	Inside Stages  `json:"inside"` // medians of the ranker's own timings
	// SameOrder says whether the last call ordered the candidates as the native ranker did.
	SameOrder bool `json:"same_order_as_native"`
	// Rounds are the whole calls' times, one per round: the rows of one call share rounds,
	// so that a ratio can pair its two sides round by round.
	Rounds []float64 `json:"rounds_ms"`
}

type RatioRow struct {
	Name  string  `json:"name"`
	L     int     `json:"l"`
	C     int     `json:"c"`
	Value float64 `json:"value"`
}

type ColdRow struct {
	Cache       bool    `json:"cache"`
	Runtime     string  `json:"runtime"` // the runtime's host.Cancellation
	Reps        int     `json:"reps"`
	Compile     float64 `json:"compile_ms"` // host.NewRuntime: compile (or read the cache) and a probe instance
	Instantiate float64 `json:"instantiate_ms"`
	LoadModel   float64 `json:"load_model_ms"`
	Total       float64 `json:"total_ms"` // median of the sums, not the sum of the medians
}

type MemoryRow struct {
	L          int    `json:"l"`
	Model      uint64 `json:"after_model_bytes"`
	Events     uint64 `json:"after_events_bytes"`
	AfterRanks uint64 `json:"after_ranking_bytes"`
}

type TargetRow struct {
	Name     string  `json:"name"`
	Target   string  `json:"target"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit"`
	// Low and High are the quartiles of a ratio's rounds, of which Measured is the median.
	Low    float64 `json:"low,omitempty"`
	High   float64 `json:"high,omitempty"`
	Met    bool    `json:"met"`
	Noise  bool    `json:"within_noise"` // the goal lies between the quartiles: neither met nor missed
	Judged bool    `json:"judged"`       // false on --quick sizes, which the targets do not speak of, and on absolute times
	// Absolute says the target is a time, not a ratio: noise moves it between runs, so it is
	// indicative and never judged.
	Absolute bool `json:"absolute"`
}

// FindRow returns the row of a runner and mode at (l, c).
func FindRow(rows []RankRow, runner, mode string, l, c int) (RankRow, bool) {
	for _, r := range rows {
		if r.Runner == runner && r.Mode == mode && r.L == l && r.C == c {
			return r, true
		}
	}
	return RankRow{}, false
}

// ratiosAndTargets derives the ratios of the focus call and of every call ranked by two
// runners, and judges the targets.
func ratiosAndTargets(rep *Report, plan Plan) ([]RatioRow, []TargetRow) {
	var ratios []RatioRow
	add := func(name string, num, den RankRow) {
		if den.Median > 0 {
			ratios = append(ratios, RatioRow{Name: name, L: num.L, C: num.C, Value: num.Median / den.Median})
		}
	}
	for _, r := range rep.Rank {
		if r.Runner != RunnerSIMD {
			continue
		}
		if ref, ok := FindRow(rep.Rank, RunnerReference, r.Mode, r.L, r.C); ok && r.Mode == ModePQ {
			if v, ok := pairedRatio(r, ref); ok {
				ratios = append(ratios, RatioRow{Name: RatioReference, L: r.L, C: r.C, Value: v})
			}
		}
		if sc, ok := FindRow(rep.Rank, RunnerScalar, r.Mode, r.L, r.C); ok {
			add("scalar ÷ SIMD128 (wasm)", sc, r)
		}
		if nat, ok := FindRow(rep.Rank, RunnerNative, r.Mode, r.L, r.C); ok {
			add("wasm SIMD128 ÷ native ("+r.Mode+")", r, nat)
		}
		if r.Mode == ModePQ {
			if ex, ok := FindRow(rep.Rank, RunnerSIMD, ModeExact, r.L, r.C); ok {
				add("exact ÷ PQ (wasm SIMD128)", ex, r)
			}
			if i8, ok := FindRow(rep.Rank, RunnerSIMD, ModePQInt8, r.L, r.C); ok {
				add("PQ from codes ÷ PQ with the int8 copy (wasm SIMD128)", r, i8)
			}
			if any, ok := FindRow(rep.Rank, RunnerAnywhere, ModePQ, r.L, r.C); ok {
				add("cancel anywhere ÷ cancel at clock reads, the default (wasm SIMD128)", any, r)
			}
			if between, ok := FindRow(rep.Rank, RunnerBetweenCalls, ModePQ, r.L, r.C); ok {
				add("cancel at clock reads, the default ÷ cancel between calls (wasm SIMD128)", r, between)
			}
		}
	}
	slices.SortStableFunc(ratios, func(a, b RatioRow) int { return cmp.Compare(a.Name, b.Name) })

	var targets []TargetRow
	for _, g := range []struct {
		l    int
		goal float64
	}{{plan.FocusL, 2.0}, {plan.LongL, 1.3}} {
		simd, ok := FindRow(rep.Rank, RunnerSIMD, ModePQ, g.l, plan.FocusC)
		ref, okRef := FindRow(rep.Rank, RunnerReference, ModePQ, g.l, plan.FocusC)
		if !ok || !okRef {
			continue
		}
		if q, ok := pairedQuartiles(simd, ref); ok {
			name := fmt.Sprintf("rank L=%s, C=%d ÷ %d reference scan4 calls, wasm SIMD128", report.Thousands(g.l), plan.FocusC, plan.FocusC)
			targets = append(targets, ratioTarget(name, g.goal, false, q, plan.Judge))
		}
	}
	focus, okFocus := FindRow(rep.Rank, RunnerSIMD, ModePQ, plan.FocusL, plan.FocusC)
	scalar, okScalar := FindRow(rep.Rank, RunnerScalar, ModePQ, plan.FocusL, plan.FocusC)
	call := fmt.Sprintf("L=%s, C=%d", report.Thousands(plan.FocusL), plan.FocusC)
	if okFocus && okScalar {
		if q, ok := pairedQuartiles(scalar, focus); ok {
			targets = append(targets, ratioTarget("SIMD128 speed-up over scalar, "+call, 3, true, q, plan.Judge))
		}
	}
	// Absolute times move between machines of one kind and between runs on one: they are
	// reported beside the ratios, never judged.
	if okFocus {
		targets = append(targets, TargetRow{Name: "rank " + call + ", wasm SIMD128, warm (median)", Target: "≤ 10 ms",
			Measured: focus.Median, Unit: "ms", Met: focus.Median <= 10, Absolute: true})
	}
	for _, c := range rep.ColdStart {
		if c.Cache && c.Runtime == host.CancelAtClock.String() {
			targets = append(targets, TargetRow{Name: "cold start with the compilation cache (median)", Target: "≤ 100 ms",
				Measured: c.Total, Unit: "ms", Met: c.Total <= 100, Absolute: true})
		}
	}
	return ratios, targets
}

// RatioReference names the headline ratios: a rank call's time over that of C reference scans
// at the same L and code count.
const RatioReference = "rank ÷ C reference scan4 calls (wasm SIMD128)"

// pairedRatio returns the median over rounds of num's time over den's in the same round: the
// two calls of a round ran next to each other, so a burst of load on the machine moves both.
func pairedRatio(num, den RankRow) (float64, bool) {
	q, ok := pairedQuartiles(num, den)
	return q[1], ok
}

// pairedQuartiles returns the lower quartile, the median and the upper quartile over rounds of
// num's time over den's in the same round.
func pairedQuartiles(num, den RankRow) ([3]float64, bool) {
	n := min(len(num.Rounds), len(den.Rounds))
	rs := make([]float64, 0, n)
	for i := range n {
		if den.Rounds[i] > 0 {
			rs = append(rs, num.Rounds[i]/den.Rounds[i])
		}
	}
	return [3]float64{timing.Quantile(rs, 0.25), timing.Quantile(rs, 0.5), timing.Quantile(rs, 0.75)}, len(rs) > 0
}

// ratioTarget judges a paired ratio against a goal (at most goal, or at least when atLeast): met
// when the goal holds for the quartile on the wrong side of the median, missed when it fails
// for the quartile on the right side, and within the noise otherwise. On a shared machine the
// rounds of one run spread by ±25% about their median, and a verdict on the median alone flips
// between runs whenever the goal lies inside that spread.
func ratioTarget(name string, goal float64, atLeast bool, q [3]float64, judge bool) TargetRow {
	t := TargetRow{Name: name, Measured: q[1], Low: q[0], High: q[2], Unit: "×", Judged: judge}
	if atLeast {
		t.Target = "≥ " + report.Float(goal) + "×"
		t.Met, t.Noise = q[0] >= goal, q[0] < goal && q[2] >= goal
	} else {
		t.Target = "≤ " + report.Float(goal) + "×"
		t.Met, t.Noise = q[2] <= goal, q[2] > goal && q[0] <= goal
	}
	return t
}

func benchNotes(rep *Report) []string {
	var notes []string
	p := rep.Plan
	if r, ok := FindRow(rep.Rank, RunnerSIMD, ModePQ, p.FocusL, p.FocusC); ok && r.Inside.Total > 0 {
		in := r.Inside
		share := func(x float64) string { return strconv.FormatFloat(100*x/in.Total, 'f', 0, 64) + "%" }
		notes = append(notes, fmt.Sprintf("Where the SIMD128 module spends a call at L = %s, C = %d (pq): ESU and MLP %s, "+
			"top-K and refine %s, lookup tables %s, the 4-bit scan of every event %s.", report.Thousands(p.FocusL), p.FocusC,
			share(in.ESU), share(in.TopK), share(in.LUT), share(in.Scan)))
	}
	for _, c := range rep.ColdStart {
		if c.Cache && c.Runtime == host.CancelAtClock.String() && c.Total > 0 {
			notes = append(notes, fmt.Sprintf("Cold start with the cache: %s ms to a ready instance, then %s ms to load "+
				"the %s model file (%s of the total).", report.Float(c.Compile+c.Instantiate), report.Float(c.LoadModel),
				report.ByteSize(int64(rep.Setup.FileBytes)), strconv.FormatFloat(100*c.LoadModel/c.Total, 'f', 0, 64)+"%"))
		}
	}
	mismatch := 0
	for _, r := range rep.Rank {
		if r.Runner != RunnerNative && r.Runner != RunnerReference && !r.SameOrder {
			mismatch++
		}
	}
	if mismatch == 0 {
		notes = append(notes, "Every wasm call ordered the candidates exactly as the native ranker did in the same mode.")
	} else {
		notes = append(notes, fmt.Sprintf("%d wasm rows ordered the candidates differently from the native ranker "+
			"(float summation order in the ESU can swap near-ties).", mismatch))
	}
	if !p.Judge {
		notes = append(notes, "--quick sizes and model: the targets speak of L = 10,000 and C = 100 with the default model, so they are not judged.")
	}
	return notes
}
