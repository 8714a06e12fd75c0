package data

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyDataset is a valid dataset with every modality, a missing dense vector and both kinds.
func tinyDataset() *Dataset {
	return &Dataset{
		Name:       "tiny",
		DenseNames: []string{"image", "audio"},
		DenseDims:  []int{2, 3},
		Items: []Item{
			{ID: "a", Text: "red shoe", Attrs: []Attr{{Field: "category", Value: "shoes"}},
				Dense: [][]float32{{1, 2}, {3, 4, 5}}},
			{ID: "b", Dense: [][]float32{{0, -1}, nil}},
			{Text: "no id, no dense"},
		},
		Users: []User{
			{ID: "u1", Events: []Event{
				{Time: 1, Kind: Search, Query: "shoe", Item: 0},
				{Time: 1, Kind: Browse, Item: 1},
				{Time: 5, Kind: Browse, Item: 2},
				{Time: 9, Kind: Search, Query: "red", Item: 0},
			}},
			{ID: "u2", Events: []Event{{Time: 3, Kind: Browse, Item: 2}}},
			{ID: "u3"},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Dataset)
		errHas string // empty: valid
	}{
		{"valid", func(*Dataset) {}, ""},
		{"empty dataset", func(d *Dataset) { *d = Dataset{} }, ""},
		{"item index too large", func(d *Dataset) { d.Users[0].Events[2].Item = 3 }, "user 0: event 2: item 3 out of range [0, 3)"},
		{"negative item index", func(d *Dataset) { d.Users[1].Events[0].Item = -1 }, "user 1: event 0: item -1 out of range"},
		{"time goes back", func(d *Dataset) { d.Users[0].Events[3].Time = 4 }, "user 0: event 3: time 4 is before the previous event's 5"},
		{"unknown kind", func(d *Dataset) { d.Users[0].Events[1].Kind = 7 }, "unknown kind 7"},
		{"browse with query", func(d *Dataset) { d.Users[0].Events[1].Query = "x" }, "browse event with a query"},
		{"dense width", func(d *Dataset) { d.Items[0].Dense[1] = []float32{1} }, `item 0: dense "audio" has width 1, want 3`},
		{"dense slot count", func(d *Dataset) { d.Items[1].Dense = d.Items[1].Dense[:1] }, "item 1: 1 dense vectors, want 0 or 2"},
		{"NaN", func(d *Dataset) { d.Items[0].Dense[0][1] = float32(math.NaN()) }, `item 0: dense "image"[1] is not finite`},
		{"Inf", func(d *Dataset) { d.Items[1].Dense[0][0] = float32(math.Inf(-1)) }, "is not finite"},
		{"names and dims differ", func(d *Dataset) { d.DenseDims = d.DenseDims[:1] }, "2 dense names but 1 dense dims"},
		{"zero dim", func(d *Dataset) { d.DenseDims[0] = 0 }, `dense slot "image" has width 0`},
		{"dim over limit", func(d *Dataset) { d.DenseDims[0] = MaxDenseDim + 1 }, "has width 16385"},
		{"unnamed slot", func(d *Dataset) { d.DenseNames[1] = "" }, "dense slot 1 has no name"},
		{"slot named twice", func(d *Dataset) { d.DenseNames[1] = "image" }, `dense slot name "image" used twice`},
		{"duplicate item ID", func(d *Dataset) { d.Items[1].ID = "a" }, `item 1: duplicate ID "a"`},
		{"duplicate user ID", func(d *Dataset) { d.Users[2].ID = "u1" }, `user 2: duplicate ID "u1"`},
		{"long query", func(d *Dataset) { d.Users[0].Events[0].Query = strings.Repeat("q", MaxStringBytes+1) }, "query is 4097 bytes"},
		{"bad UTF-8 text", func(d *Dataset) { d.Items[2].Text = "\xff" }, "item 2: text is not valid UTF-8"},
		{"too many attrs", func(d *Dataset) { d.Items[0].Attrs = make([]Attr, MaxAttrs+1) }, "257 attributes"},
		{"long note", func(d *Dataset) { d.Note = strings.Repeat("n", MaxTextBytes+1) }, "data: note is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tinyDataset()
			tt.mutate(d)
			err := d.Validate()
			if tt.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errHas)
			assert.True(t, strings.HasPrefix(err.Error(), "data: "), err.Error())
		})
	}
	var nilDataset *Dataset
	require.Error(t, nilDataset.Validate())
}

