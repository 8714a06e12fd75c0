package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/seminar-ranker/seminar/core/eval/suite"
)

// fakeClock advances by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now := t
		t = t.Add(step)
		return now
	}
}

func TestPlainLines(t *testing.T) {
	tests := []struct {
		name    string
		updates []suite.Progress
		finish  bool
		want    []string
	}{
		{
			name: "a line at the start, every interval and at the end",
			updates: []suite.Progress{
				{Stage: "PSU pretraining", Unit: "steps", Done: 1, Total: 4, Loss: 2.5},
				{Stage: "PSU pretraining", Unit: "steps", Done: 2, Total: 4, Loss: 2.25},
				{Stage: "PSU pretraining", Unit: "steps", Done: 3, Total: 4, Loss: 2},
				{Stage: "PSU pretraining", Unit: "steps", Done: 4, Total: 4, Loss: 1.5},
			},
			want: []string{
				"PSU pretraining: 1/4 steps, loss 2.5000",
				"PSU pretraining: 3/4 steps, 1.0 steps/s, loss 2.0000",
				"PSU pretraining: 4/4 steps, 1.0 steps/s, loss 1.5000",
			},
		},
		{
			name: "a new stage ends the last one with its latest count",
			updates: []suite.Progress{
				{Stage: "finetune", Unit: "steps", Done: 1, Total: 9},
				{Stage: "finetune", Unit: "steps", Done: 2, Total: 9},
				{Stage: "eval", Unit: "cases", Done: 5, Total: 10},
			},
			finish: true,
			want: []string{
				"finetune: 1/9 steps",
				"finetune: 2/9 steps, 1.0 steps/s",
				"eval: 5/10 cases",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			r := NewPlain(&b, 2*time.Second)
			r.now = fakeClock(time.Second)
			for _, p := range tt.updates {
				r.Update(p)
			}
			if tt.finish {
				r.Finish()
			}
			out := b.String()
			assert.NotContains(t, out, "\r", "no redrawing")
			assert.NotContains(t, out, "\x1b", "no terminal escapes")
			assert.Equal(t, tt.want, strings.Split(strings.TrimSuffix(out, "\n"), "\n"))
		})
	}
}

func TestNewNotTerminal(t *testing.T) {
	var b bytes.Buffer
	assert.Nil(t, New(&b, true), "quiet shows nothing")
	r := New(&b, false)
	assert.Equal(t, DefaultInterval, r.interval, "a buffer is no terminal: plain lines")
	r.Update(suite.Progress{Stage: "s", Unit: "steps", Done: 1, Total: 2})
	r.Note("codec")
	r.Finish()
	assert.Equal(t, "s: 1/2 steps\ncodec\n", b.String())

	var none *Reporter
	none.Update(suite.Progress{Stage: "s"})
	none.Note("nothing")
	none.Finish()
}
