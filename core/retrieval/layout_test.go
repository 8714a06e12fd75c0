package retrieval

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/model"
)

func TestParseGroup(t *testing.T) {
	tests := []struct {
		name    string
		want    Group
		canon   string
		wantErr bool
	}{
		{name: "query", want: 1 << model.PartQuery, canon: "query"},
		{name: "text+id", want: 1<<model.PartID | 1<<model.PartText, canon: "id+text"},
		{name: "query+id+text+attrs+dense", want: 31, canon: "query+id+text+attrs+dense"},
		{name: "", wantErr: true},
		{name: "id+", wantErr: true},
		{name: "image", wantErr: true},
		{name: "id+id", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGroup(tt.name)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, g)
			assert.Equal(t, tt.canon, g.String())
		})
	}
}

func TestParseLayout(t *testing.T) {
	tests := []struct {
		layout  string
		want    []GroupSpec
		wantErr bool
	}{
		{layout: LayoutCompact, want: []GroupSpec{{31, 16}, {1, 4}}},
		{layout: LayoutQueryItem, want: []GroupSpec{{1, 16}, {30, 16}}},
		{layout: "id:8,text:2", want: []GroupSpec{{2, 8}, {4, 2}}},
		{layout: "id,id", wantErr: true},
		{layout: "id:x", wantErr: true},
		{layout: "id,,text", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			specs, err := ParseLayout(tt.layout, 16)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, specs)
		})
	}
}

func TestGroupWeights(t *testing.T) {
	m := testModel(t)
	evs := testEvents(t, 1, 50, 64)
	tests := []struct {
		layout  string
		parts   []float32
		want    []float32
		wantErr bool
	}{
		{layout: LayoutCompact, parts: []float32{1, 1, 1, 1, 1}, want: []float32{1, 0}},
		{layout: LayoutCompact, parts: []float32{2, 1, 1, 1, 1}, want: []float32{1, 1}},
		{layout: LayoutCompact, parts: []float32{0, 3, 3, 3, 3}, want: []float32{3, -3}},
		{layout: LayoutCompact, parts: []float32{1, 2, 1, 1, 1}, wantErr: true},
		{layout: LayoutQueryItem, parts: []float32{0.5, 1, 1, 1, 1}, want: []float32{0.5, 1}},
		{layout: LayoutParts, parts: []float32{1, 2, 3, 4, 5}, want: []float32{1, 2, 3, 4, 5}},
		// Parts no group holds are not in the codes: their weights do not matter.
		{layout: "query,id", parts: []float32{2, 3, 9, 9, 9}, want: []float32{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			c := trainedCodec(t, m, evs, tt.layout, 4)
			dst := make([]float32, len(c.Groups()))
			err := c.GroupWeights(dst, tt.parts)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.InDeltaSlice(t, tt.want, dst, 1e-6)
		})
	}
	c := trainedCodec(t, m, evs, LayoutCompact, 4)
	require.Error(t, c.GroupWeights(make([]float32, 1), make([]float32, model.NumParts)))
	require.Error(t, c.GroupWeights(make([]float32, 2), make([]float32, 3)))
	dst, w := make([]float32, 2), []float32{2, 1, 1, 1, 1}
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = c.GroupWeights(dst, w) }))
}

func TestTwoStageOptions(t *testing.T) {
	tests := []struct {
		name      string
		dense     []int
		dim       int
		groups    []string
		subspaces []int
		fine      int
	}{
		{"default width with a dense slot", []int{8}, 64, []string{"query+id+text+attrs+dense", "query"}, []int{32, 4}, 16},
		{"no dense slot", nil, 32, []string{"query+id+text+attrs", "query"}, []int{16, 4}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := model.DefaultConfig()
			c.Dim, c.DenseDims = tt.dim, tt.dense
			c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 8, 8, 8
			m, err := model.New(c)
			require.NoError(t, err)
			opts, err := TwoStageOptions(m, 3)
			require.NoError(t, err)
			var groups []string
			var subspaces []int
			for _, s := range opts.Layout {
				groups, subspaces = append(groups, s.Group.String()), append(subspaces, s.Subspaces)
			}
			assert.Equal(t, tt.groups, groups)
			assert.Equal(t, tt.subspaces, subspaces)
			assert.Equal(t, 4, opts.Bits)
			assert.Equal(t, tt.fine, opts.Fine)
			assert.Equal(t, uint64(3), opts.KMeans.Seed)
		})
	}
}

func TestWithoutDense(t *testing.T) {
	tests := map[string]string{
		LayoutCompact:     "query+id+text+attrs,query:4",
		LayoutParts:       "query,id,text,attrs",
		LayoutQueryItem:   "query,id+text+attrs",
		"dense:8,query:2": "query:2",
	}
	for in, want := range tests {
		assert.Equal(t, want, WithoutDense(in), in)
	}
}
