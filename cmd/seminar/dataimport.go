package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
)

func newDataImportCmd() *cobra.Command {
	var (
		m                   convert.Mapping
		items, out, name    string
		listsOut            string
		dense               []string
		user, item, tm, knd string
	)
	cmd := &cobra.Command{
		Use:   "import EVENTS --out FILE [flags]",
		Short: "Import your own events (CSV, TSV or JSONL) and item side file into a dataset file",
		Long: "Reads an events file, one event per row, and an optional items file, one item per row, into a " +
			"dataset file (format by extension: .csv and .tsv with a header line, .jsonl with one object per line). " +
			"The columns default to the common interactions layout: user_id, item_id, time (also user, item, " +
			"timestamp...), query and kind when present, and neg_items for a test case's fixed candidate list. " +
			"Item text, attributes and dense vectors come from the items file, or from an item's first row in the " +
			"events file. Candidate lists are written to --lists-out, for the --candidate-lists flag of train, eval " +
			"and results. See docs/data.md.",
		Example: "  seminar data import events.csv --out shop.sds\n" +
			"  seminar data import clicks.jsonl --items products.csv --text title,description --attr category,brand \\\n" +
			"      --dense image=image_feat.npy --out shop.sds",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.User, m.Item, m.Time, m.Kind = user, item, tm, knd
			for _, s := range dense {
				src, err := parseDense(s)
				if err != nil {
					return err
				}
				m.Dense = append(m.Dense, src)
			}
			if err := defaultColumns(&m, args[0]); err != nil {
				return err
			}
			if name == "" {
				name = strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
			}
			start := time.Now()
			imp, err := convert.Import(name, args[0], items, m)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "imported %s: %s in %s\n", name, summary(imp.Dataset), time.Since(start).Round(time.Millisecond))
			if err := writeDataset(w, out, imp.Dataset); err != nil {
				return err
			}
			if len(imp.Tests) == 0 {
				return nil
			}
			if listsOut == "" {
				listsOut = strings.TrimSuffix(out, filepath.Ext(out)) + "-test-lists.json"
			}
			b, err := json.MarshalIndent(eval.FixedLists{Dataset: name, Split: "test", Cases: imp.Tests}, "", " ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(listsOut, b, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %d test candidate lists to %s\n", len(imp.Tests), listsOut)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&items, "items", "", "item side file: one row per item (the --item column, text, attributes, dense)")
	fl.StringVar(&out, "out", "", "dataset file to write")
	fl.StringVar(&name, "name", "", "dataset name (default: the base name of --out)")
	fl.StringVar(&user, "user", "", "user column (default: user_id, user, userId or uid)")
	fl.StringVar(&item, "item", "", "item column, in both files (default: item_id, item, itemId, iid or sku)")
	fl.StringVar(&tm, "time", "", "time column: Unix seconds or a date (default: time, timestamp, ts or unix_time; none: file order)")
	fl.StringVar(&knd, "kind", "", "kind column: search or browse (default: kind; none: search when the query is not empty)")
	fl.StringVar(&m.Query, "query", "", "query column (default: query)")
	fl.StringSliceVar(&m.Text, "text", nil, "item text columns, joined with spaces")
	fl.StringSliceVar(&m.Attrs, "attr", nil, "item attribute columns (the column name is the field)")
	fl.StringVar(&m.AttrSep, "attr-sep", "|", "separator of several values in one attribute cell")
	fl.StringSliceVar(&dense, "dense", nil, "dense vector slot: NAME=COL[+COL...] (numbers in columns, or a list in one) or NAME=FILE.npy (row r is the item with ID r)")
	fl.StringVar(&m.Negatives, "negatives", "", "column of a test case's candidate list (default: neg_items or negatives)")
	fl.StringVar(&listsOut, "lists-out", "", "file for the candidate lists (default: <out>-test-lists.json)")
	cmd.MarkFlagRequired("out")
	return cmd
}

// parseDense reads a --dense value.
func parseDense(s string) (convert.DenseSource, error) {
	name, src, ok := strings.Cut(s, "=")
	if !ok || name == "" || src == "" {
		return convert.DenseSource{}, fmt.Errorf("--dense %q: want NAME=COL[+COL...] or NAME=FILE.npy", s)
	}
	if strings.HasSuffix(src, ".npy") {
		return convert.DenseSource{Name: name, NPY: src}, nil
	}
	return convert.DenseSource{Name: name, Columns: strings.Split(src, "+")}, nil
}

// defaultColumns fills the unmapped columns from the events file's header (CSV and TSV) or first
// object (JSONL).
func defaultColumns(m *convert.Mapping, path string) error {
	cols, err := convert.Columns(path)
	if err != nil {
		return err
	}
	m.DefaultColumns(cols)
	if m.User == "" || m.Item == "" {
		return fmt.Errorf("%s: no user or item column among %s: name them with --user and --item", path,
			strings.Join(cols, ", "))
	}
	return nil
}

// dataFlags are the flags that adapt a dataset's comparison: SIM's attribute and the candidate
// lists given with the data.
type dataFlags struct {
	simAttr, lists string
	allowHistory   bool
}

func (f *dataFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.simAttr, "sim-attr", "", "attribute field SIM searches by (default: genre or category when items have one)")
	fl.StringVar(&f.lists, "candidate-lists", "", "test candidate lists given with the data (as written by seminar data import)")
	fl.BoolVar(&f.allowHistory, "allow-history-negatives", false, "accept candidate-list negatives from the user's own history")
}

// apply adapts spec to the flags.
func (f *dataFlags) apply(s *suite.Spec) error {
	if f.simAttr != "" {
		if err := s.SetSIMField(f.simAttr); err != nil {
			return err
		}
	}
	if f.lists == "" {
		if f.allowHistory {
			return errors.New("--allow-history-negatives applies to --candidate-lists")
		}
		return nil
	}
	r, err := os.Open(f.lists)
	if err != nil {
		return err
	}
	defer r.Close()
	fl, err := eval.ReadFixedLists(r)
	if err != nil {
		return fmt.Errorf("%s: %w", f.lists, err)
	}
	if err := s.UseCandidateLists(fl, f.allowHistory); err != nil {
		return fmt.Errorf("%s: %w", f.lists, err)
	}
	return nil
}
