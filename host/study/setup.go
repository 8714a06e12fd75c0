package study

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
	"github.com/seminar-ranker/seminar/host/demo"
	"github.com/seminar-ranker/seminar/host/quantize"
)

// leave-one-out split.
func setupMovieLens(ctx context.Context, opts Options, rep *Report, log *studyLog) ([]*studyData, error) {
	dir := opts.MLDir
	if dir == "" {
		src, err := convert.Lookup("ml-100k")
		if err != nil {
			return nil, err
		}
		if dir, err = src.DefaultDir(); err != nil {
			return nil, err
		}
	}
	d, err := convert.MovieLens100K(dir)
	if err != nil {
		return nil, err
	}
	task, err := eval.LeaveOneOut(d, data.MinSplitEvents)
	if err != nil {
		return nil, err
	}
	// Trained as seminar demo trains on MovieLens-100K, from the same files.
	spec := func() (*suite.Spec, error) {
		dataDir := ""
		if opts.MLDir != "" {
			dataDir = filepath.Dir(filepath.Clean(opts.MLDir))
		}
		s, _, err := demo.LoadSpec(dataDir, false)
		if err != nil {
			return nil, err
		}
		if s.Key != "ml-100k" {
			return nil, fmt.Errorf("the demo's recipe found no MovieLens-100K but %s", s.Key)
		}
		return s, nil
	}
	models, err := studyModels(ctx, opts, opts.Model, model.DefaultConfig(), spec, log)
	if err != nil {
		return nil, err
	}
	var sds []*studyData
	for _, sm := range models {
		sd := &studyData{name: "ml-100k", kind: sm.kind, d: d, m: sm.m, items: quantize.ModelItems(d, sm.m), cases: task.Test}
		var train []retrieval.Event
		for _, seq := range task.Train {
			for _, e := range seq {
				train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &sd.items[e.Item]})
			}
		}
		setup := Setup{Dataset: sd.name, Kind: sm.kind, Model: sm.desc, Data: fmt.Sprintf("%s; leave-one-out test "+
			"cases, %d negatives each (seed %d); codebooks trained on the %d training events", d.Note,
			candidateNegatives, candidateSeed, len(train))}
		if err := sd.codecs(ctx, train, sm.extras, &setup); err != nil {
			return nil, err
		}
		rep.Setup = append(rep.Setup, setup)
		if err := sd.prepare(); err != nil {
			return nil, err
		}
		sds = append(sds, sd)
	}
	return sds, nil
}

// setupSynth generates the ranking set (the default generator's catalogue, which the long
// histories of synth.LongUser share), loads or trains its model (and makes a random one beside
// it when asked), and trains the codecs of each on other users of the same catalogue.
func setupSynth(ctx context.Context, opts Options, rep *Report, log *studyLog) ([]*studyData, error) {
	c := synth.DefaultConfig()
	c.Users = synthUsers + synthTrainUsers
	d, err := synth.Generate(c)
	if err != nil {
		return nil, err
	}
	// The evaluated users alone, so that the other users' events never become candidates' history.
	evaluated := &data.Dataset{Name: d.Name, Note: d.Note, DenseNames: d.DenseNames, DenseDims: d.DenseDims,
		Items: d.Items, Users: d.Users[:synthUsers]}
	task, err := eval.LeaveOneOut(evaluated, data.MinSplitEvents)
	if err != nil {
		return nil, err
	}
	cfg := model.DefaultConfig()
	cfg.DenseDims = []int{c.DenseDim}
	spec := func() (*suite.Spec, error) { return synthTrainSpec(task, cfg) }
	models, err := studyModels(ctx, opts, opts.SynthModel, cfg, spec, log)
	if err != nil {
		return nil, err
	}
	users := make([]int, synthTrainUsers)
	for i := range users {
		users[i] = synthUsers + i
	}
	var sds []*studyData
	for _, sm := range models {
		sd := &studyData{name: "generated", kind: sm.kind, d: evaluated, full: d, trainUsers: users, m: sm.m,
			items: quantize.ModelItems(d, sm.m), cases: task.Test}
		train := make([]retrieval.Event, 0)
		for _, u := range users {
			for _, e := range d.Users[u].Events {
				train = append(train, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &sd.items[e.Item]})
			}
		}
		setup := Setup{Dataset: sd.name, Kind: sm.kind, Model: sm.desc, Data: fmt.Sprintf("synth.DefaultConfig "+
			"(seed %d, %d items, %d–%d events per user): %d users evaluated leave-one-out with %d negatives; "+
			"codebooks trained on the %d events of %d other users of the same catalogue; long histories are "+
			"synth.LongUser(%d, %d, L), over the same catalogue", c.Seed, c.Items, c.MinEvents, c.MaxEvents,
			synthUsers, candidateNegatives, len(train), synthTrainUsers, c.Seed, c.Items)}
		if err := sd.codecs(ctx, train, sm.extras, &setup); err != nil {
			return nil, err
		}
		rep.Setup = append(rep.Setup, setup)
		if err := sd.prepare(); err != nil {
			return nil, err
		}
		sds = append(sds, sd)
	}
	return sds, nil
}

