package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/abi/abijson"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/session"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
)

type rankFlags struct {
	model, history, dataset, user, candidates string
	query, refine, esu                        string
	k, shortlist, bits                        int
	weights                                   map[string]string
	exact, perHead, asJSON, native, empty     bool
}

func newRankCmd() *cobra.Command {
	var f rankFlags
	cmd := &cobra.Command{
		Use:   "rank",
		Short: "Rank candidate items for one user's history",
		Long: "Rank candidate items for one user's history with a model file, through the WebAssembly " +
			"scoring module run by wazero (the module embedded in package host/module), or with --native " +
			"through core directly; both check the input alike.\n\n" +
			"The history is a JSON or MessagePack file in the form of load_events (docs/abi.md: an " +
			"array of events {t, k, q, item}, or an object {events, exact, int8, skip_fine}), or a user " +
			"of a dataset file (--dataset and --user). Candidates are a JSON or MessagePack array of " +
			"items {id, text, attrs, dense}. Unknown keys are errors.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRank(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model file (required)")
	fl.StringVar(&f.history, "history", "", "events file, JSON or MessagePack")
	fl.StringVar(&f.dataset, "dataset", "", "dataset file whose --user's events are the history")
	fl.StringVar(&f.user, "user", "", "user id in --dataset")
	fl.StringVar(&f.candidates, "candidates", "", "candidate items file, JSON or MessagePack (required)")
	fl.StringVar(&f.query, "query", "", "the current query (none: rank for a feed)")
	fl.IntVar(&f.k, "k", 0, "events retrieved per candidate (0: the model's top K)")
	fl.IntVar(&f.shortlist, "shortlist", 0, "events the 4-bit scan passes to the refine step (0: the default)")
	fl.IntVar(&f.bits, "bits", 0, "code width to search: 4 or 8, which must be the codec's (0: the codec's)")
	fl.BoolVar(&f.exact, "exact", false, "search the events' float32 vectors instead of their codes")
	fl.BoolVar(&f.perHead, "per-head", false, "retrieve per attention head instead of with merged heads")
	fl.StringVar(&f.refine, "refine", "codes", "where the refine step reads vectors: codes, int8 or coarse")
	fl.StringVar(&f.esu, "esu", "codes", "where the ESU reads vectors: codes, int8 or coarse")
	fl.StringToStringVar(&f.weights, "weight", nil, "part weights for retrieval, e.g. query=2,dense=0 (parts: query, id, text, attrs, dense)")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON instead of a table")
	fl.BoolVar(&f.native, "native", false, "rank with core directly instead of the wasm module")
	fl.BoolVar(&f.empty, "allow-empty", false, "rank even when the history has no events")
	_ = cmd.MarkFlagRequired("model")
	_ = cmd.MarkFlagRequired("candidates")
	return cmd
}

func runRank(cmd *cobra.Command, f rankFlags) error {
	file, err := os.ReadFile(f.model)
	if err != nil {
		return err
	}
	opts, events, err := readHistory(f)
	if err != nil {
		return err
	}
	if len(events) == 0 && !f.empty {
		return errors.New("the history has no events (a file of another shape?); give --allow-empty to rank without one")
	}
	req, err := rankRequest(f)
	if err != nil {
		return err
	}
	opts.Exact = opts.Exact || f.exact
	var reply abi.RankReply
	if f.native {
		reply, err = rankNative(file, events, opts, &req)
	} else {
		reply, err = rankWasm(cmd.Context(), file, events, opts, &req)
	}
	if err != nil {
		return err
	}
	return printRanking(cmd, f.asJSON, req.Candidates, reply)
}

// rankRequest builds the request from the candidates file and the flags, and checks it as the
// module does.
func rankRequest(f rankFlags) (abi.RankRequest, error) {
	var req abi.RankRequest
	b, err := readMessage(f.candidates)
	if err != nil {
		return req, fmt.Errorf("candidates: %w", err)
	}
	// The candidates file is the request's "candidates" array: decode it as one.
	w := msgp.NewWriter(nil)
	w.WriteMapHeader(1)
	w.WriteString("candidates")
	w.WriteRaw(b)
	if err := (&abi.Decoder{}).RankRequest(w.Bytes(), &req); err != nil {
		return req, fmt.Errorf("%s: %w", f.candidates, err)
	}
	o := abi.RankOptions{K: f.k, Shortlist: f.shortlist, Exact: f.exact}
	if f.bits < 0 || f.bits > 255 {
		return req, fmt.Errorf("--bits %d: want 0, 4 or 8", f.bits)
	}
	o.Bits = abi.Bits(f.bits)
	if f.perHead {
		o.Heads = abi.PerHead
	}
	if o.Refine, err = source("--refine", f.refine); err != nil {
		return req, err
	}
	if o.ESU, err = source("--esu", f.esu); err != nil {
		return req, err
	}
	if len(f.weights) > 0 {
		o.Weights = abi.PartWeights{}
		for p, v := range f.weights {
			w, err := strconv.ParseFloat(v, 32)
			if err != nil {
				return req, fmt.Errorf("--weight %s=%s: %w", p, v, err)
			}
			o.Weights[abi.Part(p)] = float32(w)
		}
	}
	req.Query, req.Options = f.query, o
	if err := req.Validate(); err != nil {
		return req, fmt.Errorf("flags: %w", err)
	}
	return req, nil
}

