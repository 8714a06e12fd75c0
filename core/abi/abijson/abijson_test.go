package abijson

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
)

func TestToMsgpack(t *testing.T) {
	tests := []struct {
		name, json string
		want       any
		err        string
	}{
		{"scalars", `[1, -2, 2.5, "x", true, null]`, []any{int8(1), int8(-2), 2.5, "x", true, nil}, ""},
		{"object keeps key order", `{"b": 1, "a": {"c": []}}`, map[string]any{"b": int8(1), "a": map[string]any{"c": []any{}}}, ""},
		{"big integer", `9007199254740993`, int64(9007199254740993), ""},
		{"trailing data", `{} {}`, nil, "after the value"},
		{"syntax error", `{"a": }`, nil, "json"},
		{"too deep", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, nil, "nested"},
		{"out of range", `1e999`, nil, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ToMsgpack([]byte(tt.json))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var got any
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.EqualValues(t, tt.want, got)
		})
	}
}

// A JSON request goes through the module's own decoder, so its errors name the key's path.
func TestJSONThroughTheABIDecoder(t *testing.T) {
	tests := []struct{ name, json, err string }{
		{"valid", `{"query": "q", "candidates": [{"id": "a", "attrs": [["g", "x"]]}], "options": {"k": 8}}`, ""},
		{"misspelt key", `{"candidats": []}`, `unknown key "candidats"`},
		{"bad option", `{"candidates": [], "options": {"k": -1}}`, "options.k: -1"},
		{"deep path", `{"candidates": [{"id": "a"}, {"attrs": [{"f": "g"}]}]}`, "candidates[1].attrs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ToMsgpack([]byte(tt.json))
			require.NoError(t, err)
			var req abi.RankRequest
			err = (&abi.Decoder{}).RankRequest(b, &req)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func FuzzToMsgpack(f *testing.F) {
	f.Add([]byte(`{"events": [{"t": 1, "item": {"id": "a"}}]}`))
	f.Add([]byte(`[1.5, "x", null, {"a": [true]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ToMsgpack(b)
		if err != nil {
			return
		}
		var v any
		require.NoError(t, msgpack.Unmarshal(out, &v), "valid JSON gives valid MessagePack")
	})
}