func TestLeaveOneOut(t *testing.T) {
	d := tinyDataset()
	tests := []struct {
		name      string
		minEvents int
		users     []int
		skipped   int
	}{
		{"three events", 3, []int{0}, 2},
		{"four events", 4, []int{0}, 2},
		{"five events", 5, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LeaveOneOut(d, tt.minEvents)
			require.NoError(t, err)
			assert.Equal(t, tt.skipped, s.Skipped)
			got := make([]int, 0, len(s.Users))
			for _, us := range s.Users {
				got = append(got, us.User)
			}
			assert.Equal(t, len(tt.users), len(got))
			for i := range got {
				assert.Equal(t, tt.users[i], got[i])
			}
		})
	}

	s, err := LeaveOneOut(d, 3)
	require.NoError(t, err)
	us := s.Users[0]
	events := d.Users[0].Events
	assert.Equal(t, events[:2], us.Train)
	assert.Equal(t, events[2], us.Valid)
	assert.Equal(t, events[3], us.Test)
	assert.Equal(t, 2, cap(us.Train), "appending to Train must not overwrite the held-out events")

	_, err = LeaveOneOut(d, 2)
	require.ErrorContains(t, err, "minEvents >= 3")
	d.Users[0].Events[3].Time = 0
	_, err = LeaveOneOut(d, 3)
	require.ErrorContains(t, err, "is before the previous event's")
}

func TestDescribe(t *testing.T) {
	s := Describe(tinyDataset())
	assert.Equal(t, "tiny", s.Name)
	assert.Equal(t, 3, s.Users)
	assert.Equal(t, 3, s.Items)
	assert.Equal(t, 5, s.Events)
	assert.Equal(t, 2, s.Search)
	assert.Equal(t, 3, s.Browse)
	assert.Equal(t, []Coverage{
		{Modality: "id", Items: 2, Fraction: 2.0 / 3},
		{Modality: "text", Items: 2, Fraction: 2.0 / 3},
		{Modality: "attrs", Items: 1, Fraction: 1.0 / 3},
		{Modality: "dense:image", Items: 2, Fraction: 2.0 / 3},
		{Modality: "dense:audio", Items: 1, Fraction: 1.0 / 3},
	}, s.Coverage)
	assert.Equal(t, Lengths{Min: 0, P50: 1, P90: 4, P99: 4, Max: 4, Mean: 5.0 / 3}, s.Length)

	empty := Describe(&Dataset{})
	assert.Equal(t, Lengths{}, empty.Length)
	assert.Equal(t, 0.0, empty.Coverage[0].Fraction)
}

func TestLengthQuantiles(t *testing.T) {
	tests := []struct {
		name    string
		lengths []int
		want    Lengths
	}{
		{"one user", []int{7}, Lengths{Min: 7, P50: 7, P90: 7, P99: 7, Max: 7, Mean: 7}},
		{"1..100 shuffled", shuffled(100), Lengths{Min: 1, P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5}},
		{"1..10", []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, Lengths{Min: 1, P50: 5, P90: 9, P99: 10, Max: 10, Mean: 5.5}},
		{"1..1000", shuffled(1000), Lengths{Min: 1, P50: 500, P90: 900, P99: 990, Max: 1000, Mean: 500.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dataset{Items: []Item{{ID: "x"}}}
			for _, n := range tt.lengths {
				d.Users = append(d.Users, User{Events: make([]Event, n)})
			}
			assert.Equal(t, tt.want, Describe(d).Length)
		})
	}
}

// shuffled returns 1..n in a fixed scrambled order.
func shuffled(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i*37)%n + 1
	}
	return out
}
