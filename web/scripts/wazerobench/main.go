// Command wazerobench is the wazero side of web/scripts/bench.mjs: it ranks the same request over
// the same generated histories as the browser does, through package host, so that the two
// runtimes are timed in one run. It prints one JSON line when ready, then, for each history
// length L read from stdin, one line of reps warm rank timings in microseconds.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
)

func main() {
	model := flag.String("model", "", "model file")
	modules := flag.String("modules", "bin", "folder of seminar.wasm")
	dir := flag.String("dir", "out/web-bench", "folder of events-L.msgpack and request.msgpack")
	reps := flag.Int("reps", 30, "timed calls per round")
	flag.Parse()
	if err := run(*model, *modules, *dir, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "wazerobench:", err)
		os.Exit(1)
	}
}

func run(modelPath, modules, dir string, reps int) error {
	ctx := context.Background()
	simd, err := os.ReadFile(filepath.Join(modules, "seminar.wasm"))
	if err != nil {
		return err
	}
	file, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	var req abi.RankRequest
	if err := readMsgpack(filepath.Join(dir, "request.msgpack"), &req); err != nil {
		return err
	}
	rt, err := host.NewRuntime(ctx, host.Modules{SIMD: simd}, host.Options{})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	rankers := map[int]*host.Ranker{}
	var info abi.ModelInfo
	for _, name := range []string{"10000", "100000"} {
		var events []abi.Event
		if err := readMsgpack(filepath.Join(dir, "events-"+name+".msgpack"), &events); err != nil {
			return err
		}
		inst, err := rt.NewInstance(ctx)
		if err != nil {
			return err
		}
		r := host.NewRanker(inst)
		if info, err = r.LoadModel(ctx, file); err != nil {
			return err
		}
		if _, err := r.LoadEvents(ctx, events, abi.StoreOptions{}); err != nil {
			return err
		}
		rankers[len(events)] = r
	}
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(map[string]any{"info": info, "wazero": "v1.12.0", "simd": rt.Features().SIMD()}); err != nil {
		return err
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		l, err := strconv.Atoi(in.Text())
		if err != nil || rankers[l] == nil {
			return fmt.Errorf("no history of length %q", in.Text())
		}
		inside, wall := make([]float64, 0, reps), make([]float64, 0, reps)
		var order []int32
		for i := range reps + 1 {
			t := time.Now()
			reply, err := rankers[l].Rank(ctx, &req)
			if err != nil {
				return err
			}
			order = reply.Order
			if i >= 1 {
				wall = append(wall, float64(time.Since(t).Nanoseconds())/1e3)
				inside = append(inside, reply.Timings.Total)
			}
		}
		if err := out.Encode(map[string]any{"inside": inside, "wall": wall, "order": order}); err != nil {
			return err
		}
	}
	return in.Err()
}

func readMsgpack(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return msgpack.Unmarshal(b, v)
}
