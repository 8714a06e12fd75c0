package demo

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/retrieval"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/report"
)

// WriteData prints the report's title and the job's data.
func WriteData(out io.Writer, j *Job) error {
	_, err := fmt.Fprintf(out, "SEMINAR demo: rerank a user's candidates on-device, through the WebAssembly module in wazero\n\n"+
		"data    %s\n        %s\n", j.DataNote, j.Spec.Task.Describe())
	return err
}

// WriteModel prints where the model came from and its sizes.
func WriteModel(out io.Writer, m *Model) error {
	cfg := m.Model.Config()
	if m.Cached {
		fmt.Fprintf(out, "model   loaded %s\n", m.Path)
		fmt.Fprintf(out, "        (trained earlier: %d ranking steps; --retrain trains again)\n", m.Meta.Report.Steps)
	} else {
		fmt.Fprintf(out, "model   trained in %.0f s (PSU pretraining, ranking finetune, codec), cached at %s\n", m.Seconds, m.Path)
	}
	_, err := fmt.Fprintf(out, "        d=%d, %d heads, K=%d; %d-bit PQ codec: %d codes, %d bytes per stored event\n",
		cfg.Dim, cfg.Heads, cfg.TopK, m.Codec.Bits(), m.Codec.CodesPerEvent(),
		retrieval.NewStore(m.Codec, retrieval.StoreOptions{}).BytesPerEvent())
	return err
}

// WriteModule prints what starting the module took.
func WriteModule(out io.Writer, w *Module) error {
	fmt.Fprintf(out, "module  %s: runtime ready in %s (compiled machine code cached in %s),\n", w.Name, fmtDur(w.Compile),
		w.CacheDir)
	_, err := fmt.Fprintf(out, "        instance up in %s, model loaded in %s\n\n", fmtDur(w.Instantiate), fmtDur(w.LoadModel))
	return err
}

// WriteRun prints the user, the two rankings and the timings.
func WriteRun(out io.Writer, j *Job, run *Run) error {
	task := j.Spec.Task
	d := task.Dataset
	cs, cands := run.Case, run.Candidates
	target := cs.Target.Item
	fmt.Fprintf(out, "user    %s: %d events; the history is all but the last (%s to %s)\n", d.Users[cs.User].ID,
		len(cs.History)+1, fmtDate(cs.History[0].Time), fmtDate(cs.History[len(cs.History)-1].Time))
	var recent []string
	for _, e := range slices.Backward(cs.History[max(0, len(cs.History)-4):]) {
		recent = append(recent, quoteTitle(d.Items[e.Item].Text, 32))
	}
	fmt.Fprintf(out, "        latest: %s\n", strings.Join(recent, ", "))
	fmt.Fprintf(out, "held out %s, %s\n", quoteTitle(d.Items[target].Text, 48), fmtDate(cs.Target.Time))
	if cs.Target.Kind == data.Search {
		fmt.Fprintf(out, "query   %q (%s)\n", cs.Target.Query, queryNote(d))
	}
	fmt.Fprintf(out, "candidates %d: the held-out item and %d sampled among those the user never interacted with\n\n",
		len(cands), len(cands)-1)

	pop := popularity(task.Train, len(d.Items))
	before := slices.Clone(cands)
	slices.SortStableFunc(before, func(a, b int32) int { return cmp.Compare(pop[b], pop[a]) })
	after := make([]int32, len(run.Reply.Order))
	for r, i := range run.Reply.Order {
		after[r] = cands[i]
	}
	if err := writeBeforeAfter(out, d, before, after, pop, run.Reply, cands, target); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nheld-out %s: #%d of %d by popularity → #%d by SEMINAR\n", quoteTitle(d.Items[target].Text, 48),
		slices.Index(before, target)+1, len(cands), slices.Index(after, target)+1)
	t := run.Reply.Timings
	fmt.Fprintf(out, "timings load %d events %s · rank %d candidates %s (first call), %s warm\n", len(cs.History),
		fmtDur(run.LoadEvents), len(cands), fmtDur(run.First), fmtDur(run.Warm))
	_, err := fmt.Fprintf(out, "        inside the module: tables %s · 4-bit scan %s · top-K + refine %s · ESU + MLP %s\n",
		fmtMicros(t.LUT), fmtMicros(t.Scan), fmtMicros(t.TopK), fmtMicros(t.ESU))
	return err
}

