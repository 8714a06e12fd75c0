package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/seminar-ranker/seminar/core/autodiff"
	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/optim"
)

// Options are the settings every training run shares.
type Options struct {
	Epochs int
	// EpochFraction < 1 trains each epoch on that share of the (shuffled) target segments.
	EpochFraction float64
	Batch         int // chunks per optimiser step
	Chunk         int // targets per chunk (one tape)
	// MaxHistory is how many of the most recent events a target's history holds in training
	// (ranking), or how many the next-pair attention reads (PSU). Evaluation uses the full
	// history.
	MaxHistory  int
	LR          float32
	WeightDecay float32
	ClipNorm    float64
	// Workers is the number of data-parallel tapes. It is part of the result: the gradient sums
	// are grouped by worker, so a different count rounds differently.
	Workers int
	Seed    uint64
}

func (o Options) validate() error {
	switch {
	case o.Epochs <= 0:
		return fmt.Errorf("train: %d epochs", o.Epochs)
	case !(o.EpochFraction > 0 && o.EpochFraction <= 1):
		return fmt.Errorf("train: epoch fraction %g outside (0, 1]", o.EpochFraction)
	case o.Batch <= 0 || o.Chunk <= 0:
		return fmt.Errorf("train: batch %d and chunk %d must be positive", o.Batch, o.Chunk)
	case o.MaxHistory <= 0:
		return fmt.Errorf("train: max history %d must be positive", o.MaxHistory)
	case !(o.LR > 0):
		return fmt.Errorf("train: learning rate %g must be positive", o.LR)
	case o.Workers <= 0:
		return fmt.Errorf("train: %d workers", o.Workers)
	}
	return nil
}

// PretrainConfig configures PSU pretraining.
type PretrainConfig struct {
	Options
	WNext, WAlign, WRel float32 // loss weights w1, w2, w3
	Negatives           int     // negative pairs per next-pair target
	// EventNegatives draws each negative pair from a random event of the corpus (hard negatives
	// as frequent as the positives); otherwise a negative pairs the target's query with an item
	// drawn uniformly from the catalogue.
	EventNegatives  bool
	NextTemperature float32 // τ of L_next's sampled softmax
	Temperature     float32 // τ of the InfoNCE of L_align and L_rel
	AlignBatch      int     // items per chunk in L_align
	RelBatch        int     // search events per chunk in L_rel
}

// FinetuneConfig configures the training of a ranking model.
type FinetuneConfig struct {
	Options
	Negatives int    // sampled negative items per target
	Loss      string // "softmax" (sampled softmax over the positive and its negatives) or "bce"
	Strategy  baseline.Strategy
	// Freeze lists tensors kept as they are: names of core/model tensors (as in Model.Tensors),
	// or prefixes ending in "." such as "emb.". The GSU weights train only with GSUWeight > 0;
	// TWIN's are copied from the ESU after every step.
	Freeze []string
	// Patience stops training after this many epochs without a better validation score
	// (0: never stop early).
	Patience int
	// GSUWeight > 0 trains the GSU's weights too, by adding that multiple of the next-pair loss
	// L_next (temperature GSUTemperature) over the ranking's own candidates: the top-K selection
	// has no gradient, so without it the GSU stays as pretrained (or as initialised).
	GSUWeight      float32
	GSUTemperature float32
	// SASRec trains the SASRec-style baseline (self-attention over the last MaxHistory events,
	// candidates scored by a dot product) on the ESU's weights; Strategy must still be valid.
	SASRec bool
}

// Step is the progress of training after one optimiser step.
type Step struct {
	Epoch, Epochs int
	Step, Steps   int // Step counts from 1 up to Steps over all epochs
	EpochStep     int // counts from 1 up to EpochSteps within the epoch
	EpochSteps    int
	Loss          float64
	Parts         []float64 // PSU: the components (PartNames); ranking: nil
	Targets       int       // targets trained on so far
	Elapsed       time.Duration
}

