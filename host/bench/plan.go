package bench

import "github.com/seminar-ranker/seminar/core/model"

// Runner names of the rows of a bench report.
const (
	RunnerSIMD   = "wasm SIMD128"
	RunnerScalar = "wasm scalar"
	RunnerNative = "native Go"
	// RunnerAnywhere is the SIMD module in a runtime that stops a cancelled call anywhere
	// (host.CancelAnywhere), whose checks in every loop cost time.
	RunnerAnywhere = "wasm SIMD128, cancel anywhere"
	// RunnerBetweenCalls is the SIMD module in a runtime that never stops a running call
	// (host.CancelBetweenCalls): what the host's default costs is the difference.
	RunnerBetweenCalls = "wasm SIMD128, cancel between calls"
	// RunnerReference is C calls of the reference kernels' scan4 (fastscan_ref.wasm, wazero's
	// compiler) over L events of as many 4-bit codes as the codec's: the floor a rank call is
	// measured against.
	RunnerReference = "reference scan4 × C"
)

// Retrieval modes of the rows of a bench report.
const (
	ModePQ     = "pq"      // 4-bit codes; refine and ESU from the codes
	ModePQInt8 = "pq-int8" // 4-bit codes; refine and ESU from an int8 copy of the event vectors
	ModeExact  = "exact"   // exact GSU over float32 event vectors
)

// Plan is what a bench run measures and how hard it tries.
type Plan struct {
	Model      model.Config `json:"-"`          // of the random model
	ModelName  string       `json:"model_name"` // says which random model
	Lengths    []int        `json:"lengths"`    // history lengths L
	Candidates []int        `json:"candidates"` // candidate counts C
	// FocusL and FocusC are the call the ratios and the targets are taken on.
	FocusL        int     `json:"focus_l"`
	FocusC        int     `json:"focus_c"`
	LongL         int     `json:"long_l"`         // the long history of the second headline ratio, at FocusC
	ScalarLengths []int   `json:"scalar_lengths"` // lengths also ranked by the scalar module
	Items         int     `json:"items"`          // synthetic catalogue size
	CodecUsers    int     `json:"codec_users"`    // other users whose events train the codebooks
	CodecEvents   int     `json:"codec_events"`   // events of each of them
	Warmup        int     `json:"warmup"`         // calls per runner before timing
	MinReps       int     `json:"min_reps"`
	MaxReps       int     `json:"max_reps"`
	CellBudget    float64 `json:"cell_budget_seconds"` // timed seconds aimed at per cell
	ColdReps      int     `json:"cold_reps"`           // cold starts without the cache
	CachedReps    int     `json:"cached_reps"`         // cold starts with it
	Judge         bool    `json:"judge"`               // whether the sizes are those the targets speak of
	// HeadlineOnly leaves out cold starts and the focus call's other runners and modes: the
	// headline ratios, quickly.
	HeadlineOnly bool `json:"headline_only"`
}

// FullPlan is the plan of the published report: the sizes the targets speak of.
func FullPlan() Plan {
	return Plan{
		Model: model.DefaultConfig(), ModelName: "random, default configuration", Lengths: []int{1_000, 10_000, 100_000}, Candidates: []int{10, 100, 500},
		FocusL: 10_000, FocusC: 100, LongL: 100_000, ScalarLengths: []int{10_000}, Items: 10_000, CodecUsers: 10, CodecEvents: 2_000,
		// 15 rounds at least: the headline ratios are medians over rounds, and fewer let the load of
		// a shared machine move them by more than their margins.
		Warmup: 1, MinReps: 15, MaxReps: 61, CellBudget: 3, ColdReps: 3, CachedReps: 7, Judge: true,
	}
}

// HeadlinePlan measures the headline ratios only, at the sizes of FullPlan: the SIMD module,
// native Go and the reference scans at L = 10^4 and 10^5, C = 100.
func HeadlinePlan() Plan {
	p := FullPlan()
	p.Lengths, p.Candidates, p.ScalarLengths, p.HeadlineOnly = []int{10_000, 100_000}, []int{100}, nil, true
	return p
}

// QuickPlan runs every part of the bench on tiny sizes and a small model: a smoke run.
func QuickPlan() Plan {
	c := model.DefaultConfig()
	c.Dim, c.Heads, c.TopK, c.MLPHidden = 16, 2, 16, []int{16}
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 1<<10, 1<<10, 1<<8
	return Plan{
		Model: c, ModelName: "random, small (--quick)", Lengths: []int{100, 1_000}, Candidates: []int{5, 20}, FocusL: 1_000, FocusC: 20, LongL: 100,
		ScalarLengths: []int{1_000}, Items: 500, CodecUsers: 2, CodecEvents: 500,
		Warmup: 1, MinReps: 3, MaxReps: 5, CellBudget: 0.02, ColdReps: 1, CachedReps: 1,
	}
}
