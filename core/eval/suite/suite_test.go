package suite

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/train"
)

func runSynth(t *testing.T, dir string) *Results {
	t.Helper()
	s, err := LoadSpec("synth", "", Quick)
	require.NoError(t, err)
	res, err := Run(context.Background(), Plan{Specs: []*Spec{s}, Seeds: []uint64{1, 2}, CandidateSeed: 1, Negatives: 9,
		EvalWorkers: 2, CandidatesDir: filepath.Join(dir, "candidates"), CheckpointDir: filepath.Join(dir, "models")})
	require.NoError(t, err)
	return res
}

func TestRunTrainsEveryMethodOnTheSameCandidates(t *testing.T) {
	dir := t.TempDir()
	res := runSynth(t, dir)
	require.Len(t, res.Datasets, 1)
	d := res.Datasets[0]
	keys := map[string]bool{}
	for _, m := range d.Methods {
		keys[m.Key] = true
		require.Len(t, m.Runs, 2, m.Key)
		for _, r := range m.Runs {
			assert.Equal(t, d.Candidates["test"].Cases, r.Test.Cases, "%s ranks every test case", m.Key)
			inBuckets := 0
			for _, b := range r.Test.Buckets {
				inBuckets += b.Cases
			}
			assert.Equal(t, r.Test.Cases, inBuckets, "%s: every case in one history-length bucket", m.Key)
			if m.Popularity || m.PQ != nil {
				assert.Zero(t, r.Train.Targets, "%s trains nothing", m.Key)
				continue
			}
			assert.Positive(t, r.Train.Targets)
			assert.NotZero(t, r.Train.BestEpoch, "%s kept an epoch chosen on validation", m.Key)
		}
		assert.Equal(t, 2, m.Test.Seeds)
		assert.True(t, m.Test.AUC.Mean > 0 && m.Test.AUC.Mean <= 1)
	}
	for _, k := range []string{"popularity", "seminar", PQMerged, PQPerHead, "no-pretrain", "din", "din-equal", "sasrec", "sim", "eta", "twin", "drop-id", "drop-text", "drop-attrs", "drop-dense-embedding"} {
		assert.True(t, keys[k], "method %s ran", k)
	}
	require.Len(t, d.Pretrain, 2)

	// The saved candidates are reused, not drawn again, and a trained model file loads.
	b, err := os.ReadFile(d.Candidates["test"].Path)
	require.NoError(t, err)
	again := runSynth(t, dir)
	b2, err := os.ReadFile(again.Datasets[0].Candidates["test"].Path)
	require.NoError(t, err)
	assert.Equal(t, b, b2)
	model, err := os.ReadFile(filepath.Join(dir, "models", "synth-twin-seed1.model"))
	require.NoError(t, err)
	m, meta, err := train.Load(model)
	require.NoError(t, err)
	assert.Equal(t, "twin", meta.Model)
	assert.Equal(t, m.Params.ESUQ, m.Params.GSUQ, "TWIN's file carries its GSU tied to the ESU")

	// Same seeds, same data: the same numbers.
	for i, m := range d.Methods {
		for j, r := range m.Runs {
			r2 := again.Datasets[0].Methods[i].Runs[j]
			assert.Equal(t, r.Test.Result, r2.Test.Result, "%s seed %d is reproducible", m.Key, r.Seed)
		}
	}

	var md, js, img bytes.Buffer
	require.NoError(t, WriteMarkdown(&md, res))
	for _, want := range []string{"| SEMINAR |", "| Popularity (train counts) |", "DIN (last N)", "pretraining ablation", "by history length", "Training throughput", "mean ± std over 2 seeds"} {
		assert.Contains(t, md.String(), want)
	}
	require.NoError(t, WriteJSON(&js, res))
	back, err := ReadJSON(&js)
	require.NoError(t, err)
	assert.Equal(t, res.Datasets[0].Methods[0].Test, back.Datasets[0].Methods[0].Test)
	require.NoError(t, WritePlot(&img, res))
	_, err = png.Decode(&img)
	require.NoError(t, err)
}

func TestDropModality(t *testing.T) {
	items := []data.Item{{ID: "a", Text: "red shoe", Attrs: []data.Attr{{Field: "c", Value: "x"}}, Dense: [][]float32{{1}, {2}}}}
	tests := []struct {
		drop  string
		check func(it data.Item)
	}{
		{"", func(it data.Item) { assert.Equal(t, items[0], it) }},
		{"id", func(it data.Item) { assert.Empty(t, it.ID); assert.Equal(t, "red shoe", it.Text) }},
		{"text", func(it data.Item) { assert.Empty(t, it.Text); assert.Equal(t, "a", it.ID) }},
		{"attrs", func(it data.Item) { assert.Nil(t, it.Attrs) }},
		{"dense:audio", func(it data.Item) { assert.Equal(t, [][]float32{{1}, nil}, it.Dense) }},
	}
	for _, tt := range tests {
		t.Run(tt.drop, func(t *testing.T) {
			out, err := DropModality(items, []string{"image", "audio"}, tt.drop)
			require.NoError(t, err)
			tt.check(out[0])
			assert.Equal(t, [][]float32{{1}, {2}}, items[0].Dense, "the input is not changed")
			assert.Equal(t, "a", items[0].ID)
		})
	}
	for _, bad := range []string{"colour", "dense:video"} {
		_, err := DropModality(items, []string{"image", "audio"}, bad)
		assert.Error(t, err, bad)
	}
}

func TestLoadSpecRejectsUnknownDataset(t *testing.T) {
	_, err := LoadSpec("imagenet", "", Full)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "ml-100k"))
}