// Hooks let a caller follow and steer training. Both may be nil.
type Hooks struct {
	Step func(Step)
	// Validate scores the model after every epoch, higher being better. Training keeps the
	// parameters of the best epoch and may stop early (FinetuneConfig.Patience).
	Validate func(epoch int) (float64, error)
}

// Point is one point of a loss curve: the mean loss of the steps since the previous point.
type Point struct {
	Epoch float64   `json:"epoch"` // epochs done at this point, fractional
	Loss  float64   `json:"loss"`
	Parts []float64 `json:"parts,omitempty"`
}

// MarshalJSON writes the point with five significant digits, plenty for a curve of mini-batch
// means and a fraction of the size of full float64s.
func (p Point) MarshalJSON() ([]byte, error) {
	b := append([]byte(`{"epoch":`), short(p.Epoch)...)
	b = append(append(b, `,"loss":`...), short(p.Loss)...)
	if len(p.Parts) > 0 {
		b = append(b, `,"parts":[`...)
		for i, v := range p.Parts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, short(v)...)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func short(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(v, 'g', 5, 64)
}

// Report describes a finished training run.
type Report struct {
	Steps            int       `json:"steps"`
	Targets          int       `json:"targets"`
	Seconds          float64   `json:"seconds"`
	TargetsPerSecond float64   `json:"targets_per_second"`
	Curve            []Point   `json:"curve"`
	Valid            []float64 `json:"valid,omitempty"` // validation score after each epoch
	BestEpoch        int       `json:"best_epoch,omitempty"`
}

// curvePoints is about how many points a loss curve gets.
const curvePoints = 120

// Pretrain trains the PSU of m on the corpus: the embeddings, the dense encoders, the "no
// query" embedding, the fusion gates, α and the GSU weights. Every G_m stays as it is (the
// identity of a new model).
func Pretrain(ctx context.Context, m *model.Model, corpus *Corpus, cfg PretrainConfig, hooks Hooks) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	switch {
	case cfg.Negatives <= 0:
		return Report{}, fmt.Errorf("train: %d negative pairs", cfg.Negatives)
	case !(cfg.NextTemperature > 0) || !(cfg.Temperature > 0):
		return Report{}, errors.New("train: temperatures must be positive")
	case cfg.AlignBatch < 2 || cfg.RelBatch < 2:
		return Report{}, errors.New("train: align and rel batches need at least 2 rows")
	case cfg.WNext < 0 || cfg.WAlign < 0 || cfg.WRel < 0 || cfg.WNext+cfg.WAlign+cfg.WRel == 0:
		return Report{}, errors.New("train: loss weights must be non-negative and not all zero")
	}
	b, err := bind(m, func(name string) bool {
		return !isFrozen(name, []string{"fusion.proj", "esu.", "mlp."})
	})
	if err != nil {
		return Report{}, err
	}
	f, err := newFeatures(m, corpus)
	if err != nil {
		return Report{}, err
	}
	sh := psuShape{
		prefix: cfg.MaxHistory, negatives: cfg.Negatives,
		wNext: cfg.WNext, wAlign: cfg.WAlign, wRel: cfg.WRel,
		nextTemp: cfg.NextTemperature, contrastTemp: cfg.Temperature,
		alignBatch: cfg.AlignBatch, relBatch: cfg.RelBatch,
	}
	r := newRunner(b, f, cfg.Options, nil)
	return r.run(ctx, 1, hooks, 0, true,
		func(c *chunk, rng *rand.Rand) { drawPairNegatives(f, c, cfg.Negatives, !cfg.EventNegatives, rng) },
		func(w *worker, t *autodiff.Tape, c *chunk) (autodiff.Var, error) { return w.recordPSU(t, b, f, c, sh) }, nil)
}

