// Command wazero is the Go side of web/jsc/run.mjs. With -prepare it writes the rank workload
// that JavaScriptCore, V8 and wazero all time — a random model of the default configuration
// with a 4-bit two-stage codec, L generated events and a request of C candidates, as the
// module's own MessagePack — and otherwise it times the rank call on those bytes through
// package host, printing one JSON line.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/defaults"
	"github.com/seminar-ranker/seminar/host/quantize"
)

// Files of the workload directory.
const (
	modelFile   = "model.seminar"
	eventsFile  = "events.msgpack"  // a bare array of events: the input of load_events
	requestFile = "request.msgpack" // a rank request
)

func main() {
	dir := flag.String("dir", "out/jsc", "workload directory")
	prepare := flag.Bool("prepare", false, "write the workload instead of timing it")
	events := flag.Int("events", 10_000, "history length L (with -prepare)")
	cands := flag.Int("candidates", 100, "candidates C (with -prepare)")
	modules := flag.String("modules", "bin", "directory of seminar.wasm and seminar-scalar.wasm")
	scalar := flag.Bool("scalar", false, "time the scalar module")
	warmup := flag.Int("warmup", 5, "untimed rank calls")
	reps := flag.Int("reps", 20, "timed rank calls")
	flag.Parse()
	var err error
	if *prepare {
		err = write(context.Background(), *dir, *events, *cands)
	} else {
		err = timeRank(context.Background(), *dir, *modules, *scalar, *warmup, *reps)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wazero:", err)
		os.Exit(1)
	}
}

func write(ctx context.Context, dir string, nEvents, nCands int) error {
	const seed, items = 7, 10_000
	m, err := model.New(func() model.Config { c := model.DefaultConfig(); c.Seed = seed; return c }())
	if err != nil {
		return err
	}
	// The codec learns from other users of the same catalogue (users 1 and up of the seed).
	sc := synth.DefaultConfig()
	sc.Seed, sc.Items, sc.Users, sc.MinEvents, sc.MaxEvents = seed, items, 3, 2_000, 2_000
	sc.Interests = min(sc.Interests, items)
	ds, err := synth.Generate(sc)
	if err != nil {
		return err
	}
	codec, err := quantize.Train(ctx, m, quantize.Events(ds, []int{1, 2}, m),
		quantize.Options{Layout: quantize.TwoStage, Bits: 4, Fine: quantize.FineAuto, Seed: seed})
	if err != nil {
		return err
	}
	sec, err := codec.MarshalBinary()
	if err != nil {
		return err
	}
	var file bytes.Buffer
	if err := modelfile.Save(&file, m, map[string][]byte{retrieval.Section: sec}); err != nil {
		return err
	}

	user, err := synth.LongUser(seed, items, nEvents)
	if err != nil {
		return err
	}
	cat := quantize.ModelItems(user, m)
	evs := make([]abi.Event, len(user.Users[0].Events))
	req := abi.RankRequest{Options: abi.RankOptions{Shortlist: defaults.ShortlistFactor * m.Config().TopK}}
	for j, e := range user.Users[0].Events {
		evs[j] = abi.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: cat[e.Item]}
		if e.Query != "" {
			req.Query = e.Query // the latest search, typed again
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0xbe4c))
	for _, i := range rng.Perm(len(cat))[:nCands] {
		req.Candidates = append(req.Candidates, cat[i])
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w := msgp.NewWriter(nil)
	abi.AppendEvents(w, evs)
	rw := msgp.NewWriter(nil)
	abi.AppendRankRequest(rw, &req)
	for name, b := range map[string][]byte{modelFile: file.Bytes(), eventsFile: w.Bytes(), requestFile: rw.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return errors.Join(w.Err(), rw.Err())
}

// result is the line timeRank prints; the JavaScript side prints the same fields.
type result struct {
	Runtime   string    `json:"runtime"`
	SIMD      bool      `json:"simd"`
	CompileMS float64   `json:"compile_ms"`
	RankUS    []float64 `json:"rank_us"`    // the module's own timings.total_us of each timed call
	WallUS    []float64 `json:"wall_us"`    // each timed call as the host saw it
	MemoryMiB float64   `json:"memory_mib"` // the instance's linear memory after ranking
	Order     []int32   `json:"order"`
}

func timeRank(ctx context.Context, dir, modules string, scalar bool, warmup, reps int) error {
	mods, err := defaults.Modules(modules)
	if err != nil {
		return err
	}
	if scalar {
		mods.SIMD = nil
	} else {
		mods.Scalar = nil
	}
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	file, err := read(modelFile)
	if err != nil {
		return err
	}
	evBytes, err := read(eventsFile)
	if err != nil {
		return err
	}
	reqBytes, err := read(requestFile)
	if err != nil {
		return err
	}
	var dec abi.Decoder
	var req abi.RankRequest
	if err := dec.RankRequest(reqBytes, &req); err != nil {
		return fmt.Errorf("%s: %w", requestFile, err)
	}
	in, err := dec.AppendEvents(evBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", eventsFile, err)
	}
	evs := make([]abi.Event, 0, in.Len())
	var ev abi.Event
	if err := in.Each(&ev, func(_ int, ev *abi.Event) error {
		// The decoder reuses the attribute and dense slices from event to event.
		e := *ev
		e.Item.Attrs = slices.Clone(ev.Item.Attrs)
		e.Item.Dense = make([][]float32, len(ev.Item.Dense))
		for k, x := range ev.Item.Dense {
			e.Item.Dense[k] = slices.Clone(x)
		}
		evs = append(evs, e)
		return nil
	}); err != nil {
		return fmt.Errorf("%s: %w", eventsFile, err)
	}

	start := time.Now()
	rt, err := host.NewRuntime(ctx, mods, host.Options{})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	res := result{Runtime: "wazero", SIMD: rt.Features().SIMD(), CompileMS: float64(time.Since(start).Microseconds()) / 1e3}
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		return err
	}
	r := host.NewRanker(inst)
	if _, err := r.LoadModel(ctx, file); err != nil {
		return err
	}
	if _, err := r.LoadEvents(ctx, evs, abi.StoreOptions{}); err != nil {
		return err
	}
	for i := range warmup + reps {
		t := time.Now()
		reply, err := r.Rank(ctx, &req)
		if err != nil {
			return err
		}
		if i >= warmup {
			res.WallUS = append(res.WallUS, float64(time.Since(t).Nanoseconds())/1e3)
			res.RankUS = append(res.RankUS, reply.Timings.Total)
		}
		res.Order = reply.Order
	}
	res.MemoryMiB = float64(inst.MemorySize()) / (1 << 20)
	return json.NewEncoder(os.Stdout).Encode(res)
}
