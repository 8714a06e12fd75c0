package convert

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
)

// writeFiles writes name → content into a new temporary folder and returns its path.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// f32npy is a little-endian float32 .npy file of two rows of two.
func f32npy(rows [2][2]float32) string {
	var raw bytes.Buffer
	binary.Write(&raw, binary.LittleEndian, rows)
	return string(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", raw.Bytes()))
}

func TestImport(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		events  string
		items   string
		mapping Mapping
		check   func(t *testing.T, imp *Imported)
	}{
		{
			name: "interactions layout with candidate lists",
			files: map[string]string{"e.csv": "user_id,item_id,time,neg_items\n" +
				"u1,a,30,\nu1,b,10,\nu1,c,20,\nu1,d,40,e f\nu2,e,5,\nu2,f,6,\n"},
			events: "e.csv",
			check: func(t *testing.T, imp *Imported) {
				d := imp.Dataset
				require.Len(t, d.Users, 2)
				var order []string
				for _, e := range d.Users[0].Events {
					order = append(order, d.Items[e.Item].ID)
					assert.Equal(t, data.Browse, e.Kind)
				}
				assert.Equal(t, []string{"b", "c", "a", "d"}, order, "events are ordered by time")
				assert.Equal(t, []data.FixedList{{User: "u1", Positive: "d", Negatives: []string{"e", "f"}}}, imp.Tests)
			},
		},
		{
			name: "TSV with queries, dates and file order for equal times",
			files: map[string]string{"e.tsv": "uid\tsku\tquery\tts\n" +
				"x\t1\tred shoes\t2024-01-02\nx\t2\t\t2024-01-02\nx\t3\t  blue   hat \t2024-01-01T10:00:00Z\n"},
			events: "e.tsv",
			check: func(t *testing.T, imp *Imported) {
				evs := imp.Dataset.Users[0].Events
				require.Len(t, evs, 3)
				assert.Equal(t, "blue hat", evs[0].Query)
				assert.Equal(t, data.Search, evs[0].Kind)
				assert.Equal(t, []data.Kind{data.Search, data.Search, data.Browse}, []data.Kind{evs[0].Kind, evs[1].Kind, evs[2].Kind})
				assert.Equal(t, "red shoes", evs[1].Query)
			},
		},
		{
			name: "JSONL with arrays and an item side file",
			files: map[string]string{
				"e.jsonl": `{"user": "u", "item": 7, "t": 1.5, "kind": "browse"}` + "\n\n" +
					`{"user": "u", "item": 8, "t": 2, "kind": "Search", "q": "film"}` + "\n",
				"items.csv": "item,title,genre,x,y\n7,The Film,Drama|Comedy,1,2\n8,Other,,0.5,-1\n9,Unused,Horror,,\n",
			},
			events: "e.jsonl", items: "items.csv",
			mapping: Mapping{User: "user", Item: "item", Time: "t", Kind: "kind", Query: "q", Text: []string{"title"},
				Attrs: []string{"genre"}, Dense: []DenseSource{{Name: "xy", Columns: []string{"x", "y"}}}},
			check: func(t *testing.T, imp *Imported) {
				d := imp.Dataset
				require.Len(t, d.Items, 3)
				assert.Equal(t, data.Item{ID: "7", Text: "The Film", Attrs: []data.Attr{{Field: "genre", Value: "Drama"},
					{Field: "genre", Value: "Comedy"}}, Dense: [][]float32{{1, 2}}}, d.Items[0])
				assert.Equal(t, [][]float32{nil}, d.Items[2].Dense)
				assert.Equal(t, []int{2}, d.DenseDims)
				assert.Equal(t, "film", d.Users[0].Events[1].Query)
			},
		},
		{
			name: "dense vectors from a list cell and from .npy",
			files: map[string]string{
				"e.csv": "user_id,item_id,emb\nu,0,\"[1, 2, 3]\"\nu,1,4 5 6\n",
				"f.npy": f32npy([2][2]float32{{1, 0}, {0, 1}}),
			},
			events:  "e.csv",
			mapping: Mapping{Dense: []DenseSource{{Name: "emb", Columns: []string{"emb"}}, {Name: "img"}}},
			check: func(t *testing.T, imp *Imported) {
				d := imp.Dataset
				assert.Equal(t, []string{"emb", "img"}, d.DenseNames)
				assert.Equal(t, []int{3, 2}, d.DenseDims)
				assert.Equal(t, [][]float32{{4, 5, 6}, {0, 1}}, d.Items[1].Dense)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			m := tt.mapping
			for k := range m.Dense {
				if m.Dense[k].Name == "img" {
					m.Dense[k].NPY = filepath.Join(dir, "f.npy")
				}
			}
			events := filepath.Join(dir, tt.events)
			cols, err := Columns(events)
			require.NoError(t, err)
			m.DefaultColumns(cols)
			items := ""
			if tt.items != "" {
				items = filepath.Join(dir, tt.items)
			}
			imp, err := Import("mine", events, items, m)
			require.NoError(t, err)
			require.NoError(t, imp.Dataset.Validate())
			assert.Equal(t, "mine", imp.Dataset.Name)
			tt.check(t, imp)
		})
	}
}

