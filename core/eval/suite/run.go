package suite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/metrics"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
)

// Plan is what Run runs.
type Plan struct {
	Specs         []*Spec
	Seeds         []uint64
	CandidateSeed uint64
	Negatives     int // sampled negatives per case
	EvalWorkers   int
	// CandidatesDir holds the candidate files: loaded when present, sampled and saved otherwise.
	CandidatesDir string
	// CheckpointDir, when not empty, receives every trained model as a model file.
	CheckpointDir string
	Progress      func(Progress)
}

// Progress reports what Run is doing. A new Stage starts a new progress count.
type Progress struct {
	Stage       string
	Unit        string // "steps" or "cases"
	Done, Total int
	Loss        float64 // training: the last step's loss
}

// Results are everything a Run measured.
type Results struct {
	Command     string          `json:"command"`
	Date        string          `json:"date"`
	GoVersion   string          `json:"go_version"`
	Platform    string          `json:"platform"`
	CPUs        int             `json:"cpus"`
	Seeds       []uint64        `json:"seeds"`
	WallSeconds float64         `json:"wall_seconds"`
	Datasets    []DatasetResult `json:"datasets"`
}

// DatasetResult are the results of one Spec.
type DatasetResult struct {
	Spec       *Spec                    `json:"spec"`
	Dataset    string                   `json:"dataset"`
	DataNote   string                   `json:"data_note"`
	Protocol   string                   `json:"protocol"`
	Size       string                   `json:"size"`
	Candidates map[string]CandidateFile `json:"candidates"`
	Pretrain   []PretrainRun            `json:"pretrain,omitempty"`
	Methods    []MethodResult           `json:"methods"`
	Seconds    float64                  `json:"seconds"`
}

// CandidateFile identifies the saved candidates of one split.
type CandidateFile struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Seed      uint64 `json:"seed"`
	Negatives int    `json:"negatives"`
	Cases     int    `json:"cases"`
}

// PretrainRun is the PSU pretraining of one seed.
type PretrainRun struct {
	Seed  uint64       `json:"seed"`
	Train train.Report `json:"train"`
	// Next ranks the validation cases by the PSU's next-pair score alone (NextPair).
	Next eval.Report `json:"next_pair"`
}

// MethodResult are one method's runs and their summary over seeds.
type MethodResult struct {
	Method
	Runs  []SeedRun       `json:"runs"`
	Test  metrics.Summary `json:"test"`
	Valid metrics.Summary `json:"valid"`
	// EventsRead is the mean number of history events the ESU read per test candidate.
	EventsRead       float64 `json:"events_read"`
	TargetsPerSecond float64 `json:"train_targets_per_second"`
	TrainSeconds     float64 `json:"train_seconds"`
}

// SeedRun is one trained model: its training and its scores.
type SeedRun struct {
	Seed uint64 `json:"seed"`
	// GSUTrained: finetuning trained the GSU (see Method.GSU).
	GSUTrained bool         `json:"gsu_trained,omitempty"`
	Train      train.Report `json:"train"`
	Valid      eval.Report  `json:"valid"` // of the kept (best validation) epoch
	Test       eval.Report  `json:"test"`
}

// Run trains and evaluates every method of every spec for every seed.
func Run(ctx context.Context, p Plan) (*Results, error) {
	if len(p.Seeds) == 0 || len(p.Specs) == 0 {
		return nil, errors.New("suite: nothing to run")
	}
	start := time.Now()
	res := &Results{
		Date: start.UTC().Format("2006-01-02 15:04 UTC"), GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), Seeds: p.Seeds,
	}
	for _, s := range p.Specs {
		dr, err := runSpec(ctx, p, s)
		if err != nil {
			return nil, fmt.Errorf("suite: %s: %w", s.Key, err)
		}
		res.Datasets = append(res.Datasets, *dr)
	}
	res.WallSeconds = time.Since(start).Seconds()
	return res, nil
}

