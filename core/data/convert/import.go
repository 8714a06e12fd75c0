package convert

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
)

// importer accumulates the rows of an Import.
type importer struct {
	m      Mapping
	d      *data.Dataset
	itemIx map[string]int32
	// closed: an items file listed the catalogue, so the events may name no other item.
	closed bool
	userIx map[string]int
	events [][]lined
	tests  map[int]testRow
	rows   int
}

// lined is an event with the line it came from and its position in the file, for ordering
// events of equal time and for errors found after reading.
type lined struct {
	data.Event
	line, row int
}

type testRow struct {
	line      int
	negatives []string
}

func newImporter(name string, m Mapping) *importer {
	if m.AttrSep == "" {
		m.AttrSep = "|"
	}
	d := &data.Dataset{Name: name}
	for _, s := range m.Dense {
		d.DenseNames = append(d.DenseNames, s.Name)
		d.DenseDims = append(d.DenseDims, 0)
	}
	return &importer{m: m, d: d, itemIx: make(map[string]int32), userIx: make(map[string]int), tests: make(map[int]testRow)}
}

// addItem returns the index of the row's item, adding it with the row's modalities when it is
// new. With fromItemsFile a repeated ID is an error; an events file repeats items freely and
// the first row of an item gives its modalities.
func (imp *importer) addItem(r record, fromItemsFile bool) (int32, error) {
	id, err := r.one(imp.m.Item)
	if err != nil {
		return 0, err
	}
	if id == "" {
		return 0, fmt.Errorf("empty item ID (column %q)", imp.m.Item)
	}
	if ix, ok := imp.itemIx[id]; ok {
		if fromItemsFile {
			return 0, fmt.Errorf("item %q listed twice", id)
		}
		return ix, nil
	}
	if imp.closed {
		return 0, fmt.Errorf("item %q is not in the items file", id)
	}
	it := data.Item{ID: id}
	var text []string
	for _, col := range imp.m.Text {
		vs, err := r.list(col, "")
		if err != nil {
			return 0, err
		}
		text = append(text, vs...)
	}
	it.Text = strings.Join(strings.Fields(strings.Join(text, " ")), " ")
	for _, col := range imp.m.Attrs {
		vs, err := r.list(col, imp.m.AttrSep)
		if err != nil {
			return 0, err
		}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				it.Attrs = append(it.Attrs, data.Attr{Field: col, Value: v})
			}
		}
	}
	if len(imp.m.Dense) > 0 {
		it.Dense = make([][]float32, len(imp.m.Dense))
		for k, s := range imp.m.Dense {
			if s.NPY != "" {
				continue // filled from the file by finish
			}
			if it.Dense[k], err = imp.denseCells(r, k, s); err != nil {
				return 0, err
			}
		}
	}
	ix := int32(len(imp.d.Items))
	imp.d.Items = append(imp.d.Items, it)
	imp.itemIx[id] = ix
	return ix, nil
}

// denseCells reads slot k from its columns: nil when they are all empty.
func (imp *importer) denseCells(r record, k int, s DenseSource) ([]float32, error) {
	var vals []string
	for _, col := range s.Columns {
		vs, err := r.list(col, listSeps)
		if err != nil {
			return nil, err
		}
		vals = append(vals, vs...)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	v := make([]float32, len(vals))
	for i, s := range vals {
		f, err := strconv.ParseFloat(s, 32)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("dense %q: value %d %q is not a finite number", imp.d.DenseNames[k], i, s)
		}
		v[i] = float32(f)
	}
	if err := imp.setDim(k, len(v)); err != nil {
		return nil, err
	}
	return v, nil
}

func (imp *importer) setDim(k, n int) error {
	switch dim := &imp.d.DenseDims[k]; {
	case *dim == 0:
		*dim = n
	case *dim != n:
		return fmt.Errorf("dense %q has %d numbers, earlier items %d", imp.d.DenseNames[k], n, *dim)
	}
	return nil
}

