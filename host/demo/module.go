package demo

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/defaults"
	"github.com/seminar-ranker/seminar/host/internal/timing"
)

// Module is the scoring module, compiled and instantiated, with the demo's model loaded.
type Module struct {
	rt          *host.Runtime
	ranker      *host.Ranker
	opts        host.RankOptions
	Name        string // which build runs, and why the scalar one if so
	CacheDir    string // of the compiled machine code
	Compile     time.Duration
	Instantiate time.Duration
	LoadModel   time.Duration
}

// Open compiles the module (from the cache under the job's cache folder when it can),
// instantiates it and loads m.
func (j *Job) Open(ctx context.Context, m *Model) (*Module, error) {
	mods, err := defaults.Modules(j.opts.Modules)
	if err != nil {
		return nil, err
	}
	w := &Module{CacheDir: filepath.Join(j.opts.CacheDir, "wazero"),
		opts: defaults.RankOptions(m.Model.Config().TopK, m.Codec.Bits())}
	start := time.Now()
	if w.rt, err = host.NewRuntime(ctx, mods, host.Options{CacheDir: w.CacheDir}); err != nil {
		return nil, err
	}
	w.Compile = time.Since(start)
	w.Name = "SIMD128 module"
	if !w.rt.Features().SIMD() {
		w.Name = "scalar module (SIMD128 unavailable: " + w.rt.Fallback().Error() + ")"
	}
	start = time.Now()
	inst, err := w.rt.NewInstance(ctx)
	if err != nil {
		return nil, errors.Join(err, w.rt.Close(ctx))
	}
	w.Instantiate = time.Since(start)
	w.ranker = host.NewRanker(inst)
	start = time.Now()
	if _, err := w.ranker.LoadModel(ctx, m.File); err != nil {
		return nil, errors.Join(err, w.rt.Close(ctx))
	}
	w.LoadModel = time.Since(start)
	return w, nil
}

// Close closes the runtime and its instance.
func (w *Module) Close(ctx context.Context) error { return w.rt.Close(ctx) }

// Run is one user's ranking through the module and what it took.
type Run struct {
	Case       eval.Case
	Candidates []int32 // item indices, in the order the module got them
	Reply      host.RankReply
	LoadEvents time.Duration
	First      time.Duration // the first rank call, which sizes the module's buffers
	Warm       time.Duration // the median of the next few
}

// Rank loads the history of the user the job ranks for into the module and reranks that user's
// candidates.
func (j *Job) Rank(ctx context.Context, w *Module) (*Run, error) {
	d := j.Spec.Task.Dataset
	cs, err := FindCase(j.Spec.Task, j.opts.User)
	if err != nil {
		return nil, err
	}
	cands, err := Candidates(d, cs, j.opts.Candidates, j.opts.Seed)
	if err != nil {
		return nil, err
	}
	run := &Run{Case: cs, Candidates: cands}
	start := time.Now()
	if _, err := w.ranker.LoadEvents(ctx, hostEvents(d, cs.History), host.StoreOptions{}); err != nil {
		return nil, err
	}
	run.LoadEvents = time.Since(start)
	req := host.RankRequest{Query: cs.Target.Query, Options: w.opts}
	for _, i := range cands {
		req.Candidates = append(req.Candidates, d.Items[i])
	}
	times := make([]float64, 6)
	for i := range times {
		start := time.Now()
		reply, err := w.ranker.Rank(ctx, &req)
		if err != nil {
			return nil, err
		}
		times[i] = float64(time.Since(start))
		if i == 0 {
			run.Reply = reply
		}
	}
	run.First, run.Warm = time.Duration(times[0]), time.Duration(timing.Quantile(times[1:], 0.5))
	return run, nil
}

// Summary is the held-out item's rank over many users: by the module with the target's query,
// by the module without it (a feed: browse, no query), and by popularity.
type Summary struct {
	Users         int
	Hits, Ranks   [3]float64 // top-10 share and mean rank: with the query, without, popularity
	SearchTargets bool       // whether any target had a query
	Candidates    int        // per user
}

// Summary ranks the held-out item of each of the first EvalUsers users among its candidates.
func (j *Job) Summary(ctx context.Context, w *Module) (Summary, error) {
	task := j.Spec.Task
	d := task.Dataset
	pop := popularity(task.Train, len(d.Items))
	s := Summary{Candidates: j.opts.Candidates}
	for _, c := range task.Test[:min(j.opts.EvalUsers, len(task.Test))] {
		cands, err := Candidates(d, c, j.opts.Candidates, j.opts.Seed)
		if err != nil {
			return s, err
		}
		if _, err := w.ranker.LoadEvents(ctx, hostEvents(d, c.History), host.StoreOptions{}); err != nil {
			return s, err
		}
		pos := slices.Index(cands, c.Target.Item)
		var ranks [3]int
		for k, search := range []bool{true, false} {
			req := host.RankRequest{Options: w.opts}
			if search {
				req.Query = c.Target.Query
			}
			for _, i := range cands {
				req.Candidates = append(req.Candidates, d.Items[i])
			}
			reply, err := w.ranker.Rank(ctx, &req)
			if err != nil {
				return s, err
			}
			ranks[k] = slices.Index(reply.Order, int32(pos)) + 1
		}
		// By popularity, ties broken by candidate order as the module breaks them.
		ranks[2] = 1
		for i, it := range cands {
			if pop[it] > pop[c.Target.Item] || (pop[it] == pop[c.Target.Item] && i < pos) {
				ranks[2]++
			}
		}
		s.Users++
		s.SearchTargets = s.SearchTargets || c.Target.Kind == data.Search
		for k, rank := range ranks {
			s.Ranks[k] += float64(rank)
			if rank <= 10 {
				s.Hits[k]++
			}
		}
	}
	for k := range s.Hits {
		s.Hits[k] /= float64(max(s.Users, 1))
		s.Ranks[k] /= float64(max(s.Users, 1))
	}
	return s, nil
}

func hostEvents(d *data.Dataset, events []data.Event) []host.Event {
	out := make([]host.Event, len(events))
	for j, e := range events {
		out[j] = host.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: d.Items[e.Item]}
	}
	return out
}