func runSpec(ctx context.Context, p Plan, s *Spec) (*DatasetResult, error) {
	start := time.Now()
	task := s.Task
	d := task.Dataset
	dr := &DatasetResult{Spec: s, Dataset: d.Name, DataNote: d.Note, Protocol: task.Protocol, Size: task.Describe(),
		Candidates: make(map[string]CandidateFile)}
	valid, vf, err := Candidates(p.CandidatesDir, d, "valid", task.Valid, p.CandidateSeed, p.Negatives)
	if err != nil {
		return nil, err
	}
	test, tf := s.TestCandidates, CandidateFile{Path: "given with the data", Negatives: -1, Cases: len(task.Test)}
	if test == nil {
		if test, tf, err = Candidates(p.CandidatesDir, d, "test", task.Test, p.CandidateSeed, p.Negatives); err != nil {
			return nil, err
		}
	} else {
		tf.Negatives = test.Negatives
	}
	dr.Candidates["valid"], dr.Candidates["test"] = vf, tf
	dr.Methods = make([]MethodResult, len(s.Methods))
	for i, m := range s.Methods {
		dr.Methods[i].Method = m
	}
	for _, seed := range p.Seeds {
		var psu *model.Model
		for _, m := range s.Methods {
			if m.Pretrained && psu == nil {
				if psu, err = pretrain(ctx, p, s, seed, dr, valid); err != nil {
					return nil, err
				}
			}
		}
		// seminarTargets counts the targets SEMINAR trained on, pretraining included: the budget
		// of the equal-compute rows that follow it.
		seminarTargets := 0
		var seminar *Trained
		for i, m := range s.Methods {
			var run *SeedRun
			var err error
			switch {
			case m.PQ != nil:
				if seminar == nil {
					return nil, fmt.Errorf("%s: SEMINAR must run before its PQ rows", m.Key)
				}
				run, err = rankPQ(ctx, p, s, m, seed, seminar, valid, test)
			case m.EqualCompute:
				if seminarTargets == 0 {
					return nil, fmt.Errorf("%s: SEMINAR must run before the equal-compute rows", m.Key)
				}
				run, _, err = finetune(ctx, p, equalCompute(s, seminarTargets), m, seed, psu, valid, test)
			default:
				var tr *Trained
				run, tr, err = finetune(ctx, p, s, m, seed, psu, valid, test)
				if m.Key == "seminar" && err == nil {
					seminar = tr
					seminarTargets = run.Train.Targets + dr.Pretrain[len(dr.Pretrain)-1].Train.Targets
				}
			}
			if err != nil {
				return nil, fmt.Errorf("%s seed %d: %w", m.Key, seed, err)
			}
			dr.Methods[i].Runs = append(dr.Methods[i].Runs, *run)
		}
	}
	for i := range dr.Methods {
		if err := summarise(&dr.Methods[i]); err != nil {
			return nil, err
		}
	}
	dr.Seconds = time.Since(start).Seconds()
	return dr, nil
}

// equalCompute returns a copy of s whose finetuning runs, without early stopping, the epochs that
// hold at least targets training targets.
func equalCompute(s *Spec, targets int) *Spec {
	perEpoch := 0
	for _, seq := range s.Task.Train {
		perEpoch += len(seq)
	}
	perEpoch = max(1, int(float64(perEpoch)*s.Finetune.EpochFraction))
	out := *s
	out.Finetune.Epochs = max(1, (targets+perEpoch-1)/perEpoch)
	out.Finetune.Patience = 0
	return &out
}

// Candidates loads the candidates of a split of d from dir (the file <dataset>-<split>.json.gz),
// or samples them with seed and saves them there when the file does not exist.
func Candidates(dir string, d *data.Dataset, split string, cases []eval.Case, seed uint64, negatives int) (*eval.Candidates, CandidateFile, error) {
	path := filepath.Join(dir, d.Name+"-"+split+".json.gz")
	cf := CandidateFile{Path: path, Seed: seed, Negatives: negatives, Cases: len(cases)}
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		c, sum, err := eval.LoadCandidates(f)
		if err != nil {
			return nil, cf, fmt.Errorf("%s: %w", path, err)
		}
		if err := c.Check(d, cases); err != nil {
			return nil, cf, fmt.Errorf("%s: %w", path, err)
		}
		if c.Seed != seed || c.Negatives != negatives {
			return nil, cf, fmt.Errorf("%s: drawn with seed %d and %d negatives, not seed %d and %d "+
				"(remove the file to draw again)", path, c.Seed, c.Negatives, seed, negatives)
		}
		cf.SHA256 = sum
		return c, cf, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, cf, err
	}
	c, err := eval.SampleCandidates(d, split, cases, negatives, seed)
	if err != nil {
		return nil, cf, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cf, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, cf, err
	}
	sum, err := eval.SaveCandidates(f, c)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, cf, fmt.Errorf("%s: %w", path, err)
	}
	cf.SHA256 = sum
	return c, cf, nil
}

