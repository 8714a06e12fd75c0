package train

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/baseline"
	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/model"
)

// tinyCorpus is a generated dataset with every modality (id, text, attributes, a dense slot) and
// both event kinds, split into training sequences.
func tinyCorpus(t testing.TB, users, minEvents, maxEvents int) (*Corpus, *data.Dataset) {
	t.Helper()
	c := synth.DefaultConfig()
	c.Users, c.Items, c.MinEvents, c.MaxEvents, c.DenseDim = users, 40, minEvents, maxEvents, 5
	c.Vocabulary, c.Brands = 12, 6
	d, err := synth.Generate(c)
	require.NoError(t, err)
	corpus := &Corpus{Items: d.Items}
	for _, u := range d.Users {
		corpus.Sequences = append(corpus.Sequences, u.Events)
	}
	return corpus, d
}

func tinyConfig(d *data.Dataset, topK int) model.Config {
	c := model.DefaultConfig()
	c.Dim, c.Heads, c.TopK = 8, 2, topK
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 64, 256, 32
	c.DenseDims = d.DenseDims
	c.MLPHidden = []int{6}
	c.Seed = 7
	return c
}

func tinyModel(t testing.TB, d *data.Dataset, topK int) *model.Model {
	t.Helper()
	m, err := model.New(tinyConfig(d, topK))
	require.NoError(t, err)
	return m
}

func tinyOptions() Options {
	return Options{Epochs: 1, EpochFraction: 1, Batch: 4, Chunk: 6, MaxHistory: 64, LR: 1e-2, Workers: 2, Seed: 3}
}

func tinyPretrain() PretrainConfig {
	return PretrainConfig{Options: tinyOptions(), WNext: 1, WAlign: 0.5, WRel: 0.5, Negatives: 4, EventNegatives: true,
		NextTemperature: 0.5, Temperature: 0.5, AlignBatch: 16, RelBatch: 16}
}

func tinyFinetune(s baseline.Strategy) FinetuneConfig {
	return FinetuneConfig{Options: tinyOptions(), Negatives: 3, Loss: "softmax", Strategy: s}
}

// newTestWorker binds m for training (everything but the GSU trainable) and returns a worker
// with a selector of s.
func newTestWorker(t testing.TB, m *model.Model, corpus *Corpus, s baseline.Strategy) (*binding, *features, *worker) {
	t.Helper()
	b, err := bind(m, func(name string) bool { return !isFrozen(name, []string{"gsu."}) })
	require.NoError(t, err)
	f, err := newFeatures(m, corpus)
	require.NoError(t, err)
	sel, err := s.NewSelector(m, corpus.Items)
	require.NoError(t, err)
	return b, f, &worker{enc: newEncoder(b, f), sel: sel}
}
