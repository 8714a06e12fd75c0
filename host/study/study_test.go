package study

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/seminar-ranker/seminar/core/eval"
	"github.com/seminar-ranker/seminar/core/eval/suite"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/core/train"
)

func TestTopOverlap(t *testing.T) {
	tests := []struct {
		a, b []float32
		n    int
		want float64
	}{
		{[]float32{3, 2, 1, 0}, []float32{3, 2, 1, 0}, 2, 1},
		{[]float32{3, 2, 1, 0}, []float32{0, 1, 2, 3}, 2, 0},
		{[]float32{3, 2, 1, 0}, []float32{3, 0, 2, 1}, 2, 0.5},
		{[]float32{1, 1, 1}, []float32{1, 1, 1}, 2, 1}, // ties by lower index in both
		{[]float32{5}, []float32{5}, 10, 1},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, topOverlap(tt.a, tt.b, tt.n), 1e-12)
	}
}

func TestReplaceMarkdownRegion(t *testing.T) {
	doc := "# Title\n\nprose\n" + MarkdownBegin + "\nold\nresults\n" + MarkdownEnd + "\nmore prose\n"
	tests := []struct {
		name, doc, content, want, err string
	}{
		{name: "replaced", doc: doc, content: "new\n",
			want: "# Title\n\nprose\n" + MarkdownBegin + "\nnew\n" + MarkdownEnd + "\nmore prose\n"},
		{name: "newline added", doc: doc, content: "new",
			want: "# Title\n\nprose\n" + MarkdownBegin + "\nnew\n" + MarkdownEnd + "\nmore prose\n"},
		{name: "empty region", doc: MarkdownBegin + "\n" + MarkdownEnd, content: "x\n",
			want: MarkdownBegin + "\nx\n" + MarkdownEnd},
		{name: "no begin", doc: "a\n" + MarkdownEnd + "\n", content: "x", err: "no region"},
		{name: "no end", doc: MarkdownBegin + "\nold\n", content: "x", err: "no region"},
		{name: "end first", doc: MarkdownEnd + "\n" + MarkdownBegin + "\n", content: "x", err: "no region"},
		{name: "two begins", doc: MarkdownBegin + "\n" + MarkdownBegin + "\n" + MarkdownEnd + "\n", content: "x",
			err: "twice"},
		{name: "marker inside a line", doc: "see " + MarkdownBegin + "\n" + MarkdownEnd + "\n", content: "x",
			err: "no region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceMarkdownRegion(tt.doc, tt.content)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWriteMarkdownRegion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pq.md")
	require.NoError(t, os.WriteFile(path, []byte("intro\n"+MarkdownBegin+"\nold\n"+MarkdownEnd+"\n"), 0o644))
	rep := &Report{Command: "seminar study --random", Seconds: 12, Machine: Machine{GoVersion: "go1.27.3"}}
	require.NoError(t, WriteMarkdownRegion(path, rep.Markdown()))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(b)
	assert.True(t, strings.HasPrefix(doc, "intro\n"+MarkdownBegin+"\nWritten by `seminar study --random`"), doc)
	assert.Contains(t, doc, "```text\n## Setup")
	assert.True(t, strings.HasSuffix(doc, "study took 12 s\n```\n"+MarkdownEnd+"\n"), doc)
	assert.NotContains(t, doc, "old")

	require.Error(t, WriteMarkdownRegion(filepath.Join(t.TempDir(), "missing.md"), "x"))
}

func TestJudgeRecallByModel(t *testing.T) {
	const twoStage = "two-stage: 4-bit scan + refine from fine codes, R=400 (default)"
	merged := "merged heads: top K of Σ_h a_h(j)"
	rep := &Report{Recall: []RecallRow{
		{Dataset: "generated, L=10000", Model: kindTrained, Definition: merged, Variant: twoStage, K: 100, Recall: 0.97},
		{Dataset: "generated, L=10000", Model: kindRandom, Definition: merged, Variant: twoStage, K: 100, Recall: 0.84},
		{Dataset: "generated, L=10000", Model: kindRandom, Definition: merged, Variant: twoStage, K: 50, Recall: 0.99},
		{Dataset: "generated, L=100000", Model: kindTrained, Definition: merged, Variant: twoStage, K: 100, Recall: 0.10},
	}}
	rep.judge()
	require.Len(t, rep.Targets, 2)
	assert.Contains(t, rep.Targets[0].Target, "(trained model;")
	assert.Equal(t, "0.970", rep.Targets[0].Measured)
	assert.True(t, rep.Targets[0].Met)
	assert.Contains(t, rep.Targets[1].Target, "(random model;")
	assert.Equal(t, "0.840", rep.Targets[1].Measured)
	assert.False(t, rep.Targets[1].Met)
}

func TestSynthTrainSpec(t *testing.T) {
	c := synth.DefaultConfig()
	c.Users, c.Items, c.MinEvents, c.MaxEvents = 6, 50, 20, 40
	d, err := synth.Generate(c)
	require.NoError(t, err)
	task, err := eval.LeaveOneOut(d, data.MinSplitEvents)
	require.NoError(t, err)
	cfg := model.DefaultConfig()
	cfg.DenseDims = []int{c.DenseDim}
	s, err := synthTrainSpec(task, cfg)
	require.NoError(t, err)
	assert.Equal(t, "generated", s.Key)
	assert.Same(t, task, s.Task)
	assert.Equal(t, cfg, s.Model)
	// A corpus smaller than an epoch's targets trains on all of it.
	assert.Equal(t, 1.0, s.Pretrain.EpochFraction)
	assert.Equal(t, 1.0, s.Finetune.EpochFraction)
	assert.Equal(t, 1, s.Pretrain.Epochs)
	assert.Equal(t, 2, s.Finetune.Epochs)
}

// quickSynthSpec is a spec that trains in a moment.
func quickSynthSpec() (*suite.Spec, error) { return suite.LoadSpec("synth", "", suite.Quick) }

func TestStudyModels(t *testing.T) {
	ctx := context.Background()
	log := &studyLog{w: io.Discard}
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.Heads, cfg.TopK, cfg.IDBuckets, cfg.TokenBuckets, cfg.AttrBuckets = 8, 2, 8, 64, 64, 16

	models, err := studyModels(ctx, Options{Random: true}, "", cfg, quickSynthSpec, log)
	require.NoError(t, err)
	require.Len(t, models, 1, "without a model file only the random model")
	assert.Equal(t, kindRandom, models[0].kind)
	assert.Equal(t, cfg.Dim, models[0].m.Dim())

	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.model")
	_, err = studyModels(ctx, Options{}, missing, cfg, quickSynthSpec, log)
	require.ErrorIs(t, err, os.ErrNotExist, "without --train a missing file is an error")
	_, err = studyModels(ctx, Options{Train: true}, missing, cfg, func() (*suite.Spec, error) {
		return nil, errors.New("no data")
	}, log)
	require.ErrorContains(t, err, "no data")

	path := filepath.Join(dir, "sub", "trained.model")
	models, err = studyModels(ctx, Options{Train: true, Random: true}, path, cfg, quickSynthSpec, log)
	require.NoError(t, err)
	require.Len(t, models, 2)
	assert.Equal(t, kindTrained, models[0].kind)
	assert.Contains(t, models[0].desc, path)
	assert.Contains(t, models[0].desc, "trained on synth")
	assert.NotContains(t, models[0].extras, retrieval.Section, "the study trains its own codec")
	assert.Contains(t, models[0].extras, train.MetaSection)
	assert.Equal(t, kindRandom, models[1].kind)
	assert.Equal(t, models[0].m.Config().Dim, models[1].m.Config().Dim, "the random model takes the trained one's configuration")
	assert.NoFileExists(t, path+".tmp")

	// A file that exists is read, not trained again.
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	models, err = studyModels(ctx, Options{Train: true}, path, cfg, func() (*suite.Spec, error) {
		return nil, errors.New("trained again")
	}, log)
	require.NoError(t, err)
	require.Len(t, models, 1)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(before, after))
	m, _, err := modelfile.Load(after)
	require.NoError(t, err)
	assert.Equal(t, models[0].m.Config(), m.Config())
}