func pretrain(ctx context.Context, p Plan, s *Spec, seed uint64, dr *DatasetResult, valid *eval.Candidates) (*model.Model, error) {
	m, rep, err := PretrainPSU(ctx, s, seed, p.Progress)
	if err != nil {
		return nil, err
	}
	next, err := NextPair(ctx, s, m, valid, p.EvalWorkers, p.Progress)
	if err != nil {
		return nil, err
	}
	dr.Pretrain = append(dr.Pretrain, PretrainRun{Seed: seed, Train: rep, Next: next})
	if err := p.checkpoint(m, train.Meta{Kind: train.KindPSU, Model: "psu", Dataset: s.Key, Seed: seed, Report: rep},
		PSUFile(s.FileKey(), seed)); err != nil {
		return nil, err
	}
	return m, nil
}

// PSUFile is the file name of a dataset's PSU checkpoint of one seed.
func PSUFile(key string, seed uint64) string { return fmt.Sprintf("%s-psu-seed%d.model", key, seed) }

// PretrainPSU pretrains the PSU of a new model of the spec's configuration with the seed.
func PretrainPSU(ctx context.Context, s *Spec, seed uint64, progress func(Progress)) (*model.Model, train.Report, error) {
	cfg := s.Model
	cfg.Seed = seed
	m, err := model.New(cfg)
	if err != nil {
		return nil, train.Report{}, err
	}
	pre := s.Pretrain
	pre.Seed = seed
	stage := fmt.Sprintf("%s seed %d: PSU pretraining", s.Key, seed)
	rep, err := train.Pretrain(ctx, m, &train.Corpus{Items: s.Task.Dataset.Items, Sequences: s.Task.Train}, pre,
		train.Hooks{Step: func(st train.Step) {
			report(progress, fmt.Sprintf("%s epoch %d/%d", stage, st.Epoch, st.Epochs), "steps", st.EpochStep,
				st.EpochSteps, st.Loss)
		}})
	if err != nil {
		return nil, train.Report{}, fmt.Errorf("pretrain seed %d: %w", seed, err)
	}
	return m, rep, nil
}

// NextPair ranks the validation cases' candidates by m's next-pair score over the pretraining
// history window: how well the PSU predicts a held-out next event, before finetuning.
func NextPair(ctx context.Context, s *Spec, m *model.Model, valid *eval.Candidates, workers int,
	progress func(Progress)) (eval.Report, error) {
	stage := s.Key + ": next-pair validation"
	return eval.Evaluate(ctx, s.Task.Valid, valid, workers, func() (eval.Ranker, error) {
		return eval.NewNextPairRanker(m, s.Task.Dataset.Items, s.Pretrain.MaxHistory)
	}, func(done int) { report(progress, stage, "cases", done, len(s.Task.Valid), 0) })
}

func report(progress func(Progress), stage, unit string, done, total int, loss float64) {
	if progress != nil {
		progress(Progress{Stage: stage, Unit: unit, Done: done, Total: total, Loss: loss})
	}
}

// Trained is a finetuned model with what it was trained on.
type Trained struct {
	Model  *model.Model
	Items  []data.Item // the catalogue, less the method's dropped modality
	Method Method
	Train  train.Report
	Valid  eval.Report // of the kept epoch
	// GSUTrained says whether finetuning trained the GSU (GSUTrained of the method, or the
	// better choice on validation with GSUSelect).
	GSUTrained bool
	// MaxHistory is the window of a SASRec-style model: the events it was trained to read.
	MaxHistory int
}

// TrainMethod finetunes the method's model for the seed, from a copy of psu when the method is
// pretrained, choosing the epoch on the validation candidates; with GSUSelect it trains the model
// both with and without the GSU and keeps the one of better validation NDCG@10.
func TrainMethod(ctx context.Context, s *Spec, method Method, seed uint64, psu *model.Model, valid *eval.Candidates,
	evalWorkers int, progress func(Progress)) (*Trained, error) {
	var best *Trained
	for _, gsu := range []bool{false, true} {
		if method.GSU == GSUFrozen && gsu || method.GSU == GSUTrained && !gsu {
			continue
		}
		tr, err := trainOnce(ctx, s, method, seed, psu, valid, evalWorkers, progress, gsu)
		if err != nil {
			return nil, err
		}
		if best == nil || ndcgAt10(tr.Valid.Result) > ndcgAt10(best.Valid.Result) {
			best = tr
		}
	}
	return best, nil
}

