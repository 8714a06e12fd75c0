package bench

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/seminar-ranker/seminar/host"
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
	Seconds   float64      `json:"seconds"`
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
	Met      bool    `json:"met"`
	Judged   bool    `json:"judged"` // false on --quick sizes, which the targets do not speak of
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
	focus, okFocus := FindRow(rep.Rank, RunnerSIMD, ModePQ, plan.FocusL, plan.FocusC)
	scalar, okScalar := FindRow(rep.Rank, RunnerScalar, ModePQ, plan.FocusL, plan.FocusC)
	call := fmt.Sprintf("L=%s, C=%d", report.Thousands(plan.FocusL), plan.FocusC)
	if okFocus {
		targets = append(targets, TargetRow{Name: "rank " + call + ", wasm SIMD128, warm (median)", Target: "≤ 10 ms",
			Measured: focus.Median, Unit: "ms", Met: focus.Median <= 10, Judged: plan.Judge})
	}
	if okFocus && okScalar && focus.Median > 0 {
		v := scalar.Median / focus.Median
		targets = append(targets, TargetRow{Name: "SIMD128 speed-up over scalar, " + call, Target: "≥ 3×",
			Measured: v, Unit: "×", Met: v >= 3, Judged: plan.Judge})
	}
	for _, c := range rep.ColdStart {
		if c.Cache && c.Runtime == host.CancelAtClock.String() {
			targets = append(targets, TargetRow{Name: "cold start with the compilation cache (median)", Target: "≤ 100 ms",
				Measured: c.Total, Unit: "ms", Met: c.Total <= 100, Judged: plan.Judge})
		}
	}
	return ratios, targets
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
		if r.Runner != RunnerNative && !r.SameOrder {
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