// synthTrainSpec is how the generated data's model is trained: seminar demo's recipe for
// generated data (PSU pretraining, then the ranking finetune), on the training sequences of the
// study's evaluated users, for the study's model configuration, with epochs of about
// synthEpochTargets targets.
func synthTrainSpec(task *eval.Task, cfg model.Config) (*suite.Spec, error) {
	s, _, err := demo.LoadSpec("", true)
	if err != nil {
		return nil, err
	}
	events := 0
	for _, seq := range task.Train {
		events += len(seq)
	}
	fraction := min(1, float64(synthEpochTargets)/float64(max(1, events)))
	s.Key, s.Title, s.Notes, s.Methods = "generated", "Generated (synth.DefaultConfig)", nil, nil
	s.Task, s.Model = task, cfg
	s.Pretrain.Epochs, s.Pretrain.EpochFraction = 1, fraction
	s.Finetune.Epochs, s.Finetune.EpochFraction = 2, fraction
	return s, nil
}

// studyModel is one model a dataset is measured with.
type studyModel struct {
	m      *model.Model
	kind   string
	desc   string
	extras map[string][]byte
}

// studyModels returns the models of one dataset: the model file at path (trained first from
// spec, and written there, when it does not exist and opts.Train asks for it) and, with opts.Random,
// a random model of its configuration after it; or a random model of cfg when path is empty.
func studyModels(ctx context.Context, opts Options, path string, cfg model.Config, spec func() (*suite.Spec, error),
	log *studyLog) ([]studyModel, error) {
	if path == "" {
		m, err := randomModel(cfg)
		return []studyModel{m}, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && opts.Train {
		s, err := spec()
		if err != nil {
			return nil, fmt.Errorf("training %s: %w", path, err)
		}
		log.printf("training %s: %s (%s)", path, s.Title, s.Task.Describe())
		if err := trainStudyModel(ctx, s, path, opts.Progress, log); err != nil {
			return nil, fmt.Errorf("training %s: %w", path, err)
		}
	}
	m, extras, err := quantize.ReadModel(path)
	if err != nil {
		return nil, err
	}
	models := []studyModel{{m: m, kind: kindTrained, desc: describeModelFile(path, m, extras), extras: extras}}
	if opts.Random {
		rm, err := randomModel(m.Config())
		if err != nil {
			return nil, err
		}
		models = append(models, rm)
	}
	return models, nil
}

// randomModel is a new model of cfg with the study's seed.
func randomModel(cfg model.Config) (studyModel, error) {
	cfg.Seed = studySeed
	m, err := model.New(cfg)
	if err != nil {
		return studyModel{}, err
	}
	return studyModel{m: m, kind: kindRandom, desc: fmt.Sprintf("random (model.New, seed %d; %s)", studySeed,
		describeConfig(m.Config()))}, nil
}

// trainStudyModel trains a model as seminar demo does and writes it to path without the demo's
// codec, so that the study trains its own.
func trainStudyModel(ctx context.Context, s *suite.Spec, path string, progress demo.Progress, log *studyLog) error {
	start := time.Now()
	b, err := demo.Train(ctx, s, studySeed, progress)
	if err != nil {
		return err
	}
	m, extras, err := modelfile.Load(b)
	if err != nil {
		return err
	}
	delete(extras, retrieval.Section)
	var file bytes.Buffer
	if err := modelfile.Save(&file, m, extras); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Written whole under another name first: an interrupted run leaves no file to be taken for a
	// trained model.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, file.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	log.printf("trained %s in %.0f s", path, time.Since(start).Seconds())
	return nil
}

// describeModelFile names a model file and, for a training checkpoint, how it was trained.
func describeModelFile(path string, m *model.Model, extras map[string][]byte) string {
	desc := path
	var meta train.Meta
	if raw, ok := extras[train.MetaSection]; ok && json.Unmarshal(raw, &meta) == nil {
		desc += fmt.Sprintf(" (%s %s trained on %s, seed %d: %d steps over %d targets)", meta.Model, meta.Kind,
			meta.Dataset, meta.Seed, meta.Report.Steps, meta.Report.Targets)
	}
	return desc + "; " + describeConfig(m.Config())
}

func describeConfig(c model.Config) string {
	return fmt.Sprintf("d=%d, %d heads, K=%d", c.Dim, c.Heads, c.TopK)
}

// codecs loads the 4-bit codec from the model file's section or trains it, and trains the 8-bit
// one, both with the compact layout and one sub-space per dimension.
func (sd *studyData) codecs(ctx context.Context, train []retrieval.Event, extras map[string][]byte, setup *Setup) error {
	q := quantize.Options{Layout: quantize.TwoStage, Bits: 4, Fine: quantize.FineAuto, MaxEvents: 100_000, Seed: studySeed}
	var err error
	if b, ok := extras[retrieval.Section]; ok {
		if sd.c4, err = retrieval.LoadCodec(sd.m, b); err != nil {
			return err
		}
		setup.Codec4 = "from the model file"
	} else {
		if sd.c4, err = quantize.Train(ctx, sd.m, train, q); err != nil {
			return err
		}
		setup.Codec4 = "trained here"
	}
	q.Layout, q.Bits = "compact", 8
	if sd.c8, err = quantize.Train(ctx, sd.m, train, q); err != nil {
		return err
	}
	setup.Codec4 = describeCodec(sd.c4) + ", " + setup.Codec4
	setup.Codec8 = describeCodec(sd.c8) + ", trained here"
	return nil
}

func describeCodec(c *retrieval.Codec) string {
	var groups []string
	for i, g := range c.Groups() {
		groups = append(groups, fmt.Sprintf("%s:%d", g, c.Codebooks().Codebook(i).M()))
	}
	if c.Fine() != nil {
		return fmt.Sprintf("%d-bit %s (%d codes per event) + 8-bit fine residual codes (%d per event)", c.Bits(),
			strings.Join(groups, ","), c.CodesPerEvent(), c.FineBytes())
	}
	return fmt.Sprintf("%d-bit %s (%d codes per event)", c.Bits(), strings.Join(groups, ","), c.CodesPerEvent())
}

// prepare draws the candidates and encodes every evaluated history into its stores.
func (sd *studyData) prepare() error {
	var err error
	if sd.cands, err = eval.SampleCandidates(sd.d, "test", sd.cases, candidateNegatives, candidateSeed); err != nil {
		return err
	}
	sd.stores4, sd.stores8 = map[int32]*retrieval.Store{}, map[int32]*retrieval.Store{}
	enc := model.NewEncoder(sd.m)
	parts := make([]float32, model.NumParts*sd.m.Dim())
	for _, c := range sd.cases {
		s4 := retrieval.NewStore(sd.c4, retrieval.StoreOptions{Int8: true})
		s8 := retrieval.NewStore(sd.c8, retrieval.StoreOptions{})
		for _, e := range c.History {
			if err := enc.EventParts(parts, e.Query, e.Kind, &sd.items[e.Item]); err != nil {
				return err
			}
			if err := s4.AppendParts(parts, e.Time, e.Kind); err != nil {
				return err
			}
			if err := s8.AppendParts(parts, e.Time, e.Kind); err != nil {
				return err
			}
		}
		sd.stores4[c.User], sd.stores8[c.User] = s4, s8
	}
	return nil
}
