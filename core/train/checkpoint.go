package train

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
)

// MetaSection is the model-file extra section that holds a checkpoint's Meta as JSON. Readers
// that do not know it (the wasm module) ignore it.
const MetaSection = "train.meta"

// The kinds of checkpoint.
const (
	KindPSU    = "psu"
	KindRanker = "ranker"
)

// Meta describes how a checkpoint was trained, so that it can be evaluated and finetuned as it
// was meant to be.
type Meta struct {
	Kind string `json:"kind"` // KindPSU or KindRanker
	// Model names the method: "seminar", "seminar-no-pretrain", "din", "sim", "eta", "twin", ...
	Model    string             `json:"model,omitempty"`
	Strategy *baseline.Strategy `json:"strategy,omitempty"` // the ranker's retrieval rule
	Dataset  string             `json:"dataset,omitempty"`
	// Drop is the item modality removed from the data for an ablation ("" for none).
	Drop       string `json:"drop,omitempty"`
	Seed       uint64 `json:"seed"`
	Pretrained string `json:"pretrained,omitempty"` // the PSU checkpoint a ranker started from
	Report     Report `json:"report"`
}

// Save writes m and meta in the model-file format (core/modelfile).
func Save(w io.Writer, m *model.Model, meta Meta) error {
	if meta.Kind != KindPSU && meta.Kind != KindRanker {
		return fmt.Errorf("train: checkpoint kind %q", meta.Kind)
	}
	if meta.Kind == KindRanker && meta.Strategy == nil {
		return fmt.Errorf("train: a ranker checkpoint needs its retrieval strategy")
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("train: encode checkpoint meta: %w", err)
	}
	if err := modelfile.Save(w, m, map[string][]byte{MetaSection: b}); err != nil {
		return fmt.Errorf("train: save checkpoint: %w", err)
	}
	return nil
}

// Load reads a checkpoint Save wrote.
func Load(b []byte) (*model.Model, Meta, error) {
	m, extras, err := modelfile.Load(b)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("train: load checkpoint: %w", err)
	}
	raw, ok := extras[MetaSection]
	if !ok {
		return nil, Meta{}, fmt.Errorf("train: model file has no %q section: not a training checkpoint", MetaSection)
	}
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, Meta{}, fmt.Errorf("train: decode checkpoint meta: %w", err)
	}
	if meta.Kind != KindPSU && meta.Kind != KindRanker {
		return nil, Meta{}, fmt.Errorf("train: checkpoint of unknown kind %q", meta.Kind)
	}
	if meta.Kind == KindRanker {
		if meta.Strategy == nil {
			return nil, Meta{}, fmt.Errorf("train: ranker checkpoint without a retrieval strategy")
		}
		if err := meta.Strategy.Validate(); err != nil {
			return nil, Meta{}, fmt.Errorf("train: checkpoint: %w", err)
		}
	}
	return m, meta, nil
}
