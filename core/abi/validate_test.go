package abi_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
)

func TestValidate(t *testing.T) {
	ok := abi.Item{ID: "a", Attrs: []abi.Attr{{Field: "g", Value: "x"}}, Dense: [][]float32{{1}, nil}}
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"valid event", func() error { e := abi.Event{Kind: abi.Search, Query: "q", Item: ok}; return e.Validate() }, ""},
		{"unknown kind", func() error { e := abi.Event{Kind: 2, Item: ok}; return e.Validate() }, "k: 2, want 0 (browse) or 1 (search)"},
		{"browse with a query", func() error { e := abi.Event{Query: "q", Item: ok}; return e.Validate() }, "q: a browse event"},
		{"long id", func() error {
			e := abi.Event{Item: abi.Item{ID: strings.Repeat("x", abi.MaxStringBytes+1)}}
			return e.Validate()
		}, "item.id: 4097 bytes"},
		{"bad UTF-8 value", func() error {
			e := abi.Event{Item: abi.Item{Attrs: []abi.Attr{{Field: "f", Value: "\xff"}}}}
			return e.Validate()
		}, "item.attrs[0].v: not valid UTF-8"},
		{"NaN in a dense slot", func() error {
			e := abi.Event{Item: abi.Item{Dense: [][]float32{nil, {0, float32(math.NaN())}}}}
			return e.Validate()
		}, "item.dense[1][1]: not a finite number"},
		{"too many attributes", func() error { it := abi.Item{Attrs: make([]abi.Attr, abi.MaxAttrs+1)}; return it.Validate() }, "attrs: 257 elements"},
		{"default options", func() error { o := abi.RankOptions{}; return o.Validate() }, ""},
		{"k too large", func() error { o := abi.RankOptions{K: abi.MaxTopK + 1}; return o.Validate() }, "k: 65537, want 0 to 65536"},
		{"negative shortlist", func() error { o := abi.RankOptions{Shortlist: -1}; return o.Validate() }, "shortlist: -1"},
		{"bits 6", func() error { o := abi.RankOptions{Bits: 6}; return o.Validate() }, "bits: 6"},
		{"heads 2", func() error { o := abi.RankOptions{Heads: 2}; return o.Validate() }, "heads: 2"},
		{"esu source 3", func() error { o := abi.RankOptions{ESU: 3}; return o.Validate() }, "esu: 3"},
		{"unknown part", func() error { o := abi.RankOptions{Weights: abi.PartWeights{"img": 1}}; return o.Validate() }, `weights: unknown part "img"`},
		{"infinite weight", func() error {
			o := abi.RankOptions{Weights: abi.PartWeights{abi.PartText: float32(math.Inf(1))}}
			return o.Validate()
		}, "weights.text: not a finite number"},
		{"too many candidates", func() error {
			r := abi.RankRequest{Candidates: make([]abi.Item, abi.MaxCandidates+1)}
			return r.Validate()
		}, "candidates: 4097 elements"},
		{"bad candidate", func() error { r := abi.RankRequest{Candidates: []abi.Item{ok, {Text: "\xff"}}}; return r.Validate() }, "candidates[1].text"},
		{"bad option in a request", func() error { r := abi.RankRequest{Options: abi.RankOptions{K: -3}}; return r.Validate() }, "options.k: -3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error()[:min(len(err.Error()), len(tt.want))])
		})
	}
}

func TestCompatible(t *testing.T) {
	v := func(major, minor, patch uint32) uint32 { return major<<16 | minor<<8 | patch }
	tests := []struct {
		got, want uint32
		ok        bool
	}{
		{v(1, 0, 0), v(1, 0, 0), true},
		{v(1, 2, 0), v(1, 1, 5), true},
		{v(1, 0, 9), v(1, 1, 0), false},
		{v(2, 0, 0), v(1, 0, 0), false},
		{v(0, 2, 1), v(0, 2, 0), true},
		{v(0, 3, 0), v(0, 2, 0), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ok, abi.Compatible(tt.got, tt.want), "%s for %s", abi.VersionString(tt.got), abi.VersionString(tt.want))
	}
	assert.Equal(t, "1.0.0", abi.VersionString(abi.Version))
}