func trainOnce(ctx context.Context, s *Spec, method Method, seed uint64, psu *model.Model, valid *eval.Candidates,
	evalWorkers int, progress func(Progress), trainGSU bool) (*Trained, error) {
	task := s.Task
	items, err := DropModality(task.Dataset.Items, task.Dataset.DenseNames, method.Drop)
	if err != nil {
		return nil, err
	}
	cfg := s.Model
	cfg.Seed = seed
	var m *model.Model
	if method.Pretrained {
		if psu == nil {
			return nil, fmt.Errorf("%s starts from a pretrained PSU, and none was given", method.Key)
		}
		if m, err = model.NewZero(psu.Config()); err != nil {
			return nil, err
		}
		copy(m.Flat(), psu.Flat())
	} else if m, err = model.New(cfg); err != nil {
		return nil, err
	}
	tr := &Trained{Model: m, Items: items, Method: method, GSUTrained: trainGSU, MaxHistory: s.Finetune.MaxHistory}
	prefix := fmt.Sprintf("%s seed %d: %s", s.Key, seed, method.Name)
	if method.GSU == GSUSelect {
		prefix += map[bool]string{false: " (GSU kept)", true: " (GSU trained)"}[trainGSU]
	}
	var validReports []eval.Report
	fine := s.Finetune
	fine.Seed, fine.Strategy, fine.SASRec = seed, method.Strategy, method.SASRec
	if trainGSU {
		fine.GSUWeight, fine.GSUTemperature = gsuWeight, s.Pretrain.NextTemperature
	}
	tr.Train, err = train.Finetune(ctx, m, &train.Corpus{Items: items, Sequences: task.Train}, fine, train.Hooks{
		Step: func(st train.Step) {
			report(progress, fmt.Sprintf("%s training epoch %d/%d", prefix, st.Epoch, st.Epochs), "steps",
				st.EpochStep, st.EpochSteps, st.Loss)
		},
		Validate: func(epoch int) (float64, error) {
			r, err := tr.Evaluate(ctx, task.Valid, valid, evalWorkers, progress, fmt.Sprintf("%s validation %d", prefix, epoch))
			validReports = append(validReports, r)
			return ndcgAt10(r.Result), err
		},
	})
	if err != nil {
		return nil, err
	}
	if tr.Train.BestEpoch > 0 {
		tr.Valid = validReports[tr.Train.BestEpoch-1]
	}
	return tr, nil
}

// Evaluate ranks the candidates of the cases with the trained model.
func (tr *Trained) Evaluate(ctx context.Context, cases []eval.Case, cands *eval.Candidates, workers int,
	progress func(Progress), stage string) (eval.Report, error) {
	return eval.Evaluate(ctx, cases, cands, workers, func() (eval.Ranker, error) {
		if tr.Method.SASRec {
			return eval.NewSASRecRanker(tr.Model, tr.Items, tr.MaxHistory)
		}
		return eval.NewModelRanker(tr.Model, tr.Method.Strategy, tr.Items)
	}, func(done int) { report(progress, stage, "cases", done, len(cases), 0) })
}

// Meta describes the trained model for its checkpoint.
func (tr *Trained) Meta(s *Spec, seed uint64) train.Meta {
	st := tr.Method.Strategy
	meta := train.Meta{Kind: train.KindRanker, Model: tr.Method.Key, Strategy: &st, Dataset: s.Key, Drop: tr.Method.Drop,
		Seed: seed, Report: tr.Train}
	if tr.Method.Pretrained {
		meta.Pretrained = PSUFile(s.FileKey(), seed)
	}
	return meta
}

func finetune(ctx context.Context, p Plan, s *Spec, method Method, seed uint64, psu *model.Model,
	valid, test *eval.Candidates) (*SeedRun, *Trained, error) {
	if method.Popularity {
		pop := eval.NewPopularity(len(s.Task.Dataset.Items), s.Task.Train)
		run := &SeedRun{Seed: seed}
		for _, split := range []struct {
			dst   *eval.Report
			cases []eval.Case
			cands *eval.Candidates
		}{{&run.Valid, s.Task.Valid, valid}, {&run.Test, s.Task.Test, test}} {
			r, err := eval.Evaluate(ctx, split.cases, split.cands, 1, func() (eval.Ranker, error) { return pop, nil }, nil)
			if err != nil {
				return nil, nil, err
			}
			*split.dst = r
		}
		return run, nil, nil
	}
	tr, err := TrainMethod(ctx, s, method, seed, psu, valid, p.EvalWorkers, p.Progress)
	if err != nil {
		return nil, nil, err
	}
	testRep, err := tr.Evaluate(ctx, s.Task.Test, test, p.EvalWorkers, p.Progress,
		fmt.Sprintf("%s seed %d: %s test", s.Key, seed, method.Name))
	if err != nil {
		return nil, nil, err
	}
	if err := p.checkpoint(tr.Model, tr.Meta(s, seed), fmt.Sprintf("%s-%s-seed%d.model", s.FileKey(), method.Key, seed)); err != nil {
		return nil, nil, err
	}
	return &SeedRun{Seed: seed, GSUTrained: tr.GSUTrained, Train: tr.Train, Valid: tr.Valid, Test: testRep}, tr, nil
}

