package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/spf13/cobra"
)

// layoutPresets are the codec layouts the CLI knows by name; see package retrieval. The
// two-stage preset is retrieval.LayoutTwoStage at any width: LayoutCompact's groups with d/2
// sub-spaces for s, and a fine codebook of d/4 sub-spaces (retrieval.DefaultFine at d = 64).
var layoutPresets = map[string]string{
	"two-stage":  retrieval.LayoutCompact,
	"compact":    retrieval.LayoutCompact,
	"query-item": retrieval.LayoutQueryItem,
	"parts":      retrieval.LayoutParts,
}

// codecFlags choose the codec to train.
type codecFlags struct {
	layout    string
	subspaces int
	bits      int
	fine      int
	maxEvents int
	seed      uint64
}

func (f *codecFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.layout, "layout", "two-stage", "groups of parts that get a (coarse) codebook each: two-stage, compact, "+
		"query-item, parts, or a list such as 'query+id+text+attrs+dense:64,query:4' (group[:sub-spaces],...)")
	fl.IntVar(&f.subspaces, "subspaces", 0, "sub-spaces (codes per event) of groups the layout gives no count; 0: the model's width")
	fl.IntVar(&f.bits, "bits", 4, "code width: 4 (fast scan) or 8 (ADC)")
	fl.IntVar(&f.fine, "fine", -1, "sub-spaces of the 8-bit fine codebook of the residual that the refine step and the ESU "+
		"read (4-bit codes only); 0: none; -1: d/4 with the two-stage layout, none otherwise")
	fl.IntVar(&f.maxEvents, "max-events", 200_000, "train on at most this many events, taken evenly over the dataset")
	fl.Uint64Var(&f.seed, "seed", 1, "k-means seed")
}

// train trains a codec for m on events (thinned to f.maxEvents).
func (f *codecFlags) train(ctx context.Context, m *model.Model, events []retrieval.Event) (*retrieval.Codec, error) {
	specs, err := f.specs(m)
	if err != nil {
		return nil, err
	}
	if f.maxEvents > 0 && len(events) > f.maxEvents {
		thinned := make([]retrieval.Event, f.maxEvents)
		for i := range thinned {
			thinned[i] = events[i*len(events)/f.maxEvents]
		}
		events = thinned
	}
	fine := f.fine
	if fine < 0 {
		fine = 0
		if f.layout == "two-stage" && f.bits == 4 {
			fine = m.Dim() / 4
		}
	}
	return retrieval.TrainCodec(ctx, m, events, retrieval.TrainOptions{
		Layout: specs, Bits: f.bits, Fine: fine, KMeans: pq.KMeansOptions{Seed: f.seed},
	})
}

// specs resolves the layout flag for m: a model without dense slots leaves the dense part out
// of the presets, since it is always zero.
func (f *codecFlags) specs(m *model.Model) ([]retrieval.GroupSpec, error) {
	layout, preset := layoutPresets[f.layout]
	if !preset {
		layout = f.layout
	}
	if preset && len(m.Config().DenseDims) == 0 {
		layout = withoutDense(layout)
	}
	sub := f.subspaces
	switch {
	case sub == 0 && f.layout == "two-stage":
		sub = m.Dim() / 2
	case sub == 0:
		sub = m.Dim()
	}
	return retrieval.ParseLayout(layout, sub)
}

// withoutDense drops the dense part from a layout's groups, and groups left empty.
func withoutDense(layout string) string {
	var groups []string
	for g := range strings.SplitSeq(layout, ",") {
		name, count, hasCount := strings.Cut(g, ":")
		var parts []string
		for p := range strings.SplitSeq(name, "+") {
			if p != model.PartDense.String() {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			continue
		}
		g = strings.Join(parts, "+")
		if hasCount {
			g += ":" + count
		}
		groups = append(groups, g)
	}
	return strings.Join(groups, ",")
}

// datasetEvents lists the events of users (indices into d.Users, all when nil) as retrieval
// events, dropping dense vectors of slots the model lacks.
func datasetEvents(d *data.Dataset, users []int, m *model.Model) []retrieval.Event {
	items := modelItems(d, m)
	var evs []retrieval.Event
	add := func(u data.User) {
		for _, e := range u.Events {
			evs = append(evs, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &items[e.Item]})
		}
	}
	if users == nil {
		for _, u := range d.Users {
			add(u)
		}
	}
	for _, u := range users {
		add(d.Users[u])
	}
	return evs
}

