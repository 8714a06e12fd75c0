package study

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/seminar-ranker/seminar/host/internal/timing"
	"github.com/seminar-ranker/seminar/host/report"
)

// Text renders the report as tables.
func (rep *Report) Text() string {
	var b strings.Builder
	section := func(title string) { b.WriteString("\n## " + title + "\n\n") }
	section("Setup")
	for _, s := range rep.Setup {
		fmt.Fprintf(&b, "- %s, %s model: %s; 4-bit codec %s; 8-bit codec %s. %s\n", s.Dataset, s.Kind, s.Model, s.Codec4,
			s.Codec8, s.Data)
	}
	fmt.Fprintf(&b, "- layouts, bytes and speed: generated data, %s model\n", rep.Primary)
	fmt.Fprintf(&b, "- machine: %s/%s, %d CPUs, %s; fastscan SIMD natively: %v", rep.Machine.GOOS, rep.Machine.GOARCH,
		rep.Machine.CPUs, rep.Machine.GoVersion, rep.Machine.FastScanSIMDNative)
	if rep.Machine.LoadStart != "" {
		fmt.Fprintf(&b, "; one-minute load average %s at the start, %s at the end", rep.Machine.LoadStart, rep.Machine.LoadEnd)
	}
	b.WriteString("\n")
	section("Bytes per stored event")
	rows := [][]string{{"store", "bytes/event", "serialized/event"}}
	for _, r := range rep.Bytes {
		rows = append(rows, []string{r.Store, fmt.Sprintf("%.2f", r.Bytes), fmt.Sprintf("%.2f", r.Measured)})
	}
	report.WriteTable(&b, rows)
	section("Recall of the approximate GSU against the exact float32 GSU")
	rows = [][]string{{"data", "model", "mean L", "definition", "variant", "K", "recall", "tie-aware", "targets"}}
	for _, r := range rep.Recall {
		tie := "–"
		if r.TieAware > 0 {
			tie = fmt.Sprintf("%.3f", r.TieAware)
		}
		k := fmt.Sprint(r.K)
		if r.K == 0 {
			k = "per head"
		}
		rows = append(rows, []string{r.Dataset, r.Model, fmt.Sprintf("%.0f", r.L), r.Definition, r.Variant, k,
			fmt.Sprintf("%.3f", r.Recall), tie, fmt.Sprint(r.Targets)})
	}
	report.WriteTable(&b, rows)
	if len(rep.Layouts) > 0 {
		section(fmt.Sprintf("Codec layouts: recall@100 (merged heads) at L = %d, %s model", studyLengths[0], rep.Primary))
		rows = [][]string{{"layout (group:sub-spaces)", "bytes/event", "4-bit", "+ int8 refine R=400", "query ×2: 4-bit", "+ int8 refine"}}
		for _, r := range rep.Layouts {
			w, wi := "–", "–"
			if r.Weighted > 0 {
				w, wi = fmt.Sprintf("%.3f", r.Weighted), fmt.Sprintf("%.3f", r.WeightedInt8)
			}
			rows = append(rows, []string{r.Layout, fmt.Sprint(r.Bytes), fmt.Sprintf("%.3f", r.Recall),
				fmt.Sprintf("%.3f", r.RecallInt8), w, wi})
		}
		report.WriteTable(&b, rows)
	}
	section("Ranking metrics with approximate against exact retrieval")
	rows = [][]string{{"data", "model", "retrieval", "cases", "HIT@10", "NDCG@10", "MRR", "NDCG@10 change", "top-10 agreement", "mean |Δ logit|"}}
	for _, r := range rep.Ranking {
		rows = append(rows, []string{r.Dataset, r.Model, r.Variant, fmt.Sprint(r.Cases), fmt.Sprintf("%.4f", r.HIT10),
			fmt.Sprintf("%.4f", r.NDCG10), fmt.Sprintf("%.4f", r.MRR), fmt.Sprintf("%+.2f%%", 100*r.DeltaRel),
			fmt.Sprintf("%.3f", r.Top10), fmt.Sprintf("%.5f", r.AbsLogitDiff)})
	}
	report.WriteTable(&b, rows)
	if len(rep.LongRanking) > 0 {
		section("Ranking at long histories")
		rows = [][]string{{"data", "model", "mean L", "users", "cases", "retrieval", "HIT@10", "NDCG@10", "MRR",
			"NDCG@10 change", "top-10 agreement", "events read"}}
		for _, r := range rep.LongRanking {
			rows = append(rows, []string{r.Dataset, r.Model, fmt.Sprintf("%.0f", r.L), fmt.Sprint(r.Users),
				fmt.Sprint(r.Cases), r.Variant, fmt.Sprintf("%.4f", r.HIT10), fmt.Sprintf("%.4f", r.NDCG10),
				fmt.Sprintf("%.4f", r.MRR), fmt.Sprintf("%+.2f%%", 100*r.DeltaRel), fmt.Sprintf("%.3f", r.Top10),
				fmt.Sprintf("%.1f", r.EventsRead)})
		}
		report.WriteTable(&b, rows)
		fmt.Fprintf(&b, "\nevents read: mean events the ESU attended over per candidate; ranking at long histories took %.0f s\n",
			rep.LongRankingSeconds)
	}
	section(fmt.Sprintf("GSU speed per target (one run; variants interleaved, lowest mean of %d batches)", timing.Rounds))
	rows = [][]string{{"where", "L", "GSU", "µs", "vs exact merged", "vs exact per head"}}
	for _, r := range rep.Speed {
		rows = append(rows, []string{r.Where, fmt.Sprint(r.L), r.Variant, fmt.Sprintf("%.1f", r.Micros),
			fmt.Sprintf("%.2f×", r.VsExactMerged), fmt.Sprintf("%.2f×", r.VsExactPerHead)})
	}
	report.WriteTable(&b, rows)
	if len(rep.Kernels) > 0 {
		section("4-bit scan kernel against the reference, inside wasm (wazero compiler)")
		rows = [][]string{{"L", "m", "kernel", "µs", "G lookups/s", "vs reference", "sums correct"}}
		for _, r := range rep.Kernels {
			rows = append(rows, []string{fmt.Sprint(r.L), fmt.Sprint(r.M), r.Kernel, fmt.Sprintf("%.1f", r.Micros),
				fmt.Sprintf("%.2f", r.GLookups), fmt.Sprintf("%.2f×", r.VsReference), fmt.Sprint(r.MatchesNaive)})
		}
		report.WriteTable(&b, rows)
	}
	section("Targets")
	rows = [][]string{{"target", "measured", ""}}
	for _, t := range rep.Targets {
		verdict := "missed"
		if t.Met {
			verdict = "met"
		}
		rows = append(rows, []string{t.Target, t.Measured, verdict})
	}
	report.WriteTable(&b, rows)
	fmt.Fprintf(&b, "\nstudy took %.0f s\n", rep.Seconds)
	return b.String()
}

