package convert

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
)

// Mapping says which columns of an events file (and of its item side file) hold what. Column
// names are those of a CSV or TSV header line, or the keys of JSONL objects. Empty names are
// columns the data does not have; the zero Mapping with DefaultColumns applied reads the common
// "user_id,item_id,time" interactions layout.
type Mapping struct {
	User, Item string
	// Time is Unix seconds (integer or decimal), RFC 3339, "2006-01-02 15:04:05" or
	// "2006-01-02"; without a Time column an event's time is its line's position in the file.
	Time  string
	Kind  string // "search" or "browse"; without it, an event with a query is a search
	Query string
	// Text columns are joined with spaces into the item's text; Attrs are categorical fields,
	// each cell split at AttrSep into several values (genres "Action|Comedy").
	Text, Attrs []string
	AttrSep     string
	Dense       []DenseSource
	// Negatives is the column of a test case's fixed candidate list (neg_items): item IDs
	// separated by spaces, commas, '|' or ';' (or a JSON array). The row that has one is its
	// user's last event, the test case.
	Negatives string
}

// DenseSource is one dense vector slot of the items: the numbers of several columns, of one
// column holding a list (a JSON array or separated numbers), or the rows of a .npy file (row r
// is the item whose ID is the integer r).
type DenseSource struct {
	Name    string
	Columns []string
	NPY     string
}

// Column-name aliases DefaultColumns recognises in a header, most common first.
var columnAliases = map[string][]string{
	"user":      {"user_id", "user", "userId", "uid"},
	"item":      {"item_id", "item", "itemId", "iid", "sku"},
	"time":      {"time", "timestamp", "ts", "unix_time"},
	"kind":      {"kind"},
	"query":     {"query"},
	"negatives": {"neg_items", "negatives"},
}

// DefaultColumns fills the empty User, Item, Time, Kind, Query and Negatives names of m with the
// first alias present in columns.
func (m *Mapping) DefaultColumns(columns []string) {
	for _, f := range []struct {
		dst *string
		key string
	}{{&m.User, "user"}, {&m.Item, "item"}, {&m.Time, "time"}, {&m.Kind, "kind"}, {&m.Query, "query"},
		{&m.Negatives, "negatives"}} {
		if *f.dst != "" {
			continue
		}
		for _, a := range columnAliases[f.key] {
			if slices.Contains(columns, a) {
				*f.dst = a
				break
			}
		}
	}
}

// Imported is a dataset read from tables, with the fixed candidate lists some rows carried.
type Imported struct {
	Dataset *data.Dataset
	Tests   []data.FixedList // in the order of the dataset's users
}

// Import reads the events file (and the optional items file, one row per item) with mapping m
// into a validated dataset named name. The format follows the file extension: .csv, .tsv or
// .jsonl (also .ndjson). Errors name the file and line.
func Import(name, events, items string, m Mapping) (*Imported, error) {
	imp := newImporter(name, m)
	if items != "" {
		err := readTable(items, func(r record) error {
			if _, err := imp.addItem(r, true); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		imp.closed = true
	}
	if err := readTable(events, imp.addEvent); err != nil {
		return nil, err
	}
	return imp.finish()
}

// record is one row: the values of each column (one for a CSV cell, several for a JSON array).
type record struct {
	line   int
	fields map[string][]string
	header []string // CSV and TSV: the columns every row has
}

// parseTable reads a table from r in the given format ("csv", "tsv" or "jsonl") and calls fn
// with each row. It works on a reader, apart from the files, so that it can be fuzzed on bytes.
func parseTable(r io.Reader, format string, fn func(record) error) error {
	switch format {
	case "csv", "tsv":
		cr := csv.NewReader(r)
		if format == "tsv" {
			cr.Comma, cr.LazyQuotes = '\t', true
		}
		cr.ReuseRecord = false
		header, err := cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("line 1: no header line")
			}
			return err
		}
		header = slices.Clone(header)
		for i := range header {
			header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
		}
		for {
			cells, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err // csv.ParseError names the line
			}
			line, _ := cr.FieldPos(0)
			rec := record{line: line, fields: make(map[string][]string, len(header)), header: header}
			for i, c := range cells {
				rec.fields[header[i]] = []string{strings.TrimSpace(c)}
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
	case "jsonl":
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for n := 1; sc.Scan(); n++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			rec, err := jsonRecord(b)
			if err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			rec.line = n
			if err := fn(rec); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	return fmt.Errorf("unknown format %q (csv, tsv or jsonl)", format)
}

// jsonRecord turns one JSON object into a record: strings, numbers and booleans are one value,
// arrays of them several, null none.
func jsonRecord(b []byte) (record, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return record{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return record{}, errors.New("more than one JSON value on the line")
	}
	rec := record{fields: make(map[string][]string, len(obj))}
	for k, v := range obj {
		vals, err := jsonValues(v)
		if err != nil {
			return record{}, fmt.Errorf("key %q: %w", k, err)
		}
		rec.fields[k] = vals
	}
	return rec, nil
}

func jsonValues(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := jsonScalar(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := jsonScalar(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func jsonScalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("a nested %T, want a string, number, boolean or array of them", v)
}

// Format is the table format of a file name: csv, tsv or jsonl.
func Format(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".tsv", ".tab":
		return "tsv", nil
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	}
	return "", fmt.Errorf("convert: %s: unknown extension (want .csv, .tsv or .jsonl)", path)
}

// readTable parses the file and wraps every error once with the file's name (and the line, when
// the row's handler failed).
func readTable(path string, fn func(record) error) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	defer f.Close()
	err = parseTable(f, format, func(r record) error {
		if err := fn(r); err != nil {
			return fmt.Errorf("line %d: %w", r.line, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("convert: %s: %w", filepath.Base(path), err)
	}
	return nil
}

// one returns the single value of column col ("" when the column is unmapped or empty).
func (r record) one(col string) (string, error) {
	if col == "" {
		return "", nil
	}
	vs, ok := r.fields[col]
	if !ok && r.header != nil {
		return "", fmt.Errorf("no column %q (columns: %s)", col, strings.Join(r.header, ", "))
	}
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", fmt.Errorf("column %q holds %d values, want one", col, len(vs))
}

// list returns the values of column col: a JSON array's elements, or one cell split at any of
// the separators.
func (r record) list(col, seps string) ([]string, error) {
	if col == "" {
		return nil, nil
	}
	vs, ok := r.fields[col]
	if !ok && r.header != nil {
		return nil, fmt.Errorf("no column %q (columns: %s)", col, strings.Join(r.header, ", "))
	}
	if len(vs) != 1 {
		return vs, nil
	}
	return strings.FieldsFunc(vs[0], func(c rune) bool { return strings.ContainsRune(seps, c) }), nil
}

// listSeps separate the IDs of a candidate list and the numbers of a dense cell.
const listSeps = " ,|;\t[]"

// parseTime reads an event time as Unix seconds.
func parseTime(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e15 && f < 1e15 {
		return int64(f), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, fmt.Errorf("time %q is neither Unix seconds nor a date (RFC 3339, 2006-01-02 15:04:05, 2006-01-02)", s)
}

// errStop ends a parse early once Columns has what it needs.
var errStop = errors.New("stop")

// Columns lists the columns of a table file: its header line (CSV, TSV), or the keys of its
// first object (JSONL), sorted.
func Columns(path string) ([]string, error) {
	var cols []string
	err := readTable(path, func(r record) error {
		if r.header != nil {
			cols = r.header
		} else {
			for k := range r.fields {
				cols = append(cols, k)
			}
			slices.Sort(cols)
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	return cols, nil
}
