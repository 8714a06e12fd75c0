package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
	"github.com/seminar-ranker/seminar/host/quantize"
)

// Codec is the codec the demo trains: the compact 4-bit layout that "seminar quantize" trains
// by default.
func Codec(seed uint64) quantize.Options {
	return quantize.Options{Layout: quantize.TwoStage, Bits: 4, Fine: quantize.FineAuto, MaxEvents: 200_000, Seed: seed}
}

// Model is a trained ranking model with its codec, as the module loads it.
type Model struct {
	File    []byte
	Model   *model.Model
	Codec   *retrieval.Codec
	Path    string // where it is cached
	Cached  bool   // loaded from Path, not trained in this run
	Meta    train.Meta
	Seconds float64 // training, codec included, when trained in this run
}

// Model loads the cached model of the job's data and seed, or trains one and caches it.
func (j *Job) Model(ctx context.Context) (*Model, error) {
	spec, o := j.Spec, j.opts
	recipe, err := recipe(spec, o.Seed)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(o.CacheDir, "demo-"+spec.Key+"-"+recipe+".model")
	if !o.Retrain {
		if b, err := os.ReadFile(path); err == nil {
			dm, err := parseModel(b)
			if err == nil {
				dm.Path, dm.Cached = path, true
				return dm, nil
			}
			fmt.Fprintf(o.Log, "demo: %s: %v; training again\n", path, err)
		}
	}
	start := time.Now()
	b, err := Train(ctx, spec, o.Seed, o.Progress)
	if err != nil {
		return nil, err
	}
	dm, err := parseModel(b)
	if err != nil {
		return nil, err
	}
	dm.Path, dm.Seconds = path, time.Since(start).Seconds()
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, err
	}
	// Models of earlier recipes will not be read again.
	stale, err := filepath.Glob(filepath.Join(o.CacheDir, "demo-"+spec.Key+"-*.model"))
	for _, p := range stale {
		if p != path {
			err = errors.Join(err, os.Remove(p))
		}
	}
	return dm, err
}

// recipe names everything a trained model depends on, the training settings, the codec and
// the seed, by a hash: a cached model of other settings is never taken for this one.
func recipe(spec *suite.Spec, seed uint64) (string, error) {
	b, err := json.Marshal(struct {
		Spec  *suite.Spec
		Codec string
		Seed  uint64
	}{spec, codecKey(Codec(seed)), seed})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6]), nil
}

// codecKey spells the codec options as the recipes of earlier versions did, so that the
// models they cached stay valid.
func codecKey(o quantize.Options) string {
	return fmt.Sprintf("{layout:%s subspaces:%d bits:%d fine:%d maxEvents:%d seed:%d}", o.Layout, o.Subspaces, o.Bits,
		o.Fine, o.MaxEvents, o.Seed)
}

// Train pretrains the PSU of a new model, finetunes it as SEMINAR's ranker and adds a 4-bit
// codec trained on the training events, and returns the model file. progress may be nil.
func Train(ctx context.Context, spec *suite.Spec, seed uint64, progress Progress) ([]byte, error) {
	if progress == nil {
		progress = noProgress{}
	}
	defer progress.Finish()
	cfg := spec.Model
	cfg.Seed = seed
	m, err := model.New(cfg)
	if err != nil {
		return nil, err
	}
	d := spec.Task.Dataset
	corpus := &train.Corpus{Items: d.Items, Sequences: spec.Task.Train}
	hooks := func(stage string) train.Hooks {
		return train.Hooks{Step: func(st train.Step) {
			progress.Update(suite.Progress{Stage: stage, Unit: "steps", Done: st.Step, Total: st.Steps, Loss: st.Loss})
		}}
	}
	pre := spec.Pretrain
	pre.Seed = seed
	if _, err := train.Pretrain(ctx, m, corpus, pre, hooks("PSU pretraining")); err != nil {
		return nil, fmt.Errorf("pretraining: %w", err)
	}
	fine := spec.Finetune
	strategy := baseline.Strategy{Kind: baseline.GSU}
	fine.Seed, fine.Strategy = seed, strategy
	rep, err := train.Finetune(ctx, m, corpus, fine, hooks("ranking finetune"))
	if err != nil {
		return nil, fmt.Errorf("finetuning: %w", err)
	}

	var events []retrieval.Event
	for _, seq := range spec.Task.Train {
		for _, e := range seq {
			events = append(events, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &d.Items[e.Item]})
		}
	}
	progress.Note(fmt.Sprintf("4-bit PQ codec: k-means over %d events", len(events)))
	codec, err := quantize.Train(ctx, m, events, Codec(seed))
	if err != nil {
		return nil, fmt.Errorf("codec: %w", err)
	}
	var ckpt bytes.Buffer
	meta := train.Meta{Kind: train.KindRanker, Model: "seminar", Strategy: &strategy, Dataset: spec.Key, Seed: seed, Report: rep}
	if err := train.Save(&ckpt, m, meta); err != nil {
		return nil, err
	}
	_, extras, err := modelfile.Load(ckpt.Bytes())
	if err != nil {
		return nil, err
	}
	if extras[retrieval.Section], err = codec.MarshalBinary(); err != nil {
		return nil, err
	}
	var file bytes.Buffer
	if err := modelfile.Save(&file, m, extras); err != nil {
		return nil, err
	}
	return file.Bytes(), nil
}

func parseModel(b []byte) (*Model, error) {
	m, meta, err := train.Load(b)
	if err != nil {
		return nil, err
	}
	_, extras, err := modelfile.Load(b)
	if err != nil {
		return nil, err
	}
	sec, ok := extras[retrieval.Section]
	if !ok {
		return nil, errors.New("the model file has no codec")
	}
	codec, err := retrieval.LoadCodec(m, sec)
	if err != nil {
		return nil, err
	}
	return &Model{File: b, Model: m, Codec: codec, Meta: meta}, nil
}
