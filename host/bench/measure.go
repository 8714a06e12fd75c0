package bench

import (
	"context"
	"errors"
	"fmt"
	"github.com/seminar-ranker/seminar/core/abi"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/defaults"
	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/report"
)

// benchMode is a retrieval setting of the bench: what the instance keeps of the events and the
// rank options.
type benchMode struct {
	name  string
	store host.StoreOptions
	opts  host.RankOptions
}

// benchModes are the default PQ ranking, the same with the int8 copy of the event vectors for
// the refine step and the ESU, and the exact GSU.
func benchModes(d *benchData) (pq, pqInt8, exact benchMode) {
	int8Opts := d.opts
	int8Opts.Refine, int8Opts.ESU = abi.SourceInt8, abi.SourceInt8
	return benchMode{ModePQ, host.StoreOptions{}, d.opts},
		benchMode{ModePQInt8, host.StoreOptions{Int8: true}, int8Opts},
		benchMode{ModeExact, host.StoreOptions{Exact: true}, defaults.ExactRankOptions()}
}

// contender is one way of making a rank call, timed against the others of the same call.
type contender struct {
	runner, mode string
	onlyC        int // the one candidate count it runs at; 0 for every count
	call         func(c int) (Stages, []int32, error)
}

// benchLength ranks with every runner over the first l events: a fresh instance of each module
// with the model and the events loaded, and native stores. At the focus length it adds, on the
// focus call only, the runtimes that cancel anywhere and between calls, the int8 copy and exact
// retrieval.
func benchLength(ctx context.Context, d *benchData, plan Plan, l int, rts *benchRuntimes, exportDir string, log io.Writer) (
	rows []RankRow, mem MemoryRow, err error) {
	mem.L = l
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	focus := l == plan.FocusL && !plan.HeadlineOnly
	pq, pqInt8, exact := benchModes(d)
	var cs []contender
	wasm := func(rt *host.Runtime, runner string, m benchMode, onlyC int, afterModel func(*host.Instance)) error {
		r, closeInst, err := loadedRanker(ctx, rt, d, l, m.store, afterModel)
		if err != nil {
			return err
		}
		closers = append(closers, closeInst)
		cs = append(cs, contender{runner, m.name, onlyC, func(c int) (Stages, []int32, error) {
			reply, err := r.Rank(ctx, &host.RankRequest{Query: d.query, Candidates: d.cands[:c], Options: m.opts})
			t := reply.Timings
			return Stages{Total: t.Total, LUT: t.LUT, Scan: t.Scan, TopK: t.TopK, ESU: t.ESU}, reply.Order, err
		}})
		return nil
	}
	native, err := newNativeRanker(d, l, focus)
	if err != nil {
		return nil, mem, err
	}
	nativeContender := func(m benchMode, onlyC int) contender {
		return contender{RunnerNative, m.name, onlyC, func(c int) (Stages, []int32, error) { return native.rank(m, c) }}
	}

	var measured *host.Instance
	if err := wasm(rts.simd, RunnerSIMD, pq, 0, func(inst *host.Instance) {
		measured, mem.Model = inst, inst.MemorySize()
	}); err != nil {
		return nil, mem, err
	}
	if exportDir != "" {
		if err := exportCalls(ctx, exportDir, host.NewRanker(measured), d, l, plan.Candidates); err != nil {
			return nil, mem, err
		}
	}
	mem.Events = measured.MemorySize()
	if slices.Contains(plan.ScalarLengths, l) {
		if err := wasm(rts.scalar, RunnerScalar, pq, 0, nil); err != nil {
			return nil, mem, err
		}
	}
	cs = append(cs, nativeContender(pq, 0))
	if rts.ref != nil && d.codec.Bits() == 4 {
		// The reference pairs sub-quantizers: an odd count is scanned with one more.
		m := d.codec.CodesPerEvent()
		scan, err := rts.ref.Scan4(ctx, l, m+m%2, uint64(l))
		if err != nil {
			return nil, mem, err
		}
		cs = append(cs, contender{RunnerReference, ModePQ, 0, func(c int) (Stages, []int32, error) {
			for range c {
				if err := scan(); err != nil {
					return Stages{}, nil, err
				}
			}
			return Stages{}, nil, nil
		}})
	}
	if focus {
		for _, r := range []struct {
			rt     *host.Runtime
			runner string
		}{{rts.anywhere, RunnerAnywhere}, {rts.betweenCalls, RunnerBetweenCalls}} {
			if err := wasm(r.rt, r.runner, pq, plan.FocusC, nil); err != nil {
				return nil, mem, err
			}
		}
		for _, m := range []benchMode{pqInt8, exact} {
			if err := wasm(rts.simd, RunnerSIMD, m, plan.FocusC, nil); err != nil {
				return nil, mem, err
			}
			cs = append(cs, nativeContender(m, plan.FocusC))
		}
	}

	for _, c := range plan.Candidates {
		fmt.Fprintf(log, "bench: L=%d C=%d\n", l, c)
		var here []contender
		for _, ct := range cs {
			if ct.onlyC == 0 || ct.onlyC == c {
				here = append(here, ct)
			}
		}
		rs, err := measureCall(here, l, c, plan)
		if err != nil {
			return nil, mem, err
		}
		rows = append(rows, rs...)
	}
	mem.AfterRanks = measured.MemorySize()
	return rows, mem, nil
}

