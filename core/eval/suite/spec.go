package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
)

// Method is one model of the comparison.
type Method struct {
	Key  string `json:"key"`  // stable identifier: "seminar", "din", "drop-text", ...
	Name string `json:"name"` // label in the tables
	// Pretrained starts finetuning from the seed's PSU; otherwise from a new model.
	Pretrained bool              `json:"pretrained"`
	Strategy   baseline.Strategy `json:"strategy"`
	// Drop is the item modality removed from the data ("id", "text", "attrs" or "dense:<name>").
	Drop string `json:"drop,omitempty"`
	// GSU says whether finetuning trains a GSU strategy's weights (train.FinetuneConfig.GSUWeight).
	GSU GSUMode `json:"gsu,omitempty"`
	// Popularity ranks by training-split item counts: nothing is trained.
	Popularity bool `json:"popularity,omitempty"`
	// EqualCompute trains, without early stopping, for as many targets as SEMINAR's pretraining
	// and finetuning of the same seed together (the best validation epoch is still kept).
	EqualCompute bool `json:"equal_compute,omitempty"`
	// SASRec trains the SASRec-style baseline (train.FinetuneConfig.SASRec) over the last
	// Finetune.MaxHistory events.
	SASRec bool `json:"sasrec,omitempty"`
	// PQ, when set, trains nothing: it ranks with the seed's SEMINAR model as a device does,
	// through a 4-bit two-stage codec trained on the training events and the approximate GSU
	// with these heads (retrieval.MergedHeads is the module's default).
	PQ *retrieval.Heads `json:"pq,omitempty"`
}

// GSUMode says how finetuning treats the GSU's weights.
type GSUMode string

// The GSU modes: kept as pretrained (or initialised), trained with the ranking, or both tried
// and the better one on validation kept.
const (
	GSUFrozen  GSUMode = ""
	GSUTrained GSUMode = "trained"
	GSUSelect  GSUMode = "select"
)

// The keys of SEMINAR's rows ranked through product quantization (Method.PQ).
const (
	PQMerged  = "seminar-pq"
	PQPerHead = "seminar-pq-head"
)

// gsuWeight is the weight of the next-pair loss that trains the GSU in finetuning: enough for the
// retrieval to follow the ranking's embeddings, small beside the ranking loss it serves.
const gsuWeight = 0.5

// Spec is one dataset of the comparison with everything needed to run it.
type Spec struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	// Notes are caveats printed with the dataset's table.
	Notes    []string             `json:"notes"`
	Task     *eval.Task           `json:"-"`
	Model    model.Config         `json:"model"`
	Pretrain train.PretrainConfig `json:"pretrain"`
	Finetune train.FinetuneConfig `json:"finetune"`
	Methods  []Method             `json:"methods"`
	// TestCandidates, when not nil, are candidate lists given with the data (see
	// UseCandidateLists): the test split ranks them instead of sampled negatives.
	TestCandidates *eval.Candidates `json:"-"`
}

// Keys lists the datasets LoadSpec knows, in report order.
// The settings that do not leak the answer lead; ml-100k with queries comes last, labelled.
func Keys() []string { return []string{"ml-100k-browse", "tiktok", "bestbuy", "ml-100k"} }

// Budget scales the training of a Spec.
type Budget int

// The budgets: Full is the one the report uses; Quick trains briefly, for smoke runs and tests.
const (
	Full Budget = iota
	Quick
)

// The finetuning budget of a dataset file: an epoch cap that early stopping, not the cap, is
// meant to end.
const (
	fileEpochs   = 30
	filePatience = 2
)

// modelConfig is the model every dataset trains: the project's default with d = 32 (the
// comparison trains dozens of models on two cores; see the report) and the dataset's dense
// slots. The hashed tables keep the sizes the committed report was made with, 2^15 id and token
// buckets and 2^12 attribute buckets, whatever the default, so that the report stays
// reproducible.
func modelConfig(d *data.Dataset) model.Config {
	c := model.DefaultConfig()
	c.Dim = 32
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 1<<15, 1<<15, 1<<12
	c.DenseDims = slices.Clone(d.DenseDims)
	return c
}

