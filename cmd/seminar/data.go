package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/datafile"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/host/report"
	"github.com/spf13/cobra"
)

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Describe, import, convert and generate datasets",
		Long: "Datasets are stored in the project's dataset file format (MessagePack, gzip-compressed; see " +
			"package core/data/datafile). \"data import\" reads your own CSV, TSV or JSONL events; sources are the public datasets under ../shared/data: " +
			strings.Join(sourceNames(), ", ") + ".",
	}
	cmd.AddCommand(newDataStatsCmd(), newDataConvertCmd(), newDataImportCmd(), newDataGenerateCmd())
	return cmd
}

func sourceNames() []string {
	var names []string
	for _, s := range convert.Sources() {
		names = append(names, s.Name)
	}
	return names
}

// sourceFlags are the flags that name a public dataset to convert.
type sourceFlags struct {
	source string
	in     string
}

func (f *sourceFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.source, "source", "", "public dataset to convert: "+strings.Join(sourceNames(), ", "))
	cmd.Flags().StringVar(&f.in, "in", "", "folder of the source's files (default: ../shared/data/<folder> beside the repository root)")
}

// convert converts the named source and reports how long it took.
func (f *sourceFlags) convert() (*data.Dataset, time.Duration, error) {
	src, err := convert.Lookup(f.source)
	if err != nil {
		return nil, 0, err
	}
	dir := f.in
	if dir == "" {
		if dir, err = src.DefaultDir(); err != nil {
			return nil, 0, fmt.Errorf("%w\nhint: pass --in DIR", err)
		}
	}
	start := time.Now()
	d, err := src.Convert(dir)
	return d, time.Since(start), err
}

func newDataStatsCmd() *cobra.Command {
	var src sourceFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [FILE | SOURCE]",
		Short: "Print a dataset's size, event kinds, modality coverage and sequence lengths",
		Long: "Describes a dataset file, or a public dataset (" + strings.Join(sourceNames(), ", ") + ") converted " +
			"on the fly, named as the argument or with --source, and read from --in or its default folder. " +
			"An argument that names an existing file is read as a dataset file.",
		Example: "  seminar data stats ml-100k.sds\n  seminar data stats ml-100k\n  seminar data stats --source tiktok --in /data/tiktok --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if src.source != "" {
					return errors.New("give either an argument or --source, not both")
				}
				_, statErr := os.Stat(args[0])
				isSource := slices.Contains(sourceNames(), args[0])
				if statErr != nil && !isSource {
					return fmt.Errorf("%q is neither a dataset file (%w) nor a source (%s)",
						args[0], statErr, strings.Join(sourceNames(), ", "))
				}
				if statErr == nil {
					if src.in != "" {
						return errors.New("--in applies to a source, not to a dataset file")
					}
					d, err := datafile.ReadFile(args[0])
					if err != nil {
						return err
					}
					return writeStats(cmd.OutOrStdout(), d, asJSON)
				}
				src.source = args[0]
			}
			if src.source == "" {
				return errors.New("give a dataset file or a source (" + strings.Join(sourceNames(), ", ") + ")")
			}
			d, _, err := src.convert()
			if err != nil {
				return err
			}
			return writeStats(cmd.OutOrStdout(), d, asJSON)
		},
	}
	src.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the statistics as JSON")
	return cmd
}

func writeStats(w io.Writer, d *data.Dataset, asJSON bool) error {
	s := data.Describe(d)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return printStats(w, s)
}