// exportCalls writes the model file, the store of the first l events (as the instance holds
// it) and the rank request of each candidate count to dir.
func exportCalls(ctx context.Context, dir string, r *host.Ranker, d *benchData, l int, cands []int) error {
	store, err := r.StoreBytes(ctx)
	if err != nil {
		return err
	}
	// The code count the reference scans take; the same for every length.
	meta := fmt.Appendf(nil, "{\"codes_per_event\": %d}\n", d.codec.CodesPerEvent())
	files := map[string][]byte{"model.bin": d.file, fmt.Sprintf("store-%d.bin", l): store, "meta.json": meta}
	for _, c := range cands {
		w := msgp.NewWriter(nil)
		abi.AppendRankRequest(w, &host.RankRequest{Query: d.query, Candidates: d.cands[:c], Options: d.opts})
		if err := w.Err(); err != nil {
			return err
		}
		files[fmt.Sprintf("rank-%d-%d.msgpack", l, c)] = w.Bytes()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// loadedRanker instantiates rt and loads the model and the first l events. afterModel, if set,
// runs between the two.
func loadedRanker(ctx context.Context, rt *host.Runtime, d *benchData, l int, store host.StoreOptions,
	afterModel func(*host.Instance)) (
	*host.Ranker, func(), error) {
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		return nil, nil, err
	}
	closeInst := func() { inst.Close(ctx) }
	r := host.NewRanker(inst)
	if _, err := r.LoadModel(ctx, d.file); err != nil {
		closeInst()
		return nil, nil, err
	}
	if afterModel != nil {
		afterModel(inst)
	}
	if _, err := r.LoadEvents(ctx, d.hostEv[:l], store); err != nil {
		closeInst()
		return nil, nil, err
	}
	return r, closeInst, nil
}

// nativeRanker ranks through core/retrieval as the module does, over stores and an exact history
// of the first events.
type nativeRanker struct {
	ranker      *retrieval.Ranker
	store, int8 *retrieval.Store // int8 is nil unless asked for
	history     *model.History
	cands       []retrieval.Candidate
}

func newNativeRanker(d *benchData, l int, withInt8 bool) (*nativeRanker, error) {
	n := &nativeRanker{ranker: retrieval.NewRanker(d.codec), store: retrieval.NewStore(d.codec, retrieval.StoreOptions{}),
		history: d.model.NewHistory(l)}
	stores := []*retrieval.Store{n.store}
	if withInt8 {
		n.int8 = retrieval.NewStore(d.codec, retrieval.StoreOptions{Int8: true})
		stores = append(stores, n.int8)
	}
	enc := model.NewEncoder(d.model)
	for _, s := range stores {
		s.Reserve(l)
	}
	for j, e := range d.coreEv[:l] {
		for _, s := range stores {
			if err := s.Append(e); err != nil {
				return nil, fmt.Errorf("event %d: %w", j, err)
			}
		}
		if err := enc.AppendEvent(n.history, e.Query, e.Kind, e.Item); err != nil {
			return nil, fmt.Errorf("event %d: %w", j, err)
		}
	}
	for i := range d.cands {
		n.cands = append(n.cands, retrieval.Candidate{Query: d.query, Kind: data.Search, Item: &d.cands[i]})
	}
	return n, nil
}

// rank ranks the first c candidates as the module does in mode m.
func (n *nativeRanker) rank(m benchMode, c int) (Stages, []int32, error) {
	o := m.opts
	opt := retrieval.Options{K: o.K, Shortlist: o.Shortlist, Heads: retrieval.Heads(o.Heads),
		Refine: retrieval.Vectors(o.Refine), ESU: retrieval.Vectors(o.ESU)}
	var res retrieval.Result
	var err error
	switch {
	case m.store.Exact:
		res, err = n.ranker.RankExact(n.history, n.cands[:c], retrieval.Options{K: opt.K, Heads: opt.Heads})
	case m.store.Int8 && n.int8 != nil:
		res, err = n.ranker.Rank(n.int8, n.cands[:c], opt)
	case m.store.Int8:
		err = errors.New("bench: no native int8 store at this length")
	default:
		res, err = n.ranker.Rank(n.store, n.cands[:c], opt)
	}
	return nativeStages(res.Timings), res.Order, err
}

func nativeStages(t retrieval.Timings) Stages {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return Stages{Total: us(t.Total()), LUT: us(t.Targets), Scan: us(t.Scan), TopK: us(t.Select), ESU: us(t.ESU)}
}

// measureCall times the contenders on the first c candidates over l events, in turn: each warms up, then
// every repetition calls each of them once, starting from a different one each time, so that
// the machine's load drifts over all of them alike. The number of repetitions fits the plan's
// budget, within its bounds.
func measureCall(cs []contender, l, c int, plan Plan) ([]RankRow, error) {
	var round time.Duration
	for _, ct := range cs {
		for w := range plan.Warmup {
			t0 := time.Now()
			if _, _, err := ct.call(c); err != nil {
				return nil, fmt.Errorf("%s %s C=%d: %w", ct.runner, ct.mode, c, err)
			}
			if w == plan.Warmup-1 {
				round += time.Since(t0)
			}
		}
	}
	reps := plan.MaxReps
	if round > 0 {
		reps = min(max(int(plan.CellBudget*float64(time.Second)/float64(round)), plan.MinReps), plan.MaxReps)
	}
	walls := make([][]float64, len(cs))
	inside := make([][]Stages, len(cs))
	orders := make([][]int32, len(cs))
	for rep := range reps {
		for k := range cs {
			i := (rep + k) % len(cs)
			t0 := time.Now()
			st, order, err := cs[i].call(c)
			wall := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("%s %s C=%d: %w", cs[i].runner, cs[i].mode, c, err)
			}
			walls[i] = append(walls[i], report.Millis(wall))
			inside[i] = append(inside[i], st)
			orders[i] = slices.Clone(order)
		}
	}
	nativeOrder := map[string][]int32{}
	for i, ct := range cs {
		if ct.runner == RunnerNative {
			nativeOrder[ct.mode] = orders[i]
		}
	}
	rows := make([]RankRow, len(cs))
	for i, ct := range cs {
		want, ok := nativeOrder[ct.mode]
		rows[i] = RankRow{Runner: ct.runner, Mode: ct.mode, L: l, C: c, Reps: reps,
			Median: timing.Quantile(walls[i], 0.5), P90: timing.Quantile(walls[i], 0.9), Inside: medianStages(inside[i]),
			SameOrder: ok && slices.Equal(orders[i], want), Rounds: walls[i]}
	}
	return rows, nil
}

func medianStages(ss []Stages) Stages {
	pick := func(f func(Stages) float64) float64 {
		xs := make([]float64, len(ss))
		for i, s := range ss {
			xs[i] = f(s)
		}
		return timing.Quantile(xs, 0.5)
	}
	return Stages{
		Total: pick(func(s Stages) float64 { return s.Total }), LUT: pick(func(s Stages) float64 { return s.LUT }),
		Scan: pick(func(s Stages) float64 { return s.Scan }), TopK: pick(func(s Stages) float64 { return s.TopK }),
		ESU: pick(func(s Stages) float64 { return s.ESU }),
	}
}

// quantile returns the q-quantile of xs by the nearest-rank method (the median of an even count
// is the lower middle value); 0 for none.