// The lines that enclose the region of a Markdown file that WriteMarkdownRegion rewrites.
const (
	MarkdownBegin = "<!-- seminar study: begin -->"
	MarkdownEnd   = "<!-- seminar study: end -->"
)

// Markdown renders the report for a Markdown page: how it was made, then the tables as text.
func (rep *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Written by `%s`, run from the repository root with %s in %.0f s.\n\n", rep.Command,
		rep.Machine.GoVersion, rep.Seconds)
	b.WriteString("```text" + rep.Text() + "```\n")
	return b.String()
}

// WriteMarkdownRegion replaces the region of the Markdown file at path between its marker lines
// with content.
func WriteMarkdownRegion(path, content string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := replaceMarkdownRegion(string(b), content)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(doc), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// replaceMarkdownRegion returns doc with the lines between its lines MarkdownBegin and
// MarkdownEnd, each of which it must hold once and in that order, replaced by content.
func replaceMarkdownRegion(doc, content string) (string, error) {
	lines := strings.SplitAfter(doc, "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case MarkdownBegin:
			if begin >= 0 {
				return "", errors.New("the line " + MarkdownBegin + " appears twice")
			}
			begin = i
		case MarkdownEnd:
			if end >= 0 {
				return "", errors.New("the line " + MarkdownEnd + " appears twice")
			}
			end = i
		}
	}
	if begin < 0 || end < begin {
		return "", errors.New("no region between the lines " + MarkdownBegin + " and " + MarkdownEnd)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return strings.Join(lines[:begin+1], "") + content + strings.Join(lines[end:], ""), nil
}
