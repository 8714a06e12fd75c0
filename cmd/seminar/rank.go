package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/module"
)

type rankFlags struct {
	model, history, dataset, user, candidates string
	query, kind                               string
	k, shortlist, bits                        int
	perHead, asJSON, native                   bool
}

func newRankCmd() *cobra.Command {
	var f rankFlags
	cmd := &cobra.Command{
		Use:   "rank",
		Short: "Rank candidate items for one user's history",
		Long: "Rank candidate items for one user's history with a model file, through the WebAssembly " +
			"scoring module run by wazero (the module embedded in package host/module), or with --native " +
			"through core directly.\n\n" +
			"The history is a JSON or MessagePack file of events in the module's schema (docs/abi.md: " +
			"an array of {t, k, q, item}, or an object whose \"events\" key holds one — such as " +
			"testdata/parity/cases.json), or a user of a dataset file (--dataset and --user). Candidates " +
			"are a JSON or MessagePack array of items {id, text, attrs, dense}.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRank(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model file (required)")
	fl.StringVar(&f.history, "history", "", "events file, JSON or MessagePack")
	fl.StringVar(&f.dataset, "dataset", "", "dataset file whose --user's events are the history")
	fl.StringVar(&f.user, "user", "", "user id in --dataset")
	fl.StringVar(&f.candidates, "candidates", "", "candidate items file, JSON or MessagePack (required)")
	fl.StringVar(&f.query, "query", "", "the current query")
	fl.StringVar(&f.kind, "kind", "", "search or browse (default: search with a query, browse without)")
	fl.IntVar(&f.k, "k", 0, "events retrieved per candidate (0: the model's top K)")
	fl.IntVar(&f.shortlist, "shortlist", 0, "events the 4-bit scan passes to the refine step")
	fl.IntVar(&f.bits, "bits", -1, "retrieval: 4 or 8 (the model's codec), 0 exact (default: the codec's, or 0 without one)")
	fl.BoolVar(&f.perHead, "per-head", false, "retrieve per attention head instead of with merged heads")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON instead of a table")
	fl.BoolVar(&f.native, "native", false, "rank with core directly instead of the wasm module")
	_ = cmd.MarkFlagRequired("model")
	_ = cmd.MarkFlagRequired("candidates")
	return cmd
}

func runRank(cmd *cobra.Command, f rankFlags) error {
	file, err := os.ReadFile(f.model)
	if err != nil {
		return err
	}
	events, err := readHistory(f)
	if err != nil {
		return err
	}
	var cands []data.Item
	if err := readJSONOrMsgpack(f.candidates, &cands, func(b []byte) error {
		var items []itemJSON
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, it := range items {
			cands = append(cands, it.item())
		}
		return nil
	}); err != nil {
		return fmt.Errorf("candidates: %w", err)
	}
	req := host.RankRequest{Query: f.query, Kind: data.Browse, Candidates: cands,
		Options: host.RankOptions{K: f.k, Shortlist: f.shortlist, Bits: f.bits}}
	switch f.kind {
	case "":
		if f.query != "" {
			req.Kind = data.Search
		}
	case "search":
		req.Kind = data.Search
	case "browse":
	default:
		return fmt.Errorf("--kind %q: want search or browse", f.kind)
	}
	if f.perHead {
		req.Options.Heads = host.PerHead
	}
	ctx := cmd.Context()
	var reply host.RankReply
	if f.native {
		reply, err = rankNative(file, events, req)
	} else {
		reply, err = rankWasm(ctx, file, events, req)
	}
	if err != nil {
		return err
	}
	return printRanking(cmd, f.asJSON, cands, reply)
}

// itemJSON is an item in the module's schema as JSON: attributes as [field, value].
type itemJSON struct {
	ID    string      `json:"id"`
	Text  string      `json:"text"`
	Attrs [][2]string `json:"attrs"`
	Dense [][]float32 `json:"dense"`
}

func (it itemJSON) item() data.Item {
	out := data.Item{ID: it.ID, Text: it.Text, Dense: it.Dense}
	for _, a := range it.Attrs {
		out.Attrs = append(out.Attrs, data.Attr{Field: a[0], Value: a[1]})
	}
	return out
}

type eventJSON struct {
	T    int64     `json:"t"`
	K    data.Kind `json:"k"`
	Q    string    `json:"q"`
	Item itemJSON  `json:"item"`
}

// readJSONOrMsgpack decodes a .json file with fromJSON and anything else as MessagePack into v.
func readJSONOrMsgpack(path string, v any, fromJSON func([]byte) error) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return fromJSON(b)
	}
	return msgpack.Unmarshal(b, v)
}