func TestImportErrors(t *testing.T) {
	header := "user_id,item_id,time,neg_items,kind,query\n"
	tests := []struct {
		name   string
		events string
		items  string
		errHas string
	}{
		{"bad time", header + "u,a,1,,,\nu,b,yesterday,,,\n", "", "e.csv: line 3: time \"yesterday\""},
		{"empty user", header + "u,a,1,,,\n,b,2,,,\n", "", "line 3: empty user ID"},
		{"unknown kind", header + "u,a,1,,click,\n", "", "line 2: kind \"click\""},
		{"browse with query", header + "u,a,1,,browse,shoes\n", "", "line 2: a browse event with query"},
		{"list not on the last event", header + "u,a,1,b,,\nu,b,2,,,\n", "", "line 2: user \"u\": the candidate list is not on the user's last event"},
		{"second list", header + "u,a,1,b,,\nu,b,1,a,,\n", "", "line 3: user \"u\" has a second candidate list (the first is on line 2)"},
		{"unknown candidate", header + "u,a,1,,,\nu,b,2,zz,,\n", "", "line 3: user \"u\": candidate \"zz\" is not a known item"},
		{"wrong field count", header + "u,a,1\n", "", "line 2"},
		{"item not in the items file", header + "u,a,1,,,\nu,q,2,,,\n", "item_id\na\n", "e.csv: line 3: item \"q\" is not in the items file"},
		{"item listed twice", header + "u,a,1,,,\n", "item_id\na\na\n", "items.csv: line 3: item \"a\" listed twice"},
		{"no events", header, "", "no events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"e.csv": tt.events}
			items := ""
			if tt.items != "" {
				files["items.csv"] = tt.items
			}
			dir := writeFiles(t, files)
			if items = filepath.Join(dir, "items.csv"); tt.items == "" {
				items = ""
			}
			m := Mapping{User: "user_id", Item: "item_id", Time: "time", Kind: "kind", Query: "query", Negatives: "neg_items"}
			_, err := Import("x", filepath.Join(dir, "e.csv"), items, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errHas)
			assert.True(t, strings.HasPrefix(err.Error(), "convert: "), err.Error())
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"874965758", 874965758}, {"1.9", 1}, {"1970-01-02", 86400},
		{"1970-01-01 00:01:00", 60}, {"1970-01-01T00:00:02Z", 2},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	_, err := parseTime("1e300")
	require.Error(t, err)
}

// FuzzImport feeds arbitrary tables to the importer: it must return a valid dataset or an error,
// never panic.
func FuzzImport(f *testing.F) {
	f.Add("csv", "user_id,item_id,time,neg_items\nu,a,2,\nu,b,3,a c\nv,c,1,\n")
	f.Add("tsv", "user\titem\tquery\nu\t1\tred\nu\t2\t\"x\n")
	f.Add("jsonl", `{"user_id":"u","item_id":[1,2],"time":"2020-01-01"}`+"\n"+`{"user_id":1,"item_id":"b","neg_items":["a"]}`)
	f.Add("jsonl", "{\"user_id\":{\"x\":1}}\n[1]\n")
	f.Fuzz(func(t *testing.T, format, table string) {
		if format != "csv" && format != "tsv" && format != "jsonl" {
			return
		}
		m := Mapping{User: "user_id", Item: "item_id", Time: "time", Query: "query", Negatives: "neg_items",
			Text: []string{"title"}, Attrs: []string{"genre"}, Dense: []DenseSource{{Name: "v", Columns: []string{"v"}}}}
		imp := newImporter("fuzz", m)
		// A dense slot no item fills is an error of the mapping, not of the table: drop it when
		// the table has no column v.
		if !strings.Contains(table, "v") {
			imp = newImporter("fuzz", Mapping{User: m.User, Item: m.Item, Time: m.Time, Query: m.Query,
				Negatives: m.Negatives, Text: m.Text, Attrs: m.Attrs})
		}
		if err := parseTable(strings.NewReader(table), format, imp.addEvent); err != nil {
			return
		}
		out, err := imp.finish()
		if err != nil {
			return
		}
		require.NoError(t, out.Dataset.Validate())
		for _, l := range out.Tests {
			assert.NotEmpty(t, l.Negatives)
		}
	})
}
