package host_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
)

// A device-side or one-user program: load a model, keep the user's history up to date, rank.
func ExampleRanker() {
	ctx := context.Background()
	mods, err := module.Modules() // the modules built into the binary
	if err != nil {
		log.Fatal(err)
	}
	rt, err := host.NewRuntime(ctx, mods, host.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		log.Fatal(err)
	}
	r := host.NewRanker(inst)

	// The parity fixture's small random model: its order means nothing, the calls do.
	model, err := os.ReadFile("../testdata/parity/model-4bit.seminar")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := r.LoadModel(ctx, model); err != nil {
		log.Fatal(err)
	}
	// The history starts empty: append what the user does, as it happens.
	n, err := r.AppendEvents(ctx, []host.Event{
		{Time: 1700000000, Item: host.Item{ID: "i3", Attrs: []host.Attr{{Field: "category", Value: "c14"}}}},
		{Time: 1700000060, Kind: 1, Query: "red shoe", Item: host.Item{ID: "i7", Text: "red running shoe"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	reply, err := r.Rank(ctx, &host.RankRequest{
		Query:      "red shoe",
		Candidates: []host.Item{{ID: "i1", Text: "blue hat"}, {ID: "i7", Text: "red running shoe"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "events; best first:", reply.Order)
	// Output: 2 events; best first: [0 1]
}

// A server: a pool of instances that each hold the model, and each call brings the user's
// history (here the events; a device would send its store bytes, Ranker.StoreBytes).
func ExamplePool() {
	ctx := context.Background()
	mods, err := module.Modules()
	if err != nil {
		log.Fatal(err)
	}
	rt, err := host.NewRuntime(ctx, mods, host.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	// The parity fixture's small random model: its order means nothing, the calls do.
	model, err := os.ReadFile("../testdata/parity/model-4bit.seminar")
	if err != nil {
		log.Fatal(err)
	}
	pool, err := host.NewPool(rt, host.PoolOptions{Size: 2, Setup: host.ModelSetup(model)})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close(ctx)

	history := host.History{Events: []host.Event{
		{Time: 1700000060, Kind: 1, Query: "red shoe", Item: host.Item{ID: "i7", Text: "red running shoe"}},
	}}
	reply, err := pool.Rank(ctx, history, &host.RankRequest{
		Query:      "red shoe",
		Candidates: []host.Item{{ID: "i1", Text: "blue hat"}, {ID: "i7", Text: "red running shoe"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("best first:", reply.Order)
	// Output: best first: [0 1]
}
