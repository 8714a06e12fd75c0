package defaultmodel

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/pq"
	"github.com/seminar-ranker/seminar/core/retrieval"
)

var update = flag.Bool("update", false, "regenerate "+Name)

// generate builds the default model: the default configuration with small hashed tables and
// the default two-stage codec, every seed fixed.
func generate(ctx context.Context) ([]byte, error) {
	cfg := model.DefaultConfig()
	cfg.IDBuckets, cfg.TokenBuckets, cfg.AttrBuckets = 1<<8, 1<<8, 1<<6
	cfg.Seed = 7
	m, err := model.New(cfg)
	if err != nil {
		return nil, err
	}
	sc := synth.DefaultConfig()
	sc.Seed, sc.Users, sc.Items, sc.MinEvents, sc.MaxEvents, sc.DenseDim = 7, 8, 2000, 500, 1000, 0
	ds, err := synth.Generate(sc)
	if err != nil {
		return nil, err
	}
	var evs []retrieval.Event
	for _, u := range ds.Users {
		for _, e := range u.Events {
			evs = append(evs, retrieval.Event{Time: e.Time, Kind: e.Kind, Query: e.Query, Item: &ds.Items[e.Item]})
		}
	}
	// The two-stage layout of `seminar quantize` at d = 64, without the dense part the model
	// lacks: 32 + 4 coarse 4-bit codes and 16 fine 8-bit codes, 39 bytes per event with time
	// and kind.
	specs, err := retrieval.ParseLayout("query+id+text+attrs,query:4", m.Dim()/2)
	if err != nil {
		return nil, err
	}
	codec, err := retrieval.TrainCodec(ctx, m, evs, retrieval.TrainOptions{
		Layout: specs, Bits: 4, Fine: m.Dim() / 4, KMeans: pq.KMeansOptions{Seed: 7, MaxIter: 25},
	})
	if err != nil {
		return nil, err
	}
	sec, err := codec.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return modelfile.Marshal(m, map[string][]byte{retrieval.Section: sec})
}

func TestGenerate(t *testing.T) {
	if !*update {
		t.Skip("regenerates " + Name + " with -update")
	}
	b, err := generate(context.Background())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(Name, b, 0o644))
}

func TestEmbedded(t *testing.T) {
	m, extras, err := modelfile.Load(File())
	require.NoError(t, err, "the embedded model loads")
	codec, err := retrieval.LoadCodec(m, extras[retrieval.Section])
	require.NoError(t, err, "the embedded model has a codec")
	require.Equal(t, 4, codec.Bits())
	s := retrieval.NewStore(codec, retrieval.StoreOptions{})
	require.Equal(t, 39, s.BytesPerEvent(), "the default codec keeps 39 bytes per event")
}