func (imp *importer) addEvent(r record) error {
	user, err := r.one(imp.m.User)
	if err != nil {
		return err
	}
	if user == "" {
		return fmt.Errorf("empty user ID (column %q)", imp.m.User)
	}
	item, err := imp.addItem(r, false)
	if err != nil {
		return err
	}
	e := lined{line: r.line, row: imp.rows}
	e.Item = item
	imp.rows++
	if e.Query, err = r.one(imp.m.Query); err != nil {
		return err
	}
	e.Query = strings.Join(strings.Fields(e.Query), " ")
	kind, err := r.one(imp.m.Kind)
	if err != nil {
		return err
	}
	switch strings.ToLower(kind) {
	case "":
		e.Kind = data.Browse
		if e.Query != "" {
			e.Kind = data.Search
		}
	case "search":
		e.Kind = data.Search
	case "browse":
		if e.Query != "" {
			return fmt.Errorf("a browse event with query %q", e.Query)
		}
		e.Kind = data.Browse
	default:
		return fmt.Errorf("kind %q: want search or browse", kind)
	}
	if imp.m.Time == "" {
		e.Time = int64(e.row)
	} else {
		t, err := r.one(imp.m.Time)
		if err != nil {
			return err
		}
		if e.Time, err = parseTime(t); err != nil {
			return err
		}
	}
	u, ok := imp.userIx[user]
	if !ok {
		u = len(imp.d.Users)
		imp.userIx[user] = u
		imp.d.Users = append(imp.d.Users, data.User{ID: user})
		imp.events = append(imp.events, nil)
	}
	imp.events[u] = append(imp.events[u], e)
	negs, err := r.list(imp.m.Negatives, listSeps)
	if err != nil {
		return err
	}
	if len(negs) > 0 {
		if prev, ok := imp.tests[u]; ok {
			return fmt.Errorf("user %q has a second candidate list (the first is on line %d)", user, prev.line)
		}
		imp.tests[u] = testRow{line: r.line, negatives: negs}
	}
	return nil
}

// finish orders every user's events by time (file order among equal times), checks that each
// candidate list sits on its user's last event, fills dense slots from .npy files and validates.
func (imp *importer) finish() (*Imported, error) {
	if len(imp.d.Users) == 0 {
		return nil, errors.New("convert: no events")
	}
	out := &Imported{Dataset: imp.d}
	for u := range imp.d.Users {
		evs := imp.events[u]
		slices.SortStableFunc(evs, func(a, b lined) int { return cmp.Compare(a.Time, b.Time) })
		user := &imp.d.Users[u]
		user.Events = make([]data.Event, len(evs))
		for i, e := range evs {
			user.Events[i] = e.Event
		}
		t, ok := imp.tests[u]
		if !ok {
			continue
		}
		last := evs[len(evs)-1]
		if last.line != t.line {
			return nil, fmt.Errorf("convert: line %d: user %q: the candidate list is not on the user's last event "+
				"(line %d is later)", t.line, user.ID, last.line)
		}
		for _, id := range t.negatives {
			if _, ok := imp.itemIx[id]; !ok {
				return nil, fmt.Errorf("convert: line %d: user %q: candidate %q is not a known item", t.line, user.ID, id)
			}
		}
		out.Tests = append(out.Tests, data.FixedList{User: user.ID, Positive: imp.d.Items[last.Item].ID, Negatives: t.negatives})
	}
	for k, s := range imp.m.Dense {
		if s.NPY == "" {
			continue
		}
		if err := imp.fillNPY(k, s.NPY); err != nil {
			return nil, err
		}
	}
	for k, dim := range imp.d.DenseDims {
		if dim == 0 {
			return nil, fmt.Errorf("convert: dense %q: no item has a vector", imp.d.DenseNames[k])
		}
	}
	if err := imp.d.Validate(); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	return out, nil
}

// fillNPY sets slot k of every item whose ID is an integer row of the .npy file.
func (imp *importer) fillNPY(k int, path string) error {
	a, err := readNPYFile(path)
	if err != nil {
		return err
	}
	if len(a.Shape) != 2 {
		return fmt.Errorf("convert: %s has shape %v, want (items, width)", path, a.Shape)
	}
	if err := imp.setDim(k, a.Cols()); err != nil {
		return fmt.Errorf("convert: %s: %w", path, err)
	}
	for i := range imp.d.Items {
		it := &imp.d.Items[i]
		if row, err := strconv.Atoi(it.ID); err == nil && row >= 0 && row < a.Rows() {
			it.Dense[k] = a.Row(row)
		}
	}
	return nil
}