// defaults are the training settings every dataset starts from.
func defaults(b Budget) (train.PretrainConfig, train.FinetuneConfig) {
	opts := train.Options{Epochs: 1, EpochFraction: 1, Batch: 8, Chunk: 32, MaxHistory: 64, LR: 3e-3, Workers: 2}
	// L_next scores a pair by a product of four small random factors (two embeddings, W_Q, W_K):
	// at 3e-3 and 256 targets per step it sat at chance (ln 17) for a whole epoch. Four times the
	// steps (64 targets each) at 1e-2, for the same compute, get it off the plateau.
	preOpts := opts
	preOpts.Batch, preOpts.LR = 2, 1e-2
	pre := train.PretrainConfig{
		Options: preOpts, WNext: 1, WAlign: 0.2, WRel: 0.2, Negatives: 16, EventNegatives: true,
		NextTemperature: 0.1, Temperature: 0.1, AlignBatch: 64, RelBatch: 64,
	}
	// Finetuning stops by patience, not by the cap: every model trains until two epochs in a row
	// bring no better validation NDCG@10.
	opts.Epochs, opts.MaxHistory = 30, 128
	fine := train.FinetuneConfig{Options: opts, Negatives: 5, Loss: "softmax", Patience: 2}
	return pre, fine
}

// LoadSpec builds the named dataset's spec from the public files under dataDir (the folder of
// ../shared/data; empty for the default). "synth" is a small generated dataset for tests.
func LoadSpec(key, dataDir string, b Budget) (*Spec, error) {
	pre, fine := defaults(b)
	s := &Spec{Key: key, Pretrain: pre, Finetune: fine}
	var d *data.Dataset
	var err error
	switch key {
	case "ml-100k", "ml-100k-browse":
		if d, err = convertSource("ml-100k", dataDir); err != nil {
			return nil, err
		}
		s.Title = "MovieLens-100K with synthetic queries (leaks the target's genres)"
		s.Notes = append(s.Notes, "Queries are not in MovieLens: every event's query is synthesised from the rated "+
			"movie's genres (for example \"comedy romance\"), so the target's query reveals the positive's genres "+
			"to every model alike. This variant leaks part of the answer: read it as a check of query "+
			"conditioning, not as a ranking result; MovieLens-100K without queries is the real task.")
		if key == "ml-100k-browse" {
			d = withoutQueries(d)
			s.Title = "MovieLens-100K without queries"
			s.Notes = []string{"The same cases and candidates as MovieLens-100K with every query removed (all " +
				"events are browse events): the model sees only the history and the candidate, the classic " +
				"next-item task."}
		}
		s.Pretrain.EpochFraction = 0.5
		s.Finetune.EpochFraction = 0.2
		if s.Task, err = eval.LeaveOneOut(d, data.MinSplitEvents); err != nil {
			return nil, err
		}
	case "bestbuy":
		if d, err = convertSource("bestbuy", dataDir); err != nil {
			return nil, err
		}
		dir, err := sourceDir("bestbuy", dataDir)
		if err != nil {
			return nil, err
		}
		if s.Task, err = eval.BestBuyHeldOut(d, filepath.Join(dir, "test.csv")); err != nil {
			return nil, err
		}
		s.Title = "Best Buy (query-conditioned)"
		s.Notes = append(s.Notes, "Real typed queries: each case ranks the clicked product for its query. Users "+
			"have 1 to 8 clicks, so histories are empty or tiny and every retrieval rule keeps all of them: "+
			"the baselines that differ from SEMINAR only in retrieval are left out here; the table measures "+
			"query–item relevance, pretraining and the modalities.")
		s.Pretrain.MaxHistory, s.Finetune.MaxHistory = 8, 8
	case "tiktok":
		if d, err = convertSource("tiktok", dataDir); err != nil {
			return nil, err
		}
		if s.Task, err = eval.LeaveOneOut(d, data.MinSplitEvents); err != nil {
			return nil, err
		}
		s.Title = "TikTok (image and audio features)"
		s.Notes = append(s.Notes, "The order of a user's history is not known (no timestamps: the files' order "+
			"stands in), so \"last\" events and leave-one-out by time follow file order. Items have an id and "+
			"the dense image and audio features only; there are no queries and no attributes, so SIM (same "+
			"attribute) does not apply.", "Model selection reads the validation cases of half of the users (even "+
			"user index) to fit the time budget; the test split is complete.")
		s.Finetune.EpochFraction = 0.2
		s.Task.Valid = everyOther(s.Task.Valid)
	case "synth":
		c := synth.DefaultConfig()
		c.Users, c.Items, c.MinEvents, c.MaxEvents, c.DenseDim = 24, 160, 12, 40, 6
		if d, err = synth.Generate(c); err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
		if s.Task, err = eval.LeaveOneOut(d, data.MinSplitEvents); err != nil {
			return nil, err
		}
		s.Title = "Synthetic"
		s.Pretrain.EpochFraction, s.Finetune.EpochFraction = 1, 1
		s.Pretrain.Chunk, s.Finetune.Chunk, s.Pretrain.Batch, s.Finetune.Batch = 8, 8, 4, 4
	default:
		if _, statErr := os.Stat(key); statErr != nil {
			return nil, fmt.Errorf("suite: %q is neither a dataset file (%w) nor a known dataset (%s, synth)",
				key, statErr, strings.Join(Keys(), ", "))
		}
		if d, err = datafile.ReadFile(key); err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
		if s.Task, err = eval.LeaveOneOut(d, data.MinSplitEvents); err != nil {
			return nil, err
		}
		s.Title = d.Name
		s.Notes = append(s.Notes, fmt.Sprintf("Dataset file %s, trained with the budget of a new dataset: one PSU "+
			"epoch, then finetuning over all training targets for up to %d epochs, stopped after %d epochs without a "+
			"better validation NDCG@10.", filepath.Base(key), fileEpochs, filePatience))
		s.Pretrain.EpochFraction, s.Finetune.EpochFraction = 1, 1
		s.Finetune.Epochs, s.Finetune.Patience = fileEpochs, filePatience
	}
	if b == Quick {
		s.Pretrain.EpochFraction = min(s.Pretrain.EpochFraction, 0.05)
		s.Finetune.EpochFraction = min(s.Finetune.EpochFraction, 0.05)
	}
	s.Model = modelConfig(d)
	if key == "synth" {
		s.Model.Dim, s.Model.Heads, s.Model.TopK, s.Model.MLPHidden = 8, 2, 8, []int{8}
		s.Model.IDBuckets, s.Model.TokenBuckets, s.Model.AttrBuckets = 128, 512, 64
	}
	s.Methods = methods(key, d, s.Model.TopK, simField(d))
	return s, nil
}

