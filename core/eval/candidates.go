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
