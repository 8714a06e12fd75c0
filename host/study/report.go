package study

import (
	"fmt"
	"strings"
)

// Report is everything the study measures; --json prints it as is.
type Report struct {
	Command string      `json:"command"`
	Setup   []Setup     `json:"setup"`
	Bytes   []BytesRow  `json:"bytes_per_event"`
	Recall  []RecallRow `json:"recall"`
	Layouts []LayoutRow `json:"layouts"`
	// Primary is the kind of model (trained or random) the layouts, bytes and speeds are measured
	// with: the first of the generated data's models.
	Primary string       `json:"layouts_bytes_speed_model"`
	Ranking []RankingRow `json:"ranking"`
	// LongRanking ranks cases at long histories: generated users at 10^4 and 10^5 events and
	// the longest ml-100k users; LongRankingSeconds is how long that part took.
	LongRanking        []LongRankingRow `json:"long_ranking"`
	LongRankingSeconds float64          `json:"long_ranking_seconds"`
	Speed              []SpeedRow       `json:"speed"`
	Kernels            []KernelRow      `json:"kernels"`
	Targets            []Target         `json:"targets"`
	Seconds            float64          `json:"seconds"`
	Machine            Machine          `json:"machine"`
}

type Machine struct {
	GOOS               string `json:"goos"`
	GOARCH             string `json:"goarch"`
	CPUs               int    `json:"cpus"`
	GoVersion          string `json:"go_version"`
	FastScanSIMDNative bool   `json:"fastscan_simd_native"`
	// LoadStart and LoadEnd are the one-minute load averages when the study began and ended
	// (empty where the system does not say).
	LoadStart string `json:"load_average_start,omitempty"`
	LoadEnd   string `json:"load_average_end,omitempty"`
}

type Setup struct {
	Dataset string `json:"dataset"`
	Kind    string `json:"model_kind"` // trained or random
	Model   string `json:"model"`
	Codec4  string `json:"codec_4bit"`
	Codec8  string `json:"codec_8bit"`
	Data    string `json:"data"`
}

type BytesRow struct {
	Store    string  `json:"store"`
	Bytes    float64 `json:"bytes_per_event"`
	Measured float64 `json:"serialized_per_event"` // whole binary form at L = 10^4, over L
}

type RecallRow struct {
	Dataset    string  `json:"dataset"`
	Model      string  `json:"model"` // trained or random
	L          float64 `json:"mean_events"`
	Definition string  `json:"definition"`
	Variant    string  `json:"variant"`
	K          int     `json:"k"`
	Recall     float64 `json:"recall"`
	TieAware   float64 `json:"recall_tie_aware,omitempty"`
	Targets    int     `json:"targets"`
}

// LayoutRow is one codec layout's size and recall@100 on the generated history of 10^4 events.
type LayoutRow struct {
	Layout       string  `json:"layout"`
	Bytes        int     `json:"bytes_per_event"`
	Recall       float64 `json:"recall100"`
	RecallInt8   float64 `json:"recall100_int8_refine"`
	Weighted     float64 `json:"recall100_query_weight_2,omitempty"`
	WeightedInt8 float64 `json:"recall100_query_weight_2_int8_refine,omitempty"`
}

type RankingRow struct {
	Dataset  string  `json:"dataset"`
	Model    string  `json:"model"` // trained or random
	Variant  string  `json:"variant"`
	Cases    int     `json:"cases"`
	HIT10    float64 `json:"hit10"`
	NDCG10   float64 `json:"ndcg10"`
	MRR      float64 `json:"mrr"`
	DeltaRel float64 `json:"ndcg10_change_relative"` // (approx − exact) / exact
	// Top10 is the mean overlap of the candidates' top 10 with the exact ranking's.
	Top10 float64 `json:"top10_agreement"`
	// AbsLogitDiff is the mean absolute difference of a candidate's logit from the exact one.
	AbsLogitDiff float64 `json:"mean_abs_logit_difference"`
}

// LongRankingRow is one ranking of the cases of some users with long histories.
type LongRankingRow struct {
	Dataset  string  `json:"dataset"`
	Model    string  `json:"model"` // trained or random
	L        float64 `json:"mean_events"`
	Users    int     `json:"users"`
	Cases    int     `json:"cases"`
	Variant  string  `json:"variant"`
	HIT10    float64 `json:"hit10"`
	NDCG10   float64 `json:"ndcg10"`
	MRR      float64 `json:"mrr"`
	DeltaRel float64 `json:"ndcg10_change_relative"` // against the model's exact GSU
	Top10    float64 `json:"top10_agreement"`
	// EventsRead is the mean number of events the ESU attended over per candidate.
	EventsRead float64 `json:"events_read_per_candidate"`
}