// FileKey is the spec's key as a file name part: a dataset file's base name without extension.
func (s *Spec) FileKey() string {
	return strings.TrimSuffix(filepath.Base(s.Key), filepath.Ext(s.Key))
}

// SetSIMField makes SIM search by the attribute field (replacing the default choice of "genre"
// or "category"); some item must have it.
func (s *Spec) SetSIMField(field string) error {
	d := s.Task.Dataset
	found := false
	for _, it := range d.Items {
		for _, a := range it.Attrs {
			found = found || a.Field == field
		}
	}
	if !found {
		return fmt.Errorf("suite: no item of %s has the attribute %q", d.Name, field)
	}
	s.Methods = methods(s.Key, d, s.Model.TopK, field)
	return nil
}

// UseCandidateLists makes the test split rank the given candidate lists (validated by
// eval.FixedCandidates); the test cases become those of the users with a list.
func (s *Spec) UseCandidateLists(fl *eval.FixedLists, allowHistory bool) error {
	c, cases, err := eval.FixedCandidates(s.Task.Dataset, fl, s.Task.Test, allowHistory)
	if err != nil {
		return fmt.Errorf("suite: %w", err)
	}
	s.TestCandidates, s.Task.Test = c, cases
	s.Notes = append(s.Notes, fmt.Sprintf("Test cases rank the candidate lists given with the data (%d cases, %d "+
		"negatives each).", len(cases), c.Negatives))
	return nil
}

// methods lists the comparison's models for a dataset: every retrieval rule gets the same budget
// of K events per search (the GSU keeps K per head).
func methods(key string, d *data.Dataset, k int, simAttr string) []Method {
	gsu := baseline.Strategy{Kind: baseline.GSU}
	merged, perHead := retrieval.MergedHeads, retrieval.PerHead
	ms := []Method{
		{Key: "popularity", Name: "Popularity (train counts)", Popularity: true},
		// The GSU trains in finetuning: keeping the pretrained GSU instead (GSUSelect tries both)
		// lost on validation in the runs that compared them.
		{Key: "seminar", Name: "SEMINAR", Pretrained: true, Strategy: gsu, GSU: GSUTrained},
		{Key: PQMerged, Name: "SEMINAR, 4-bit PQ retrieval (merged heads, the module's default)", Strategy: gsu, PQ: &merged},
		{Key: PQPerHead, Name: "SEMINAR, 4-bit PQ retrieval (per head)", Strategy: gsu, PQ: &perHead},
		{Key: "no-pretrain", Name: "SEMINAR w/o pretraining", Strategy: gsu, GSU: GSUTrained},
	}
	if key != "bestbuy" {
		ms = append(ms,
			Method{Key: "din", Name: "DIN (last N)", Strategy: baseline.Strategy{Kind: baseline.LastN, K: k}},
			Method{Key: "din-equal", Name: "DIN (last N), SEMINAR's compute", Strategy: baseline.Strategy{Kind: baseline.LastN, K: k},
				EqualCompute: true},
			Method{Key: "sasrec", Name: "SASRec-style (self-attention over last N)",
				Strategy: baseline.Strategy{Kind: baseline.LastN, K: k}, SASRec: true})
		if field := simAttr; field != "" {
			ms = append(ms, Method{Key: "sim", Name: "SIM hard (same " + field + ")",
				Strategy: baseline.Strategy{Kind: baseline.SameAttr, K: k, Field: field}})
		}
		ms = append(ms,
			Method{Key: "eta", Name: "ETA (SimHash)", Strategy: baseline.Strategy{Kind: baseline.SimHash, K: k, Bits: 64, Seed: 1}},
			Method{Key: "twin", Name: "TWIN (GSU = ESU attention)", Strategy: baseline.Strategy{Kind: baseline.GSU, TieESU: true}})
	}
	if key == "ml-100k-browse" {
		return ms
	}
	for _, mod := range modalities(d) {
		ms = append(ms, Method{Key: "drop-" + strings.ReplaceAll(mod, ":", "-"), Name: "SEMINAR − " + mod,
			Pretrained: true, Strategy: gsu, Drop: mod})
	}
	return ms
}

