package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
)

// BenchmarkRank times one rank call through wazero at the study's size: L = 10^4 events,
// C = 100 candidates, the default model (d = 64) with the default two-stage codec, for both
// modules and every way of cancelling. Run with a small fixed -benchtime (e.g. 20x).
func BenchmarkRank(b *testing.B) {
	// A context that can be cancelled, as a server's is: CancelAtClock polls it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const events, cands = 10_000, 100
	file, hostEvents, req := rankBenchData(b, events, cands)
	for _, mode := range []struct {
		name string
		opts host.Options
	}{
		{"at-clock", host.Options{Cancellation: host.CancelAtClock}},
		{"anywhere", host.Options{Cancellation: host.CancelAnywhere}},
		{"between-calls", host.Options{Cancellation: host.CancelBetweenCalls}},
	} {
		for _, mm := range []struct {
			name string
			mods host.Modules
		}{{"simd", host.Modules{SIMD: host.BuiltModules().SIMD}}, {"scalar", host.Modules{Scalar: host.BuiltModules().Scalar}}} {
			b.Run(mode.name+"/"+mm.name, func(b *testing.B) {
				mode.opts.CacheDir = host.SharedCacheDir()
				rt, err := host.NewRuntime(ctx, mm.mods, mode.opts)
				require.NoError(b, err)
				defer rt.Close(ctx)
				inst, err := rt.NewInstance(ctx)
				require.NoError(b, err)
				r := host.NewRanker(inst)
				_, err = r.LoadModel(ctx, file)
				require.NoError(b, err)
				_, err = r.LoadEvents(ctx, hostEvents, host.StoreOptions{})
				require.NoError(b, err)
				var inModule float64
				for b.Loop() {
					reply, err := r.Rank(ctx, &req)
					require.NoError(b, err)
					inModule += reply.Timings.Total
				}
				b.ReportMetric(inModule/float64(b.N), "module-µs/op")
			})
		}
	}
}

// rankBenchData returns a model file of the default configuration (with a dense slot) and a 4-bit
// LayoutCompact codec, one synthetic user's events and a search request over cands items.
func rankBenchData(b *testing.B, events, cands int) ([]byte, []host.Event, host.RankRequest) {
	b.Helper()
	ctx := context.Background()
	cfg := model.DefaultConfig()
	cfg.DenseDims = []int{synth.DefaultConfig().DenseDim}
	m, err := model.New(cfg)
	require.NoError(b, err)
	ds, err := synth.LongUser(1, 10_000, events)
	require.NoError(b, err)
	evs := make([]retrieval.Event, events)
	hostEvents := make([]host.Event, events)
	for j, e := range ds.Users[0].Events {
		evs[j] = retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &ds.Items[e.Item]}
		hostEvents[j] = host.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: ds.Items[e.Item]}
	}
	specs, err := retrieval.ParseLayout(retrieval.LayoutTwoStage, cfg.Dim)
	require.NoError(b, err)
	codec, err := retrieval.TrainCodec(ctx, m, evs[:4000], retrieval.TrainOptions{
		Layout: specs, Bits: 4, Fine: retrieval.DefaultFine, KMeans: pq.KMeansOptions{Seed: 1, MaxIter: 10},
	})
	require.NoError(b, err)
	sec, err := codec.MarshalBinary()
	require.NoError(b, err)
	file, err := modelfile.Marshal(m, map[string][]byte{retrieval.Section: sec})
	require.NoError(b, err)
	req := host.RankRequest{Query: evs[events-1].Query, Options: host.RankOptions{K: 100}}
	for i := range cands {
		req.Candidates = append(req.Candidates, ds.Items[(i*7919)%len(ds.Items)])
	}
	return file, hostEvents, req
}

// BenchmarkColdStart times what a process does before its first rank call, with a filled
// compilation cache: NewRuntime (reading the compiled module from the cache, validating it,
// starting the instance that checks it), NewInstance and LoadModel of the default model. Run
// with a small fixed -benchtime (e.g. 10x).
func BenchmarkColdStart(b *testing.B) {
	ctx := context.Background()
	file, _, _ := rankBenchData(b, 4000, 1)
	mods := host.Modules{SIMD: host.BuiltModules().SIMD}
	opts := host.Options{CacheDir: b.TempDir()}
	rt, err := host.NewRuntime(ctx, mods, opts)
	require.NoError(b, err)
	require.NoError(b, rt.Close(ctx))
	var compile, instantiate, load time.Duration
	for b.Loop() {
		t0 := time.Now()
		rt, err := host.NewRuntime(ctx, mods, opts)
		require.NoError(b, err)
		t1 := time.Now()
		inst, err := rt.NewInstance(ctx)
		require.NoError(b, err)
		t2 := time.Now()
		_, err = host.NewRanker(inst).LoadModel(ctx, file)
		require.NoError(b, err)
		t3 := time.Now()
		require.NoError(b, rt.Close(ctx))
		compile, instantiate, load = compile+t1.Sub(t0), instantiate+t2.Sub(t1), load+t3.Sub(t2)
	}
	for _, m := range []struct {
		name string
		d    time.Duration
	}{{"compile", compile}, {"instantiate", instantiate}, {"load", load}} {
		b.ReportMetric(float64(m.d.Microseconds())/1e3/float64(b.N), m.name+"-ms/op")
	}
	b.ReportMetric(float64(len(file)), "file-bytes")
}