func printStats(w io.Writer, s data.Stats) error {
	var b strings.Builder
	rows := [][]string{
		{"dataset", s.Name},
		{"users", strconv.Itoa(s.Users)},
		{"items", strconv.Itoa(s.Items)},
		{"events", strconv.Itoa(s.Events)},
		{"  search", strconv.Itoa(s.Search), percent(s.Search, s.Events)},
		{"  browse", strconv.Itoa(s.Browse), percent(s.Browse, s.Events)},
	}
	report.WriteTable(&b, rows)
	if s.Note != "" {
		b.WriteString("\n")
		for _, line := range wrap(s.Note, 96) {
			b.WriteString("  " + line + "\n")
		}
	}

	rows = [][]string{{"modality", "items", "coverage"}}
	for _, c := range s.Coverage {
		rows = append(rows, []string{c.Modality, strconv.Itoa(c.Items), strconv.FormatFloat(100*c.Fraction, 'f', 1, 64) + "%"})
	}
	b.WriteString("\n")
	report.WriteTable(&b, rows)

	l := s.Length
	b.WriteString("\n")
	report.WriteTable(&b, [][]string{
		{"events per user", "min", "p50", "p90", "p99", "max", "mean"},
		{"", strconv.Itoa(l.Min), strconv.Itoa(l.P50), strconv.Itoa(l.P90), strconv.Itoa(l.P99), strconv.Itoa(l.Max),
			strconv.FormatFloat(l.Mean, 'f', 1, 64)},
	})
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap splits text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 1, 64) + "%"
}

func newDataConvertCmd() *cobra.Command {
	var src sourceFlags
	var out string
	cmd := &cobra.Command{
		Use:     "convert --source NAME [--in DIR] --out FILE",
		Short:   "Convert a public dataset into a dataset file",
		Example: "  seminar data convert --source ml-100k --out ml-100k.sds",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, took, err := src.convert()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "converted %s: %s in %s\n", src.source, summary(d), took.Round(time.Millisecond))
			return writeDataset(w, out, d)
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "dataset file to write")
	cmd.MarkFlagRequired("source")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newDataGenerateCmd() *cobra.Command {
	c := synth.DefaultConfig()
	var out string
	cmd := &cobra.Command{
		Use:   "generate --out FILE [flags]",
		Short: "Generate synthetic users with planted interests into a dataset file",
		Long: "Generates a deterministic dataset: the same flags give the same file on every machine. " +
			"Sequence lengths are log-uniform between --min-events and --max-events.",
		Example: "  seminar data generate --users 10 --min-events 100000 --max-events 100000 --out long.sds",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			d, err := synth.Generate(c)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "generated %s in %s\n", summary(d), time.Since(start).Round(time.Millisecond))
			return writeDataset(w, out, d)
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
	f.IntVar(&c.Users, "users", c.Users, "users")
	f.IntVar(&c.Items, "items", c.Items, "items in the catalogue")
	f.IntVar(&c.MinEvents, "min-events", c.MinEvents, "fewest events of a user")
	f.IntVar(&c.MaxEvents, "max-events", c.MaxEvents, "most events of a user")
	f.IntVar(&c.Interests, "interests", c.Interests, "latent interest clusters of the catalogue")
	f.IntVar(&c.UserInterests, "user-interests", c.UserInterests, "interests planted in each user")
	f.Float64Var(&c.Focus, "focus", c.Focus, "probability that an event comes from the user's interests")
	f.Float64Var(&c.Drift, "drift", c.Drift, "probability per event that one of the user's interests changes")
	f.Float64Var(&c.SearchFraction, "search-fraction", c.SearchFraction, "probability that an event is a search")
	f.IntVar(&c.DenseDim, "dense-dim", c.DenseDim, "width of the items' dense vectors (0: none)")
	f.IntVar(&c.Vocabulary, "vocabulary", c.Vocabulary, "words per interest cluster")
	f.IntVar(&c.Brands, "brands", c.Brands, "brands in the catalogue")
	f.IntVar(&c.PriceBuckets, "price-buckets", c.PriceBuckets, "price levels")
	f.Int64Var(&c.StartTime, "start-time", c.StartTime, "Unix seconds near which sequences start")
	f.StringVar(&out, "out", "", "dataset file to write")
	cmd.MarkFlagRequired("out")
	return cmd
}

func summary(d *data.Dataset) string {
	events := 0
	for _, u := range d.Users {
		events += len(u.Events)
	}
	return fmt.Sprintf("%d users, %d items, %d events", len(d.Users), len(d.Items), events)
}

func writeDataset(w io.Writer, path string, d *data.Dataset) error {
	start := time.Now()
	if err := datafile.WriteFile(path, d); err != nil {
		return err
	}
	took := time.Since(start)
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%s) in %s\n", path, report.ByteSize(info.Size()), took.Round(time.Millisecond))
	return nil
}