// Finetune trains m as a ranking model with cfg.Strategy's retrieval: G_m, the ESU, the MLP,
// the gates, α and the embeddings, less what cfg.Freeze names. Start from a pretrained PSU to
// finetune SEMINAR, or from a new model for a run without pretraining.
func Finetune(ctx context.Context, m *model.Model, corpus *Corpus, cfg FinetuneConfig, hooks Hooks) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	if cfg.Negatives <= 0 {
		return Report{}, fmt.Errorf("train: %d negatives", cfg.Negatives)
	}
	if len(corpus.Items) < 2 {
		return Report{}, errors.New("train: ranking needs at least two items")
	}
	if cfg.Loss != "softmax" && cfg.Loss != "bce" {
		return Report{}, fmt.Errorf("train: unknown ranking loss %q (softmax or bce)", cfg.Loss)
	}
	for _, p := range cfg.Freeze {
		if !knownTensorPattern(m, p) {
			return Report{}, fmt.Errorf("train: freeze %q names no tensor", p)
		}
	}
	if cfg.GSUWeight < 0 || cfg.GSUWeight > 0 && (!(cfg.GSUTemperature > 0) || cfg.Strategy.TieESU) {
		return Report{}, errors.New("train: a GSU weight needs a positive temperature and a GSU of its own (not tied to the ESU)")
	}
	frozen := cfg.Freeze
	if cfg.GSUWeight == 0 {
		frozen = append([]string{"gsu."}, frozen...)
	}
	b, err := bind(m, func(name string) bool { return !isFrozen(name, frozen) })
	if err != nil {
		return Report{}, err
	}
	f, err := newFeatures(m, corpus)
	if err != nil {
		return Report{}, err
	}
	if _, err := cfg.Strategy.NewSelector(m, corpus.Items); err != nil {
		return Report{}, err
	}
	var tie func()
	if cfg.Strategy.TieESU {
		tie = func() { baseline.Tie(m) }
	}
	sh := rankShape{maxHistory: cfg.MaxHistory, negatives: cfg.Negatives, bce: cfg.Loss == "bce",
		gsuWeight: cfg.GSUWeight, gsuTemp: cfg.GSUTemperature, sasrec: cfg.SASRec}
	r := newRunner(b, f, cfg.Options, &cfg.Strategy)
	return r.run(ctx, 0, hooks, cfg.Patience, false,
		func(c *chunk, rng *rand.Rand) { drawItemNegatives(f, c, cfg.Negatives, rng) },
		func(w *worker, t *autodiff.Tape, c *chunk) (autodiff.Var, error) {
			if sh.sasrec {
				return w.recordSASRec(t, b, f, c, sh)
			}
			loss, _, err := w.recordRanking(t, b, f, c, sh)
			return loss, err
		}, tie)
}

// runner runs the shared training loop.
type runner struct {
	b        *binding
	f        *features
	opts     Options
	strategy *baseline.Strategy

	mu      sync.Mutex
	workers map[*autodiff.Tape]*worker
}

func newRunner(b *binding, f *features, opts Options, strategy *baseline.Strategy) *runner {
	return &runner{b: b, f: f, opts: opts, strategy: strategy, workers: make(map[*autodiff.Tape]*worker)}
}

// worker returns the state of tape t, creating it on first use.
func (r *runner) worker(t *autodiff.Tape) (*worker, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.workers[t]; ok {
		return w, nil
	}
	w := &worker{enc: newEncoder(r.b, r.f)}
	if r.strategy != nil {
		sel, err := r.strategy.NewSelector(r.b.m, r.f.corpus.Items)
		if err != nil {
			return nil, err
		}
		w.sel = sel
	}
	r.workers[t] = w
	return w, nil
}

type recordFunc func(w *worker, t *autodiff.Tape, c *chunk) (autodiff.Var, error)