type SpeedRow struct {
	Where          string  `json:"where"` // native or wasm
	L              int     `json:"events"`
	Variant        string  `json:"variant"`
	Micros         float64 `json:"microseconds_per_target"`
	VsExactMerged  float64 `json:"speedup_vs_exact_merged"`
	VsExactPerHead float64 `json:"speedup_vs_exact_per_head"`
}

type KernelRow struct {
	L            int     `json:"events"`
	M            int     `json:"subquantizers"`
	Kernel       string  `json:"kernel"`
	Micros       float64 `json:"microseconds"`
	GLookups     float64 `json:"glookups_per_second"`
	VsReference  float64 `json:"vs_reference"`
	MatchesNaive bool    `json:"matches_naive_sums"`
}

type Target struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// judge states each target of the study met or missed, with the measured figure.
func (rep *Report) judge() {
	add := func(target, measured string, met bool) {
		rep.Targets = append(rep.Targets, Target{Target: target, Measured: measured, Met: met})
	}
	l4 := fmt.Sprintf("generated, L=%d", studyLengths[0])
	recall := func(kind, variant string) (float64, bool) {
		for _, r := range rep.Recall {
			if r.Dataset == l4 && r.Model == kind && r.K == 100 && r.Variant == variant &&
				strings.HasPrefix(r.Definition, "merged heads") {
				return r.Recall, true
			}
		}
		return 0, false
	}
	for _, kind := range []string{kindTrained, kindRandom} {
		for _, v := range []struct{ variant, store string }{
			{"4-bit + refine from int8, R=400", "with the int8 copy"},
			{"two-stage: 4-bit scan + refine from fine codes, R=400 (default)", "codes only"},
			{"two-stage: 4-bit scan + refine from fine codes, R=1000", "codes only"},
			{"4-bit coarse scan", "codes only"},
		} {
			if r, ok := recall(kind, v.variant); ok {
				add(fmt.Sprintf("recall@100 ≥ 0.95 vs exact f32 at L = 10^4 (%s model; merged heads; %s; %s)", kind,
					v.variant, v.store), fmt.Sprintf("%.3f", r), r >= 0.95)
			}
		}
	}
	for _, r := range rep.Ranking {
		if strings.HasPrefix(r.Variant, "exact") {
			continue
		}
		add(fmt.Sprintf("NDCG@10 falls ≤ 1%% relative to exact (%s, %s model; %s)", r.Dataset, r.Model, r.Variant),
			fmt.Sprintf("%+.2f%% (%.4f)", 100*r.DeltaRel, r.NDCG10), r.DeltaRel >= -0.01)
	}
	for _, b := range rep.Bytes {
		if strings.HasPrefix(b.Store, "float32") {
			continue
		}
		add("≤ 40 bytes per stored event ("+b.Store+")", fmt.Sprintf("%.2f B (%.2f B serialized)", b.Bytes, b.Measured),
			b.Bytes <= 40)
	}
	for _, s := range rep.Speed {
		if s.Where != "wasm" || s.L != studyLengths[0] || !strings.HasPrefix(s.Variant, "4-bit") {
			continue
		}
		add("inside wasm the 4-bit GSU is ≥ 10× faster than the exact f32 GSU, L = 10^4 ("+s.Variant+
			", against merged exact f32 with the same K)", fmt.Sprintf("%.2f×", s.VsExactMerged), s.VsExactMerged >= 10)
		add("inside wasm the 4-bit GSU is ≥ 10× faster than the exact f32 GSU, L = 10^4 ("+s.Variant+
			", against the model's exact per-head GSU)", fmt.Sprintf("%.2f×", s.VsExactPerHead), s.VsExactPerHead >= 10)
	}
	for _, k := range rep.Kernels {
		if k.Kernel != "fastscan.Scan4" {
			continue
		}
		add(fmt.Sprintf("our scan kernel reaches ≥ 1.0× the reference's lookups per second (L = %d, m = %d)", k.L, k.M),
			fmt.Sprintf("%.2f× (%.2f G lookups/s)", k.VsReference, k.GLookups), k.VsReference >= 1)
	}
}