// codecEvents bounds the training events a PQ row's codec is trained on, taken evenly: as many
// as the bench's codec sees.
const codecEvents = 20000

// rankPQ evaluates the seed's SEMINAR model through a 4-bit two-stage codec trained on the
// training events (retrieval.TwoStageOptions) with the method's heads. The row trains nothing of
// its own: its run has no training report.
func rankPQ(ctx context.Context, p Plan, s *Spec, method Method, seed uint64, seminar *Trained,
	valid, test *eval.Candidates) (*SeedRun, error) {
	var events []retrieval.Event
	total := 0
	for _, seq := range s.Task.Train {
		total += len(seq)
	}
	step := max(1, (total+codecEvents-1)/codecEvents)
	i := 0
	for _, seq := range s.Task.Train {
		for _, e := range seq {
			if i%step == 0 {
				events = append(events, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &seminar.Items[e.Item]})
			}
			i++
		}
	}
	opts, err := retrieval.TwoStageOptions(seminar.Model, seed)
	if err != nil {
		return nil, err
	}
	if len(events) < 1<<8 {
		// Too few events for the fine codebook's 256 centroids: the coarse codes alone.
		opts.Fine = 0
	}
	codec, err := retrieval.TrainCodec(ctx, seminar.Model, events, opts)
	if err != nil {
		return nil, err
	}
	opt := retrieval.Options{Heads: *method.PQ}
	run := &SeedRun{Seed: seed, GSUTrained: seminar.GSUTrained}
	for _, split := range []struct {
		dst   *eval.Report
		name  string
		cases []eval.Case
		cands *eval.Candidates
	}{{&run.Valid, "validation", s.Task.Valid, valid}, {&run.Test, "test", s.Task.Test, test}} {
		stage := fmt.Sprintf("%s seed %d: %s %s", s.Key, seed, method.Name, split.name)
		r, err := eval.Evaluate(ctx, split.cases, split.cands, p.EvalWorkers, func() (eval.Ranker, error) {
			return eval.NewPQRanker(codec, seminar.Items, opt), nil
		}, func(done int) { report(p.Progress, stage, "cases", done, len(split.cases), 0) })
		if err != nil {
			return nil, err
		}
		*split.dst = r
	}
	return run, nil
}

// ndcgAt10 is the validation score training keeps the best epoch by.
func ndcgAt10(r metrics.Result) float64 {
	for i, k := range r.Ks {
		if k == 10 {
			return r.NDCG[i]
		}
	}
	return r.MRR
}

func (p Plan) checkpoint(m *model.Model, meta train.Meta, name string) error {
	if p.CheckpointDir == "" {
		return nil
	}
	if err := os.MkdirAll(p.CheckpointDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(p.CheckpointDir, name))
	if err != nil {
		return err
	}
	if err := train.Save(f, m, meta); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func summarise(mr *MethodResult) error {
	var test, valid []metrics.Result
	for _, r := range mr.Runs {
		test = append(test, r.Test.Result)
		valid = append(valid, r.Valid.Result)
		mr.EventsRead += r.Test.MeanEventsRead / float64(len(mr.Runs))
		mr.TargetsPerSecond += r.Train.TargetsPerSecond / float64(len(mr.Runs))
		mr.TrainSeconds += r.Train.Seconds / float64(len(mr.Runs))
	}
	var err error
	if mr.Test, err = metrics.Summarize(test); err != nil {
		return fmt.Errorf("%s: %w", mr.Key, err)
	}
	if mr.Valid, err = metrics.Summarize(valid); err != nil {
		return fmt.Errorf("%s: %w", mr.Key, err)
	}
	return nil
}
