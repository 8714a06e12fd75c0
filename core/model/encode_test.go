package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
)

// refModality computes e_m of an item from the formulas.
func refModality(m *Model, mod Modality, it *data.Item) []float64 {
	d := m.Dim()
	row := func(table []float32, h uint64, rows int) []float64 {
		r := Bucket(h, rows)
		return to64(table[r*d : (r+1)*d])
	}
	out := make([]float64, d)
	switch mod {
	case ModalityID:
		copy(out, row(m.Params.IDEmb, refHash(it.ID), m.cfg.IDBuckets))
	case ModalityText:
		hs := refTokens(it.Text)
		for _, h := range hs {
			for i, v := range row(m.Params.TokenEmb, h, m.cfg.TokenBuckets) {
				out[i] += v / float64(len(hs))
			}
		}
	case ModalityAttrs:
		for _, a := range it.Attrs {
			for i, v := range row(m.Params.AttrEmb, refHash(a.Field+"="+a.Value), m.cfg.AttrBuckets) {
				out[i] += v
			}
		}
	default:
		k := int(mod - ModalityDense)
		out = matVec64(m.Params.DenseW[k], d, len(it.Dense[k]), to64(it.Dense[k]))
		for i, b := range m.Params.DenseB[k] {
			out[i] += float64(b)
		}
	}
	return out
}

// refEvent computes s = α q + (1−α) Σ_m g_m G_m e_m with gates renormalised over present.
func refEvent(m *Model, query string, kind data.Kind, it *data.Item, present []Modality) []float64 {
	d := m.Dim()
	alpha := 1 / (1 + math.Exp(-float64(m.Params.AlphaLogit[0])))
	q := to64(m.Params.NoQuery)
	if hs := refTokens(query); kind == data.Search && len(hs) > 0 {
		q = refModality(m, ModalityText, &data.Item{Text: query})
	}
	var z float64
	for _, mod := range present {
		z += math.Exp(float64(m.Params.GateLogits[mod]))
	}
	s := make([]float64, d)
	for i := range s {
		s[i] = alpha * q[i]
	}
	for _, mod := range present {
		g := math.Exp(float64(m.Params.GateLogits[mod])) / z
		ge := matVec64(m.Params.Proj[int(mod)*d*d:int(mod+1)*d*d], d, d, refModality(m, mod, it))
		for i := range s {
			s[i] += (1 - alpha) * g * ge[i]
		}
	}
	return s
}

func TestEventVectorFusion(t *testing.T) {
	m := newTestModel(t, smallConfig())
	enc := NewEncoder(m)
	full := &data.Item{
		ID:    "movie-1",
		Text:  "The Big Lebowski, a comedy",
		Attrs: []data.Attr{{Field: "genre", Value: "Comedy"}, {Field: "year", Value: "1990s"}},
		Dense: [][]float32{{0.5, -1, 2, 0, 1}, {3, -2, 1}},
	}
	tests := []struct {
		name    string
		query   string
		kind    data.Kind
		item    data.Item
		present []Modality
	}{
		{"all modalities", "big lebowski", data.Search, *full,
			[]Modality{ModalityID, ModalityText, ModalityAttrs, ModalityDense, ModalityDense + 1}},
		{"id only", "comedy", data.Search, data.Item{ID: "x"}, []Modality{ModalityID}},
		{"text only", "", data.Browse, data.Item{Text: "red shoe"}, []Modality{ModalityText}},
		{"attrs only", "", data.Browse, data.Item{Attrs: full.Attrs}, []Modality{ModalityAttrs}},
		{"second dense slot only", "q", data.Search, data.Item{Dense: [][]float32{nil, {1, 2, 3}}},
			[]Modality{ModalityDense + 1}},
		{"id and first dense slot", "", data.Browse, data.Item{ID: "y", Dense: [][]float32{{1, 1, 1, 1, 1}}},
			[]Modality{ModalityID, ModalityDense}},
		{"text without words is absent", "", data.Search, data.Item{ID: "z", Text: "!!! ..."},
			[]Modality{ModalityID}},
		{"no modality: item vector zero", "jazz", data.Search, data.Item{}, nil},
		{"browse ignores the query", "jazz", data.Browse, *full,
			[]Modality{ModalityID, ModalityText, ModalityAttrs, ModalityDense, ModalityDense + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float32, m.Dim())
			require.NoError(t, enc.EventVector(got, tt.query, tt.kind, &tt.item))
			requireClose(t, refEvent(m, tt.query, tt.kind, &tt.item, tt.present), got, 1e-5, "event vector")

			var want Mask
			for _, mod := range tt.present {
				want |= 1 << mod
			}
			assert.Equal(t, want, m.Present(&tt.item))

			gates := make([]float32, m.cfg.NumModalities())
			require.NoError(t, m.Gates(gates, want))
			var sum float32
			for mod, g := range gates {
				assert.Equal(t, want.Has(Modality(mod)), g > 0, "gate %d", mod)
				sum += g
			}
			if len(tt.present) > 0 {
				assert.InDelta(t, 1, sum, 1e-6, "gates renormalised over present modalities")
			}
		})
	}
}

