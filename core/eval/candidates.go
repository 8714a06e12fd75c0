package eval

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/seminar-ranker/seminar/core/data"
)

// Candidates are the items each case of a split ranks: its positive and its sampled negatives.
type Candidates struct {
	Dataset   string      `json:"dataset"`
	Split     string      `json:"split"`
	Seed      uint64      `json:"seed"`
	Negatives int         `json:"negatives"`
	Cases     []CaseItems `json:"cases"`
}

// CaseItems are the candidates of one case.
type CaseItems struct {
	User      int32   `json:"user"`
	Positive  int32   `json:"positive"`
	Negatives []int32 `json:"negatives"`
}

// SampleCandidates draws, for each case, n distinct items that its user never interacted with
// (in any event of the dataset). Case i draws from its own PCG stream keyed by seed and i, so
// the result depends only on the dataset, the cases, n and seed.
func SampleCandidates(d *data.Dataset, split string, cases []Case, n int, seed uint64) (*Candidates, error) {
	if n <= 0 {
		return nil, fmt.Errorf("eval: %d negatives", n)
	}
	c := &Candidates{Dataset: d.Name, Split: split, Seed: seed, Negatives: n, Cases: make([]CaseItems, len(cases))}
	seen := make(map[int32]bool)
	for i, cs := range cases {
		if cs.User < 0 || int(cs.User) >= len(d.Users) {
			return nil, fmt.Errorf("eval: case %d: user %d of %d", i, cs.User, len(d.Users))
		}
		clear(seen)
		for _, e := range d.Users[cs.User].Events {
			seen[e.Item] = true
		}
		seen[cs.Target.Item] = true
		if len(d.Items)-len(seen) < n {
			return nil, fmt.Errorf("eval: case %d: user %s leaves %d unseen items, fewer than %d negatives",
				i, d.Users[cs.User].ID, len(d.Items)-len(seen), n)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		negs := make([]int32, 0, n)
		for len(negs) < n {
			it := rng.Int32N(int32(len(d.Items)))
			if !seen[it] {
				seen[it] = true
				negs = append(negs, it)
			}
		}
		c.Cases[i] = CaseItems{User: cs.User, Positive: cs.Target.Item, Negatives: negs}
	}
	return c, nil
}

// Check reports whether c are candidates for these cases of dataset d: same count, users and
// positives, negatives within the catalogue, none equal to the positive.
func (c *Candidates) Check(d *data.Dataset, cases []Case) error {
	if c.Dataset != d.Name {
		return fmt.Errorf("eval: candidates of dataset %q, not %q", c.Dataset, d.Name)
	}
	if len(c.Cases) != len(cases) {
		return fmt.Errorf("eval: %d candidate sets for %d cases", len(c.Cases), len(cases))
	}
	for i, ci := range c.Cases {
		if ci.User != cases[i].User || ci.Positive != cases[i].Target.Item {
			return fmt.Errorf("eval: candidate set %d is for user %d item %d, the case is user %d item %d",
				i, ci.User, ci.Positive, cases[i].User, cases[i].Target.Item)
		}
		if len(ci.Negatives) != c.Negatives {
			return fmt.Errorf("eval: candidate set %d has %d negatives, want %d", i, len(ci.Negatives), c.Negatives)
		}
		for _, it := range ci.Negatives {
			if it < 0 || int(it) >= len(d.Items) || it == ci.Positive {
				return fmt.Errorf("eval: candidate set %d: bad negative %d", i, it)
			}
		}
	}
	return nil
}

// SaveCandidates writes c as gzip-compressed JSON and returns the SHA-256 of the uncompressed
// JSON, which identifies the candidate set in reports.
func SaveCandidates(w io.Writer, c *Candidates) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("eval: encode candidates: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return "", fmt.Errorf("eval: write candidates: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("eval: write candidates: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// LoadCandidates reads candidates SaveCandidates wrote, and their SHA-256.
func LoadCandidates(r io.Reader) (*Candidates, string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, "", fmt.Errorf("eval: read candidates: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, "", fmt.Errorf("eval: read candidates: %w", err)
	}
	var c Candidates
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, "", fmt.Errorf("eval: decode candidates: %w", err)
	}
	sum := sha256.Sum256(b)
	return &c, hex.EncodeToString(sum[:]), nil
}

// FixedLists are the candidate lists of a split, as "seminar data import" writes them.
type FixedLists struct {
	Dataset string           `json:"dataset"`
	Split   string           `json:"split"`
	Cases   []data.FixedList `json:"cases"`
}

// FixedCandidates turns given candidate lists into the candidates of the cases they name and
// returns those cases (in the order of cases): a case whose user has no list is left out. Every
// list is checked, and an error names its case: the user must have a case whose positive is the
// list's, every negative must be a known item listed once, not the positive, and, unless
// allowHistory, not an item of the case's history. Every list must have as many negatives as the
// first, so that the metrics of all cases mean the same.
func FixedCandidates(d *data.Dataset, fl *FixedLists, cases []Case, allowHistory bool) (*Candidates, []Case, error) {
	if fl.Dataset != "" && fl.Dataset != d.Name {
		return nil, nil, fmt.Errorf("eval: candidate lists of dataset %q, not %q", fl.Dataset, d.Name)
	}
	itemIx := make(map[string]int32, len(d.Items))
	for i, it := range d.Items {
		itemIx[it.ID] = int32(i)
	}
	caseOf := make(map[string]int, len(cases))
	for i, c := range cases {
		caseOf[d.Users[c.User].ID] = i
	}
	lists := make(map[int]data.FixedList, len(fl.Cases))
	for k, l := range fl.Cases {
		i, ok := caseOf[l.User]
		if !ok {
			return nil, nil, fmt.Errorf("eval: list %d (user %q): the user has no %s case", k, l.User, fl.Split)
		}
		if _, dup := lists[i]; dup {
			return nil, nil, fmt.Errorf("eval: list %d (user %q): a second list for the user", k, l.User)
		}
		lists[i] = l
	}
	c := &Candidates{Dataset: d.Name, Split: fl.Split, Negatives: -1}
	var kept []Case
	seen := make(map[int32]bool)
	for i, cs := range cases {
		l, ok := lists[i]
		if !ok {
			continue
		}
		name := fmt.Sprintf("case of user %q (positive %q)", l.User, d.Items[cs.Target.Item].ID)
		if l.Positive != "" && l.Positive != d.Items[cs.Target.Item].ID {
			return nil, nil, fmt.Errorf("eval: %s: the list's positive is %q", name, l.Positive)
		}
		if c.Negatives < 0 {
			c.Negatives = len(l.Negatives)
		}
		if len(l.Negatives) == 0 || len(l.Negatives) != c.Negatives {
			return nil, nil, fmt.Errorf("eval: %s: %d negatives, the first list has %d", name, len(l.Negatives), c.Negatives)
		}
		clear(seen)
		var history map[int32]bool
		if !allowHistory {
			history = make(map[int32]bool, len(cs.History))
			for _, e := range cs.History {
				history[e.Item] = true
			}
		}
		negs := make([]int32, len(l.Negatives))
		for k, id := range l.Negatives {
			it, ok := itemIx[id]
			switch {
			case !ok:
				return nil, nil, fmt.Errorf("eval: %s: negative %q is not an item of the dataset", name, id)
			case it == cs.Target.Item:
				return nil, nil, fmt.Errorf("eval: %s: negative %q is the positive", name, id)
			case seen[it]:
				return nil, nil, fmt.Errorf("eval: %s: negative %q is listed twice", name, id)
			case history[it]:
				return nil, nil, fmt.Errorf("eval: %s: negative %q is in the user's history (allow it explicitly "+
					"if that is intended)", name, id)
			}
			seen[it] = true
			negs[k] = it
		}
		c.Cases = append(c.Cases, CaseItems{User: cs.User, Positive: cs.Target.Item, Negatives: negs})
		kept = append(kept, cs)
	}
	if len(kept) == 0 {
		return nil, nil, fmt.Errorf("eval: no candidate lists for the %s cases", fl.Split)
	}
	return c, kept, nil
}

// ReadFixedLists reads candidate lists in the JSON form FixedLists has.
func ReadFixedLists(r io.Reader) (*FixedLists, error) {
	var fl FixedLists
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fl); err != nil {
		return nil, fmt.Errorf("eval: candidate lists: %w", err)
	}
	return &fl, nil
}
