package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host/quantize"
	"github.com/seminar-ranker/seminar/host/report"
	"github.com/spf13/cobra"
)

// codecFlags register the options of the codec to train.
func codecFlags(cmd *cobra.Command, o *quantize.Options) {
	fl := cmd.Flags()
	fl.StringVar(&o.Layout, "layout", quantize.TwoStage, "groups of parts that get a (coarse) codebook each: two-stage, compact, "+
		"query-item, parts, or a list such as 'query+id+text+attrs+dense:64,query:4' (group[:sub-spaces],...)")
	fl.IntVar(&o.Subspaces, "subspaces", 0, "sub-spaces (codes per event) of groups the layout gives no count; 0: the model's width")
	fl.IntVar(&o.Bits, "bits", 4, "code width: 4 (fast scan) or 8 (ADC)")
	fl.IntVar(&o.Fine, "fine", quantize.FineAuto, "sub-spaces of the 8-bit fine codebook of the residual that the refine step and the ESU "+
		"read (4-bit codes only); 0: none; -1: d/4 with the two-stage layout, none otherwise")
	fl.IntVar(&o.MaxEvents, "max-events", 200_000, "train on at most this many events, taken evenly over the dataset")
	fl.Uint64Var(&o.Seed, "seed", 1, "k-means seed")
}

func newQuantizeCmd() *cobra.Command {
	var src sourceFlags
	var codec quantize.Options
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
			m, extras, err := quantize.ReadModel(in)
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
			c, err := quantize.Train(cmd.Context(), m, quantize.Events(d, nil, m), codec)
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
			fmt.Fprintf(w, "wrote %s (%s, section %q)\n", out, report.ByteSize(int64(buf.Len())), section)
			return nil
		},
	}
	src.register(cmd)
	codecFlags(cmd, &codec)
	f := cmd.Flags()
	f.StringVar(&in, "model", "", "model file to read")
	f.StringVar(&out, "out", "", "model file to write (may be the same as --model)")
	f.StringVar(&dataPath, "data", "", "dataset file whose events train the codebooks")
	f.StringVar(&section, "section", retrieval.Section, "extra section to write the codebooks to")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("out")
	return cmd
}