// simField is the attribute SIM searches by: the category-like field of the dataset.
func simField(d *data.Dataset) string {
	for _, f := range []string{"genre", "category"} {
		for _, it := range d.Items {
			for _, a := range it.Attrs {
				if a.Field == f {
					return f
				}
			}
		}
	}
	return ""
}

// modalities lists the item modalities some item of d has.
func modalities(d *data.Dataset) []string {
	var id, text, attrs bool
	dense := make([]bool, len(d.DenseNames))
	for _, it := range d.Items {
		id = id || it.ID != ""
		text = text || strings.TrimSpace(it.Text) != ""
		attrs = attrs || len(it.Attrs) > 0
		for k, x := range it.Dense {
			dense[k] = dense[k] || x != nil
		}
	}
	var mods []string
	for _, m := range []struct {
		name string
		has  bool
	}{{"id", id}, {"text", text}, {"attrs", attrs}} {
		if m.has {
			mods = append(mods, m.name)
		}
	}
	for k, has := range dense {
		if has {
			mods = append(mods, "dense:"+d.DenseNames[k])
		}
	}
	return mods
}

// DropModality returns a copy of the catalogue with one modality removed from every item: "id",
// "text", "attrs" or "dense:<name>" (a slot of denseNames). "" returns items unchanged.
func DropModality(items []data.Item, denseNames []string, drop string) ([]data.Item, error) {
	if drop == "" {
		return items, nil
	}
	slot := -1
	if name, ok := strings.CutPrefix(drop, "dense:"); ok {
		slot = slices.Index(denseNames, name)
		if slot < 0 {
			return nil, fmt.Errorf("suite: no dense slot %q to drop (slots: %v)", name, denseNames)
		}
	} else if drop != "id" && drop != "text" && drop != "attrs" {
		return nil, fmt.Errorf("suite: unknown modality %q (id, text, attrs or dense:<name>)", drop)
	}
	out := slices.Clone(items)
	for i := range out {
		it := &out[i]
		switch {
		case drop == "id":
			it.ID = ""
		case drop == "text":
			it.Text = ""
		case drop == "attrs":
			it.Attrs = nil
		case slot < len(it.Dense):
			it.Dense = slices.Clone(it.Dense)
			it.Dense[slot] = nil
		}
	}
	return out, nil
}

// everyOther keeps the cases of the users of even index.
func everyOther(cases []eval.Case) []eval.Case {
	var kept []eval.Case
	for _, c := range cases {
		if c.User%2 == 0 {
			kept = append(kept, c)
		}
	}
	return kept
}

// withoutQueries returns d with every event made a browse event without query.
func withoutQueries(d *data.Dataset) *data.Dataset {
	out := *d
	out.Note = d.Note + " Queries removed: every event is a browse event."
	out.Users = make([]data.User, len(d.Users))
	for u, user := range d.Users {
		events := slices.Clone(user.Events)
		for i := range events {
			events[i].Kind, events[i].Query = data.Browse, ""
		}
		out.Users[u] = data.User{ID: user.ID, Events: events}
	}
	return &out
}

func sourceDir(name, dataDir string) (string, error) {
	src, err := convert.Lookup(name)
	if err != nil {
		return "", fmt.Errorf("suite: %w", err)
	}
	if dataDir != "" {
		return filepath.Join(dataDir, src.Dir), nil
	}
	dir, err := src.DefaultDir()
	if err != nil {
		return "", fmt.Errorf("suite: %w", err)
	}
	return dir, nil
}

func convertSource(name, dataDir string) (*data.Dataset, error) {
	dir, err := sourceDir(name, dataDir)
	if err != nil {
		return nil, err
	}
	src, _ := convert.Lookup(name)
	d, err := src.Convert(dir)
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	return d, nil
}