func TestModalities(t *testing.T) {
	m := newTestModel(t, smallConfig())
	it := &data.Item{ID: "a", Attrs: []data.Attr{{Field: "f", Value: "v"}}, Dense: [][]float32{nil, {1, 0, -1}}}
	d, nm := m.Dim(), m.cfg.NumModalities()
	dst := make([]float32, nm*d)
	present, err := m.Modalities(dst, it)
	require.NoError(t, err)
	assert.Equal(t, Mask(1<<ModalityID|1<<ModalityAttrs|1<<(ModalityDense+1)), present)
	for mod := range Modality(nm) {
		row := dst[int(mod)*d : int(mod+1)*d]
		if present.Has(mod) {
			requireClose(t, refModality(m, mod, it), row, 1e-6, "modality")
		} else {
			assert.Equal(t, make([]float32, d), row)
		}
	}
}

func TestQuery(t *testing.T) {
	m := newTestModel(t, smallConfig())
	text := make([]float32, m.Dim())
	m.encodeText(text, "red shoe")
	tests := []struct {
		name  string
		query string
		kind  data.Kind
		want  []float32
	}{
		{"search", "Red, SHOE", data.Search, text},
		{"browse", "red shoe", data.Browse, m.Params.NoQuery},
		{"empty search", "", data.Search, m.Params.NoQuery},
		{"search without words", "?!", data.Search, m.Params.NoQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float32, m.Dim())
			require.NoError(t, m.Query(got, tt.query, tt.kind))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPartsSumToEventVector(t *testing.T) {
	c := smallConfig()
	m := newTestModel(t, c)
	enc := NewEncoder(m)
	r := rand.New(rand.NewPCG(1, 2))
	d := m.Dim()
	alpha := float64(m.Alpha())
	for i := range 50 {
		it := randomItem(r, c)
		if i%5 == 0 {
			it.ID = ""
		}
		query, kind := randomText(r, r.IntN(3)), data.Kind(r.IntN(2))
		parts := make([]float32, NumParts*d)
		require.NoError(t, enc.EventParts(parts, query, kind, it))
		s := make([]float32, d)
		require.NoError(t, enc.EventVector(s, query, kind, it))
		sum := make([]float32, d)
		for p := range NumParts {
			for j := range d {
				sum[j] += parts[p*d+j]
			}
		}
		require.Equal(t, sum, s, "parts add up to the event vector")

		q := make([]float32, d)
		require.NoError(t, m.Query(q, query, kind))
		for j := range d {
			require.InDelta(t, alpha*float64(q[j]), float64(parts[int(PartQuery)*d+j]), 1e-6, "query part = α q")
		}
		if it.ID == "" {
			assert.Equal(t, make([]float32, d), parts[int(PartID)*d:int(PartID+1)*d], "missing id, zero part")
		}
	}
}

func TestPartString(t *testing.T) {
	var names []string
	for p := range Part(NumParts) {
		names = append(names, p.String())
	}
	assert.Equal(t, "query id text attrs dense", strings.Join(names, " "))
	assert.Equal(t, "Part(7)", Part(7).String())
}

func TestEncoderErrors(t *testing.T) {
	m := newTestModel(t, smallConfig())
	enc := NewEncoder(m)
	d := m.Dim()
	good := &data.Item{ID: "a"}
	tests := []struct {
		name   string
		call   func() error
		errMsg string
	}{
		{"nil item", func() error { return enc.EventVector(make([]float32, d), "", data.Browse, nil) }, "nil item"},
		{"too many dense slots", func() error {
			return enc.EventVector(make([]float32, d), "", data.Browse, &data.Item{Dense: make([][]float32, 3)})
		}, "has 3 dense slots, the model has 2"},
		{"wrong dense width", func() error {
			return enc.EventVector(make([]float32, d), "", data.Browse, &data.Item{ID: "w", Dense: [][]float32{{1}}})
		}, `item "w": dense slot 0 has width 1, want 5`},
		{"short event vector", func() error { return enc.EventVector(make([]float32, d-1), "", data.Browse, good) },
			"event vector has length 15, want 16"},
		{"short parts", func() error { return enc.EventParts(make([]float32, d), "", data.Browse, good) },
			"parts matrix has length 16, want 80"},
		{"short modalities", func() error { _, err := m.Modalities(make([]float32, d), good); return err },
			"modality matrix has length 16, want 80"},
		{"short gates", func() error { return m.Gates(make([]float32, 2), 1) }, "gates has length 2, want 5"},
		{"short query", func() error { return m.Query(nil, "", data.Browse) }, "query vector has length 0"},
		{"history of another width", func() error {
			h, err := WrapHistory(d+1, nil)
			require.NoError(t, err)
			return enc.AppendEvent(h, "", data.Browse, good)
		}, "history has width 17, the model 16"},
		{"nil history", func() error { return enc.AppendEvent(nil, "", data.Browse, good) }, "nil history"},
		{"ragged history", func() error { _, err := WrapHistory(d, make([]float32, d+1)); return err },
			"history of width 16 cannot hold 17 values"},
		{"history append", func() error { return m.NewHistory(1).Append(make([]float32, 3)) },
			"event vector has length 3, want 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
		})
	}
}

func TestAppendEvent(t *testing.T) {
	c := smallConfig()
	m := newTestModel(t, c)
	enc := NewEncoder(m)
	r := rand.New(rand.NewPCG(3, 4))
	h := m.NewHistory(0)
	var want []float32
	for range 20 {
		it := randomItem(r, c)
		s := make([]float32, m.Dim())
		require.NoError(t, enc.EventVector(s, "q", data.Search, it))
		want = append(want, s...)
		require.NoError(t, enc.AppendEvent(h, "q", data.Search, it))
	}
	assert.Equal(t, 20, h.Len())
	assert.Equal(t, want, h.Vectors())
	assert.Equal(t, want[m.Dim()*3:m.Dim()*4], h.Event(3))
	h.Reset()
	assert.Equal(t, 0, h.Len())
}

func TestEventVectorWithQueryEqualsEventVector(t *testing.T) {
	c := smallConfig()
	m := newTestModel(t, c)
	enc := NewEncoder(m)
	r := rand.New(rand.NewPCG(3, 4))
	d := m.Dim()
	tests := []struct {
		name  string
		query string
		kind  data.Kind
	}{
		{"search", "red shoe café", data.Search},
		{"search without words", "  ", data.Search},
		{"browse ignores the query", "jazz", data.Browse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			part := make([]float32, d)
			require.NoError(t, enc.QueryPart(part, tt.query, tt.kind))
			for i := range 20 {
				it := randomItem(r, c)
				if i%4 == 0 {
					it.Text = ""
				}
				want, got := make([]float32, d), make([]float32, d)
				require.NoError(t, enc.EventVector(want, tt.query, tt.kind, it))
				require.NoError(t, enc.EventVectorWithQuery(got, part, it))
				require.Equal(t, want, got, "item %d", i)
			}
		})
	}
}

func TestEventVectorWithQueryErrors(t *testing.T) {
	m := newTestModel(t, smallConfig())
	enc := NewEncoder(m)
	d := m.Dim()
	it := &data.Item{ID: "a"}
	tests := []struct {
		name   string
		call   func() error
		errMsg string
	}{
		{"short query part", func() error { return enc.QueryPart(make([]float32, 2), "q", data.Search) }, "query part has length 2"},
		{"short vector", func() error { return enc.EventVectorWithQuery(make([]float32, 2), make([]float32, d), it) }, "event vector has length 2"},
		{"short part", func() error { return enc.EventVectorWithQuery(make([]float32, d), make([]float32, 3), it) }, "query part has length 3"},
		{"nil item", func() error { return enc.EventVectorWithQuery(make([]float32, d), make([]float32, d), nil) }, "nil item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
		})
	}
}
