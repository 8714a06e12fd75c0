package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

// fixtureEvents decodes the fixture's events as core takes them.
func fixtureEvents(t *testing.T, f *fixture) []retrieval.Event {
	t.Helper()
	b, err := json.Marshal(f.Events)
	require.NoError(t, err)
	var raw []struct {
		T    int64          `json:"t"`
		K    data.Kind      `json:"k"`
		Q    string         `json:"q"`
		Item map[string]any `json:"item"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	evs := make([]retrieval.Event, len(raw))
	for i, e := range raw {
		it := &data.Item{}
		it.ID, _ = e.Item["id"].(string)
		it.Text, _ = e.Item["text"].(string)
		if attrs, ok := e.Item["attrs"].([]any); ok {
			for _, a := range attrs {
				pair := a.([]any)
				it.Attrs = append(it.Attrs, data.Attr{Field: pair[0].(string), Value: pair[1].(string)})
			}
		}
		if dense, ok := e.Item["dense"].([]any); ok {
			for _, v := range dense {
				var vec []float32
				for _, x := range v.([]any) {
					vec = append(vec, float32(x.(float64)))
				}
				it.Dense = append(it.Dense, vec)
			}
		}
		evs[i] = retrieval.Event{Time: e.T, Kind: e.K, Query: e.Q, Item: it}
	}
	return evs
}

// A model file with a two-stage codec: the module keeps fine codes unless load_events says
// skip_fine, ranks with the default options as core does, and its store bytes load again with
// what they hold.
func TestTwoStageCodec(t *testing.T) {
	f, dir := loadFixture(t)
	file, err := os.ReadFile(filepath.Join(dir, "model-4bit.seminar"))
	require.NoError(t, err)
	mdl, extras, err := modelfile.Load(file)
	require.NoError(t, err)
	evs := fixtureEvents(t, f)
	specs, err := retrieval.ParseLayout("query+id+text+attrs+dense:8,query:4", mdl.Dim())
	require.NoError(t, err)
	codec, err := retrieval.TrainCodec(context.Background(), mdl, evs, retrieval.TrainOptions{
		Layout: specs, Bits: 4, Fine: 4, KMeans: pq.KMeansOptions{Seed: 1},
	})
	require.NoError(t, err)
	extras[retrieval.Section], err = codec.MarshalBinary()
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, modelfile.Save(&buf, mdl, extras))

	c := f.Cases[0]
	rankReq := map[string]any{"query": c.Query, "kind": c.Kind, "candidates": c.Candidates}
	cands := make([]retrieval.Candidate, len(c.Candidates))
	for i, it := range fixtureEvents(t, &fixture{Events: wrapItems(c.Candidates)}) {
		cands[i] = retrieval.Candidate{Query: c.Query, Kind: data.Kind(c.Kind), Item: it.Item}
	}
	for _, skip := range []bool{false, true} {
		m := newModule()
		status, reply := call(t, m, m.loadModel, buf.Bytes())
		require.Equal(t, statusOK, status, string(m.lastError))
		var info struct {
			BytesPerEvent int `msgpack:"bytes_per_event"`
		}
		require.NoError(t, msgpack.Unmarshal(reply, &info))
		assert.Equal(t, codec.CodeBytes()+codec.FineBytes()+5, info.BytesPerEvent)

		status, _ = call(t, m, m.loadEvents, map[string]any{"skip_fine": skip, "events": f.Events})
		require.Equal(t, statusOK, status, string(m.lastError))
		assert.Equal(t, !skip, m.rk.store.HasFine())

		store := retrieval.NewStore(codec, retrieval.StoreOptions{SkipFine: skip})
		for _, e := range evs {
			require.NoError(t, store.Append(e))
		}
		want, err := retrieval.NewRanker(codec).Rank(store, cands, retrieval.Options{})
		require.NoError(t, err)
		status, reply = call(t, m, m.rank, rankReq)
		require.Equal(t, statusOK, status, string(m.lastError))
		var got struct {
			Order []int32 `msgpack:"order"`
		}
		require.NoError(t, msgpack.Unmarshal(reply, &got))
		assert.Equal(t, want.Order, got.Order)

		m.beginReply()
		require.Equal(t, statusOK, m.storeBytes())
		stored := append([]byte(nil), m.reply...)
		other := newModule()
		status, _ = call(t, other, other.loadModel, buf.Bytes())
		require.Equal(t, statusOK, status)
		ptr, n := put(t, other, stored)
		require.Equal(t, statusOK, other.loadStore(ptr, n), string(other.lastError))
		assert.Equal(t, !skip, other.rk.store.HasFine())
	}
}

func wrapItems(items []map[string]any) []map[string]any {
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = map[string]any{"t": 0, "k": 0, "item": it}
	}
	return out
}
