package abigen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
)

var update = flag.Bool("update", false, "rewrite docs/abi.md and web/src/abi.d.ts from core/abi/messages.go")

func root(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "go.mod not found")
		dir = filepath.Dir(dir)
	}
}

func schema(t *testing.T) *Schema {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root(t), "core", "abi", "messages.go"))
	require.NoError(t, err)
	s, err := Parse(src)
	require.NoError(t, err)
	return s
}

// The schema read from the source is the one the compiler sees: every message type has the
// keys its tags say, in the same order.
func TestSchemaMatchesTypes(t *testing.T) {
	s := schema(t)
	types := map[string]reflect.Type{
		"Attr": reflect.TypeFor[abi.Attr](), "Item": reflect.TypeFor[abi.Item](), "Event": reflect.TypeFor[abi.Event](),
		"StoreOptions": reflect.TypeFor[abi.StoreOptions](), "LoadEvents": reflect.TypeFor[abi.LoadEvents](),
		"EventCount": reflect.TypeFor[abi.EventCount](), "RankOptions": reflect.TypeFor[abi.RankOptions](),
		"RankRequest": reflect.TypeFor[abi.RankRequest](), "RankReply": reflect.TypeFor[abi.RankReply](),
		"Timings": reflect.TypeFor[abi.Timings](), "ModelInfo": reflect.TypeFor[abi.ModelInfo](),
	}
	require.Len(t, s.Messages, len(types))
	for _, m := range s.Messages {
		typ, ok := types[m.Name]
		require.True(t, ok, m.Name)
		require.Equal(t, typ.NumField(), len(m.Fields), m.Name)
		for i, f := range m.Fields {
			sf := typ.Field(i)
			if f.Inline != "" {
				assert.True(t, sf.Anonymous, "%s.%s", m.Name, sf.Name)
				continue
			}
			assert.Equal(t, sf.Name, f.Go)
			assert.Equal(t, sf.Tag.Get("msgpack"), sf.Tag.Get("json"), "%s.%s", m.Name, sf.Name)
		}
	}
}

// The generated documents are up to date: renaming a field, or editing the generated part of
// either document, fails here.
func TestDocumentsUpToDate(t *testing.T) {
	s := schema(t)
	md, err := s.Markdown()
	require.NoError(t, err)
	ts, err := s.TypeScript()
	require.NoError(t, err)
	dir := root(t)
	docPath := filepath.Join(dir, "docs", "abi.md")
	doc, err := os.ReadFile(docPath)
	require.NoError(t, err)
	want, err := Splice(doc, md)
	require.NoError(t, err)
	tsPath := filepath.Join(dir, "web", "src", "abi.d.ts")
	if *update {
		require.NoError(t, os.WriteFile(docPath, want, 0o644))
		require.NoError(t, os.MkdirAll(filepath.Dir(tsPath), 0o755))
		require.NoError(t, os.WriteFile(tsPath, append(ts, '\n'), 0o644))
		return
	}
	assert.Equal(t, string(want), string(doc), "docs/abi.md drifted from core/abi/messages.go: go test ./core/abi/abigen -update")
	got, err := os.ReadFile(tsPath)
	require.NoError(t, err)
	assert.Equal(t, string(ts), string(bytes.TrimRight(got, "\n")), "web/src/abi.d.ts drifted: go test ./core/abi/abigen -update")
}

func TestSplice(t *testing.T) {
	doc := []byte("a\n" + BeginMarker + "\nold\n" + EndMarker + "\nb\n")
	got, err := Splice(doc, []byte("new\n"))
	require.NoError(t, err)
	assert.Equal(t, "a\n"+BeginMarker+"\nnew\n"+EndMarker+"\nb\n", string(got))
	_, err = Splice([]byte("no markers"), nil)
	assert.Error(t, err)
}