func source(flag, name string) (abi.Source, error) {
	switch name {
	case "codes":
		return abi.SourceCodes, nil
	case "int8":
		return abi.SourceInt8, nil
	case "coarse":
		return abi.SourceCoarse, nil
	}
	return 0, fmt.Errorf("%s %q: want codes, int8 or coarse", flag, name)
}

// readMessage returns a file's message as MessagePack: a .json file is converted.
func readMessage(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return abijson.ToMsgpack(b)
	}
	return b, nil
}

func readHistory(f rankFlags) (abi.StoreOptions, []abi.Event, error) {
	switch {
	case f.history != "" && f.dataset != "":
		return abi.StoreOptions{}, nil, errors.New("give --history or --dataset, not both")
	case f.dataset != "":
		events, err := datasetHistory(f.dataset, f.user)
		return abi.StoreOptions{}, events, err
	case f.history == "":
		return abi.StoreOptions{}, nil, errors.New("give --history, or --dataset and --user")
	}
	b, err := readMessage(f.history)
	if err != nil {
		return abi.StoreOptions{}, nil, fmt.Errorf("history: %w", err)
	}
	opts, evs, err := (&abi.Decoder{}).LoadEvents(b)
	if err != nil {
		return opts, nil, fmt.Errorf("%s: %w", f.history, err)
	}
	events := make([]abi.Event, 0, evs.Len())
	var ev abi.Event
	err = evs.Each(&ev, func(_ int, ev *abi.Event) error {
		// The decoder reuses ev's slices: keep a copy.
		events = append(events, abi.Event{Time: ev.Time, Kind: ev.Kind, Query: ev.Query, Item: cloneItem(&ev.Item)})
		return nil
	})
	if err != nil {
		return opts, nil, fmt.Errorf("%s: %w", f.history, err)
	}
	return opts, events, nil
}

func cloneItem(it *abi.Item) abi.Item {
	out := abi.Item{ID: it.ID, Text: it.Text}
	if len(it.Attrs) > 0 {
		out.Attrs = append([]abi.Attr(nil), it.Attrs...)
	}
	for _, x := range it.Dense {
		if x != nil {
			x = append([]float32(nil), x...)
		}
		out.Dense = append(out.Dense, x)
	}
	return out
}

func datasetHistory(path, user string) ([]abi.Event, error) {
	ds, err := datafile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, u := range ds.Users {
		if u.ID != user {
			continue
		}
		events := make([]abi.Event, len(u.Events))
		for j, e := range u.Events {
			events[j] = abi.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: ds.Items[e.Item]}
		}
		return events, nil
	}
	return nil, fmt.Errorf("dataset %s has no user %q", path, user)
}

// rankWasm ranks through the embedded module, compiled once into the user's cache directory.
// The host splits a history larger than one call carries.
func rankWasm(ctx context.Context, file []byte, events []abi.Event, opts abi.StoreOptions, req *abi.RankRequest) (abi.RankReply, error) {
	mods, err := module.Modules()
	if err != nil {
		return abi.RankReply{}, err
	}
	var ho host.Options
	if dir, err := os.UserCacheDir(); err == nil {
		ho.CacheDir = filepath.Join(dir, "seminar", "wazero")
	}
	rt, err := host.NewRuntime(ctx, mods, ho)
	if err != nil {
		return abi.RankReply{}, err
	}
	defer rt.Close(ctx)
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		return abi.RankReply{}, err
	}
	r := host.NewRanker(inst)
	if _, err := r.LoadModel(ctx, file); err != nil {
		return abi.RankReply{}, err
	}
	if _, err := r.LoadEvents(ctx, events, opts); err != nil {
		return abi.RankReply{}, err
	}
	return r.Rank(ctx, req)
}

// rankNative ranks with a core session, the module's own code run natively.
func rankNative(file []byte, events []abi.Event, opts abi.StoreOptions, req *abi.RankRequest) (abi.RankReply, error) {
	var s session.Session
	var reply abi.RankReply
	if _, err := s.LoadModel(file); err != nil {
		return reply, fmt.Errorf("load_model: %w", err)
	}
	if _, err := s.LoadEvents(opts, session.Slice(events)); err != nil {
		return reply, fmt.Errorf("load_events: %w", err)
	}
	if err := s.Rank(req, &reply); err != nil {
		return reply, fmt.Errorf("rank: %w", err)
	}
	return reply, nil
}

func printRanking(cmd *cobra.Command, asJSON bool, cands []abi.Item, reply abi.RankReply) error {
	type row struct {
		Rank  int     `json:"rank"`
		Index int32   `json:"index"`
		ID    string  `json:"id"`
		Score float32 `json:"score"`
		Text  string  `json:"text,omitempty"`
	}
	rows := make([]row, len(reply.Order))
	for r, i := range reply.Order {
		rows[r] = row{Rank: r + 1, Index: i, ID: cands[i].ID, Score: reply.Scores[i], Text: cands[i].Text}
	}
	retrieval := "exact"
	if !reply.Exact {
		retrieval = strconv.Itoa(int(reply.Bits)) + "-bit"
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Retrieval string      `json:"retrieval"`
			Ranking   []row       `json:"ranking"`
			Timings   abi.Timings `json:"timings_us"`
		}{retrieval, rows, reply.Timings})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tINDEX\tID\tSCORE\tTEXT")
	for _, r := range rows {
		text := r.Text
		if len(text) > 40 {
			text = text[:37] + "..."
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.6f\t%s\n", r.Rank, r.Index, r.ID, r.Score, text)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "%s retrieval, %.0f µs in the ranker\n", retrieval, reply.Timings.Total)
	return err
}