// modelItems returns d's items as m can encode them: dense slots beyond the model's dropped.
func modelItems(d *data.Dataset, m *model.Model) []data.Item {
	slots := len(m.Config().DenseDims)
	items := make([]data.Item, len(d.Items))
	for i, it := range d.Items {
		if len(it.Dense) > slots {
			it.Dense = it.Dense[:slots]
		}
		items[i] = it
	}
	return items
}

// readModel loads a model file and its extra sections.
func readModel(path string) (*model.Model, map[string][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, extras, err := modelfile.Load(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, extras, nil
}

func newQuantizeCmd() *cobra.Command {
	var src sourceFlags
	var codec codecFlags
	var in, out, dataPath, section string
	cmd := &cobra.Command{
		Use:   "quantize --model FILE --out FILE (--data FILE | --source NAME) [flags]",
		Short: "Train product-quantization codebooks and add them to a model file",
		Long: "Trains the codebooks of the approximate retrieval (package core/retrieval) on the events of a " +
			"dataset, encoded by the model, and writes the model file again with the codebooks in its extra " +
			"section \"" + retrieval.Section + "\" (replacing any there).",
		Example: "  seminar quantize --model model.smod --source ml-100k --out model-pq.smod\n" +
			"  seminar quantize --model model.smod --data long.sds --layout parts --subspaces 8 --out model-pq.smod",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, extras, err := readModel(in)
			if err != nil {
				return err
			}
			var d *data.Dataset
			switch {
			case dataPath != "" && src.source != "":
				return errors.New("give either --data or --source, not both")
			case dataPath != "":
				d, err = datafile.ReadFile(dataPath)
			case src.source != "":
				d, _, err = src.convert()
			default:
				return errors.New("give the training events with --data FILE or --source NAME")
			}
			if err != nil {
				return err
			}
			start := time.Now()
			c, err := codec.train(cmd.Context(), m, datasetEvents(d, nil, m))
			if err != nil {
				return err
			}
			b, err := c.MarshalBinary()
			if err != nil {
				return err
			}
			extras[section] = b
			var buf bytes.Buffer
			if err := modelfile.Save(&buf, m, extras); err != nil {
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var groups []string
			for _, g := range c.Groups() {
				groups = append(groups, g.String())
			}
			fmt.Fprintf(w, "trained %d-bit codebooks for %s in %s: %d codes per event\n", c.Bits(),
				strings.Join(groups, ", "), time.Since(start).Round(time.Millisecond), c.CodesPerEvent())
			if c.Fine() != nil {
				fmt.Fprintf(w, "and an 8-bit fine codebook of the residual: %d codes per event\n", c.FineBytes())
			}
			fmt.Fprintf(w, "a stored event takes %d bytes (+%d with the int8 copy)\n",
				retrieval.NewStore(c, retrieval.StoreOptions{}).BytesPerEvent(), m.Dim()+4)
			fmt.Fprintf(w, "wrote %s (%s, section %q)\n", out, byteSize(int64(buf.Len())), section)
			return nil
		},
	}
	src.register(cmd)
	codec.register(cmd)
	f := cmd.Flags()
	f.StringVar(&in, "model", "", "model file to read")
	f.StringVar(&out, "out", "", "model file to write (may be the same as --model)")
	f.StringVar(&dataPath, "data", "", "dataset file whose events train the codebooks")
	f.StringVar(&section, "section", retrieval.Section, "extra section to write the codebooks to")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("out")
	return cmd
}