// WriteSummary prints the held-out items' ranks over the summarised users.
func WriteSummary(out io.Writer, s Summary) error {
	fmt.Fprintf(out, "\nthe first %d users, each ranking its own held-out item among %d candidates "+
		"(held-out item in the top 10 · its mean rank):\n", s.Users, s.Candidates)
	rows := [][]string{{"SEMINAR, wasm, without a query (a feed)", fmtShare(s.Hits[1]), report.Float(s.Ranks[1])},
		{"by popularity", fmtShare(s.Hits[2]), report.Float(s.Ranks[2])}}
	if s.SearchTargets {
		rows = slices.Insert(rows, 0, []string{"SEMINAR, wasm, with the query", fmtShare(s.Hits[0]), report.Float(s.Ranks[0])})
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(out, "        %-40s %5s · %5s\n", r[0], r[1], r[2]); err != nil {
			return err
		}
	}
	return nil
}

// writeBeforeAfter prints the two rankings side by side, the held-out item marked.
func writeBeforeAfter(w io.Writer, d *data.Dataset, before, after []int32, pop []int, reply host.RankReply, cands []int32, target int32) error {
	const titleWidth = 30
	score := make(map[int32]float32, len(cands))
	for i, it := range cands {
		score[it] = reply.Scores[i]
	}
	entry := func(r int, it int32, value string) []string {
		mark := ""
		if it == target {
			mark = "▶ "
		}
		return []string{mark + strconv.Itoa(r+1), clip(d.Items[it].Text, titleWidth), value}
	}
	rows := [][]string{{"#", "title", "events", "#", "title", "score"}}
	for r := range before {
		rows = append(rows, append(entry(r, before[r], strconv.Itoa(pop[before[r]])),
			entry(r, after[r], strconv.FormatFloat(float64(score[after[r]]), 'f', 3, 32))...))
	}
	return writeColumns(w, [2]string{"BEFORE: by popularity", "AFTER: SEMINAR, in the wasm module"}, rows,
		[]bool{true, false, true, true, false, true}, 3)
}

// writeColumns prints rows as aligned columns, two spaces apart and wider apart before column
// split, under a title for each side.
func writeColumns(w io.Writer, titles [2]string, rows [][]string, right []bool, split int) error {
	const indent, gap, wideGap = "  ", "  ", "      "
	widths := make([]int, len(right))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	left := 0
	for i := range split {
		left += widths[i] + len(gap)
	}
	var b strings.Builder
	b.WriteString(indent + titles[0] + strings.Repeat(" ", max(0, left-len(gap)-utf8.RuneCountInString(titles[0]))) +
		wideGap + titles[1] + "\n")
	for _, row := range rows {
		var line strings.Builder
		line.WriteString(indent)
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
			if i == split-1 {
				line.WriteString(wideGap)
			} else {
				line.WriteString(gap)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func queryNote(d *data.Dataset) string {
	if strings.Contains(d.Note, "synthesised") {
		return "MovieLens has no queries: each event's query is its movie's genres, as in the evaluation"
	}
	return "the held-out event's query"
}

func fmtShare(x float64) string { return strconv.FormatFloat(100*x, 'f', 0, 64) + "%" }

func quoteTitle(s string, width int) string { return "\"" + clip(s, width) + "\"" }

// clip shortens s to at most width runes, marking a cut with an ellipsis.
func clip(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:width-1])) + "…"
}

func fmtDate(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02") }

func fmtDur(d time.Duration) string { return report.Float(report.Millis(d)) + " ms" }

func fmtMicros(us float64) string { return report.Float(us/1e3) + " ms" }