func readHistory(f rankFlags) ([]host.Event, error) {
	switch {
	case f.history != "" && f.dataset != "":
		return nil, errors.New("give --history or --dataset, not both")
	case f.dataset != "":
		return datasetHistory(f.dataset, f.user)
	case f.history == "":
		return nil, errors.New("give --history, or --dataset and --user")
	}
	var events []host.Event
	err := readJSONOrMsgpack(f.history, &events, func(b []byte) error {
		var list []eventJSON
		if err := json.Unmarshal(b, &list); err != nil {
			var wrapped struct {
				Events []eventJSON `json:"events"`
			}
			if json.Unmarshal(b, &wrapped) != nil {
				return err
			}
			list = wrapped.Events
		}
		for _, e := range list {
			events = append(events, host.Event{Time: e.T, Kind: e.K, Query: e.Q, Item: e.Item.item()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return events, nil
}

func datasetHistory(path, user string) ([]host.Event, error) {
	ds, err := datafile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, u := range ds.Users {
		if u.ID != user {
			continue
		}
		events := make([]host.Event, len(u.Events))
		for j, e := range u.Events {
			events[j] = host.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: ds.Items[e.Item]}
		}
		return events, nil
	}
	return nil, fmt.Errorf("dataset %s has no user %q", path, user)
}

// rankWasm ranks through the embedded module, compiled once into the user's cache directory.
func rankWasm(ctx context.Context, file []byte, events []host.Event, req host.RankRequest) (host.RankReply, error) {
	mods, err := module.Modules()
	if err != nil {
		return host.RankReply{}, err
	}
	var opts host.Options
	if dir, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(dir, "seminar", "wazero")
	}
	rt, err := host.NewRuntime(ctx, mods, opts)
	if err != nil {
		return host.RankReply{}, err
	}
	defer rt.Close(ctx)
	inst, err := rt.NewInstance(ctx)
	if err != nil {
		return host.RankReply{}, err
	}
	r := host.NewRanker(inst)
	info, err := r.LoadModel(ctx, file)
	if err != nil {
		return host.RankReply{}, err
	}
	if req.Options.Bits < 0 {
		req.Options.Bits = info.Bits
	}
	if _, err := r.LoadEvents(ctx, events, host.StoreOptions{Exact: req.Options.Bits == 0}); err != nil {
		return host.RankReply{}, err
	}
	return r.Rank(ctx, req)
}

// rankNative ranks with core as the module does.
func rankNative(file []byte, events []host.Event, req host.RankRequest) (host.RankReply, error) {
	m, extras, err := modelfile.Load(file)
	if err != nil {
		return host.RankReply{}, err
	}
	h := m.NewHistory(len(events))
	enc := model.NewEncoder(m)
	for j := range events {
		e := &events[j]
		if err := enc.AppendEvent(h, e.Query, e.Kind, &e.Item); err != nil {
			return host.RankReply{}, fmt.Errorf("event %d: %w", j, err)
		}
	}
	cands := make([]retrieval.Candidate, len(req.Candidates))
	for i := range cands {
		cands[i] = retrieval.Candidate{Query: req.Query, Kind: req.Kind, Item: &req.Candidates[i]}
	}
	sec, ok := extras[retrieval.Section]
	if !ok {
		return rankNativeExact(m, h, req, cands)
	}
	codec, err := retrieval.LoadCodec(m, sec)
	if err != nil {
		return host.RankReply{}, err
	}
	opt := retrieval.Options{K: req.Options.K, Shortlist: req.Options.Shortlist, Heads: retrieval.Heads(req.Options.Heads)}
	r := retrieval.NewRanker(codec)
	bits := req.Options.Bits
	if bits < 0 {
		bits = codec.Bits()
	}
	var res retrieval.Result
	switch bits {
	case 0:
		res, err = r.RankExact(h, cands, opt)
	case codec.Bits():
		store := retrieval.NewStore(codec, retrieval.StoreOptions{})
		for j := range events {
			e := &events[j]
			if err := store.Append(retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &e.Item}); err != nil {
				return host.RankReply{}, fmt.Errorf("event %d: %w", j, err)
			}
		}
		res, err = r.Rank(store, cands, opt)
	default:
		return host.RankReply{}, fmt.Errorf("--bits %d: the model's codec has %d-bit codes", bits, codec.Bits())
	}
	if err != nil {
		return host.RankReply{}, err
	}
	tm := res.Timings
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return host.RankReply{Order: res.Order, Scores: res.Scores, Bits: bits, Timings: host.Timings{
		Total: us(tm.Total()), LUT: us(tm.Targets), Scan: us(tm.Scan), TopK: us(tm.Select), ESU: us(tm.ESU),
	}}, nil
}

// rankNativeExact ranks with the model's own exact scoring, as the module does for a model
// file without a codec.
func rankNativeExact(m *model.Model, h *model.History, req host.RankRequest, cands []retrieval.Candidate) (host.RankReply, error) {
	if req.Options.Bits > 0 {
		return host.RankReply{}, errors.New("the model file has no \"pq\" section: only exact ranking (--bits 0) is available")
	}
	s := model.NewScorer(m)
	reply := host.RankReply{Scores: make([]float32, len(cands))}
	for i, c := range cands {
		score, err := s.Score(h, c.Query, c.Kind, c.Item)
		if err != nil {
			return host.RankReply{}, fmt.Errorf("candidate %d: %w", i, err)
		}
		reply.Scores[i] = score
		reply.Order = append(reply.Order, int32(i))
	}
	sortByScore(reply.Order, reply.Scores)
	return reply, nil
}

// sortByScore orders indices by descending score, ties by lower index.
func sortByScore(order []int32, scores []float32) {
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(scores[b], scores[a]) })
}

func printRanking(cmd *cobra.Command, asJSON bool, cands []data.Item, reply host.RankReply) error {
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
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Bits    int          `json:"bits"`
			Ranking []row        `json:"ranking"`
			Timings host.Timings `json:"timings_us"`
		}{reply.Bits, rows, reply.Timings})
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
	_, err := fmt.Fprintf(out, "bits %d, %.0f µs in the ranker\n", reply.Bits, reply.Timings.Total)
	return err
}