// run trains for the configured epochs on targets from position first on. after, if not nil,
// runs after every optimiser step (and once before the first).
func (r *runner) run(ctx context.Context, first int, hooks Hooks, patience int, parts bool,
	draw func(*chunk, *rand.Rand), record recordFunc, after func()) (Report, error) {
	opts := r.opts
	dp, err := autodiff.NewDataParallel(r.b.params, opts.Workers)
	if err != nil {
		return Report{}, err
	}
	adam, err := optim.NewAdam(r.b.params, optim.AdamConfig{
		LR: opts.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: opts.WeightDecay, ClipNorm: opts.ClipNorm,
	})
	if err != nil {
		return Report{}, err
	}
	runAfter := func() {
		if after != nil {
			after()
		}
	}
	runAfter()
	rng := rand.New(rand.NewPCG(opts.Seed, 0x7261696e))
	plans := make([][]chunk, opts.Epochs)
	steps := 0
	for e := range plans {
		plans[e] = planEpoch(r.f, first, opts.Chunk, opts.EpochFraction, rng)
		steps += (len(plans[e]) + opts.Batch - 1) / opts.Batch
	}
	if steps == 0 {
		return Report{}, errors.New("train: the corpus has no training targets")
	}
	var rep Report
	var best []float32
	var batchParts [][numParts]float64
	bestScore := math.Inf(-1)
	every := max(1, steps/curvePoints)
	var acc struct { // the steps since the last curve point
		loss  float64
		parts [numParts]float64
		n     int
	}
	start := time.Now()
	for e, plan := range plans {
		for from := 0; from < len(plan); from += opts.Batch {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			batch := plan[from:min(from+opts.Batch, len(plan))]
			for i := range batch {
				draw(&batch[i], rng)
			}
			batchParts = slices.Grow(batchParts[:0], len(batch))[:len(batch)]
			loss, grads, err := dp.Step(len(batch), func(t *autodiff.Tape, i int) (autodiff.Var, error) {
				w, err := r.worker(t)
				if err != nil {
					return autodiff.Var{}, err
				}
				w.chunkParts = [numParts]float64{}
				v, err := record(w, t, &batch[i])
				batchParts[i] = w.chunkParts
				return v, err
			})
			if err != nil {
				return rep, fmt.Errorf("train: step %d: %w", rep.Steps+1, err)
			}
			if _, err := adam.Step(grads); err != nil {
				return rep, fmt.Errorf("train: step %d: %w", rep.Steps+1, err)
			}
			runAfter()
			rep.Steps++
			for _, c := range batch {
				rep.Targets += c.targets
			}
			var stepParts []float64
			if parts {
				stepParts = make([]float64, numParts)
				for _, cp := range batchParts {
					for k := range stepParts {
						stepParts[k] += cp[k] / float64(len(batch))
					}
				}
				for k := range stepParts {
					acc.parts[k] += stepParts[k]
				}
			}
			acc.loss += loss
			acc.n++
			if acc.n == every || rep.Steps == steps {
				p := Point{Epoch: float64(e) + float64(min(from+opts.Batch, len(plan)))/float64(len(plan)), Loss: acc.loss / float64(acc.n)}
				if parts {
					p.Parts = make([]float64, numParts)
					for k := range p.Parts {
						p.Parts[k] = acc.parts[k] / float64(acc.n)
					}
				}
				rep.Curve = append(rep.Curve, p)
				acc.loss, acc.parts, acc.n = 0, [numParts]float64{}, 0
			}
			if hooks.Step != nil {
				hooks.Step(Step{Epoch: e + 1, Epochs: len(plans), Step: rep.Steps, Steps: steps,
					EpochStep: from/opts.Batch + 1, EpochSteps: (len(plan) + opts.Batch - 1) / opts.Batch,
					Loss: loss, Parts: stepParts, Targets: rep.Targets, Elapsed: time.Since(start)})
			}
		}
		if hooks.Validate == nil {
			continue
		}
		// Validation time is not training time: keep it out of the throughput.
		paused := time.Now()
		score, err := hooks.Validate(e + 1)
		if err != nil {
			return rep, fmt.Errorf("train: validate after epoch %d: %w", e+1, err)
		}
		start = start.Add(time.Since(paused))
		rep.Valid = append(rep.Valid, score)
		if score > bestScore {
			bestScore, rep.BestEpoch = score, e+1
			best = append(best[:0], r.b.m.Flat()...)
		} else if patience > 0 && e+1-rep.BestEpoch >= patience {
			break
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	if rep.Seconds > 0 {
		rep.TargetsPerSecond = float64(rep.Targets) / rep.Seconds
	}
	if best != nil {
		copy(r.b.m.Flat(), best)
	}
	return rep, nil
}
