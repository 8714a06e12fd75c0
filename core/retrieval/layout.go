package retrieval

import (
	"errors"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/pq"
)

// Group is a set of model parts that one codebook quantizes as their sum: bit p stands for
// model.Part p. A codec's codebook parts are groups, named by their parts joined with '+'
// ("query", "id+text+attrs+dense"), so stored codebooks say by themselves what they encode.
type Group uint8

// GroupSpec is one group of a layout and the number of sub-spaces (codes per event) of its
// codebook.
type GroupSpec struct {
	Group     Group
	Subspaces int
}

// Layouts by name. LayoutTwoStage, the default, is the coarse stage of the two-stage codec
// (TrainOptions.Fine = DefaultFine): the event vector s with 32 sub-spaces of 2 dimensions and
// the query part with 4, 36 codes (18 bytes) that the fast scan reads, while a 16-byte fine
// code of the residual serves the refine step and the ESU. LayoutCompact quantizes s with one
// sub-space per dimension (groups without a count get the caller's, normally d) plus the query
// part: the most accurate codes per byte without fine codes, at twice the scan's work. In both,
// the query codebook lets a request weigh the query apart from the item. LayoutQueryItem gives
// the query and the item (whose parts the model weighs with fixed gates) a codebook each.
// LayoutParts gives every part its own codebook, the paper's multi-modal codebook: every
// modality can be weighed per request.
const (
	LayoutTwoStage  = "query+id+text+attrs+dense:32,query:4"
	LayoutCompact   = "query+id+text+attrs+dense,query:4"
	LayoutQueryItem = "query,id+text+attrs+dense"
	LayoutParts     = "query,id,text,attrs,dense"
)

// DefaultFine is the number of sub-spaces of the default codec's 8-bit fine codebook: 16 bytes
// per event.
const DefaultFine = 16

// ParseGroup reads a group name: part names (model.Part.String) joined with '+', each at most
// once.
func ParseGroup(name string) (Group, error) {
	if name == "" {
		return 0, errors.New("retrieval: empty part group")
	}
	var g Group
	for part := range strings.SplitSeq(name, "+") {
		p, ok := partByName(part)
		if !ok {
			return 0, errors.New("retrieval: part group " + name + ": unknown part " + strconv.Quote(part))
		}
		if g.Has(p) {
			return 0, errors.New("retrieval: part group " + name + ": part " + part + " repeats")
		}
		g |= 1 << p
	}
	return g, nil
}

// ParseLayout reads a comma-separated list of distinct groups, each optionally followed by
// ':' and its number of sub-spaces; groups without one get subspaces.
func ParseLayout(layout string, subspaces int) ([]GroupSpec, error) {
	var specs []GroupSpec
	for item := range strings.SplitSeq(layout, ",") {
		name, m, hasM := strings.Cut(item, ":")
		spec := GroupSpec{Subspaces: subspaces}
		if hasM {
			n, err := strconv.Atoi(m)
			if err != nil {
				return nil, errors.New("retrieval: layout " + layout + ": bad sub-space count " + strconv.Quote(m))
			}
			spec.Subspaces = n
		}
		g, err := ParseGroup(name)
		if err != nil {
			return nil, err
		}
		spec.Group = g
		for _, prev := range specs {
			if prev.Group == g {
				return nil, errors.New("retrieval: layout " + layout + ": group " + name + " repeats")
			}
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// Has reports whether p is in the group.
func (g Group) Has(p model.Part) bool { return p >= 0 && p < model.NumParts && g&(1<<p) != 0 }

// String is the group's name: its parts in model.Part order, joined with '+'.
func (g Group) String() string {
	var b strings.Builder
	for p := range model.Part(model.NumParts) {
		if g.Has(p) {
			if b.Len() > 0 {
				b.WriteByte('+')
			}
			b.WriteString(p.String())
		}
	}
	return b.String()
}

func partByName(name string) (model.Part, bool) {
	for p := range model.Part(model.NumParts) {
		if p.String() == name {
			return p, true
		}
	}
	return 0, false
}

// sumGroup writes the sum of the group's parts (rows of parts, NumParts×d) to dst.
func sumGroup(dst, parts []float32, g Group) {
	d := len(dst)
	clear(dst)
	for p := range model.Part(model.NumParts) {
		if g.Has(p) {
			row := parts[int(p)*d : int(p+1)*d]
			for i, x := range row {
				dst[i] += x
			}
		}
	}
}

// GroupWeights writes to dst (one weight per group) the group weights w_g under which the
// weighted group vectors add up to the parts weighted by partWeights (one per model part):
// Σ_g w_g Σ_{p∈g} u_p = Σ_p partWeights[p] u_p for the parts some group holds. Parts no group
// holds are not in the codes, and their weights are ignored. It fails when the groups cannot
// weigh the parts apart, such as different weights for two parts of one group only.
// It allocates nothing.
func (c *Codec) GroupWeights(dst, partWeights []float32) error {
	ng := len(c.groups)
	if len(dst) != ng || len(partWeights) != model.NumParts {
		return errors.New("retrieval: group weights: got " + strconv.Itoa(len(dst)) + " groups and " +
			strconv.Itoa(len(partWeights)) + " part weights, want " + strconv.Itoa(ng) + " and " +
			strconv.Itoa(model.NumParts))
	}
	// Solve A w = b by Gaussian elimination, A[p][g] = 1 when group g holds part p, over the
	// parts some group holds; free unknowns are 0.
	var a [model.NumParts][pq.MaxParts + 1]float64
	rows := 0
	for p := range model.Part(model.NumParts) {
		covered := false
		for g, grp := range c.groups {
			if grp.Has(p) {
				a[rows][g], covered = 1, true
			}
		}
		if covered {
			a[rows][ng] = float64(partWeights[p])
			rows++
		}
	}
	var pivots [model.NumParts]int
	rank := 0
	for col := 0; col < ng && rank < rows; col++ {
		best := rank
		for r := rank + 1; r < rows; r++ {
			if abs64(a[r][col]) > abs64(a[best][col]) {
				best = r
			}
		}
		if abs64(a[best][col]) < 1e-9 {
			continue
		}
		a[rank], a[best] = a[best], a[rank]
		for r := range rows {
			if r != rank && a[r][col] != 0 {
				f := a[r][col] / a[rank][col]
				for k := col; k <= ng; k++ {
					a[r][k] -= f * a[rank][k]
				}
			}
		}
		pivots[rank] = col
		rank++
	}
	for r := rank; r < rows; r++ {
		if abs64(a[r][ng]) > 1e-6 {
			return errors.New("retrieval: the codec's groups " + c.layoutName() + " cannot weigh these parts apart")
		}
	}
	clear(dst)
	for r := range rank {
		dst[pivots[r]] = float32(a[r][ng] / a[r][pivots[r]])
	}
	return nil
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// layoutName lists the codec's groups, comma-separated.
func (c *Codec) layoutName() string {
	var b strings.Builder
	for i, g := range c.groups {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(g.String())
	}
	return b.String()
}

// TwoStageOptions are the training options of the default codec for m at any width: the groups
// of LayoutCompact (without the dense part when m has no dense slots, where it is always zero)
// with d/2 sub-spaces, 4-bit codes, and a fine codebook of d/4 sub-spaces (DefaultFine at
// d = 64), k-means seeded with seed.
func TwoStageOptions(m *model.Model, seed uint64) (TrainOptions, error) {
	layout := LayoutCompact
	if len(m.Config().DenseDims) == 0 {
		layout = WithoutDense(layout)
	}
	specs, err := ParseLayout(layout, max(1, m.Dim()/2))
	if err != nil {
		return TrainOptions{}, err
	}
	return TrainOptions{Layout: specs, Bits: 4, Fine: max(1, m.Dim()/4), KMeans: pq.KMeansOptions{Seed: seed}}, nil
}

// WithoutDense drops the dense part from a layout's groups, and groups left empty: the layout
// for a model without dense slots, whose dense part is always zero.
func WithoutDense(layout string) string {
	var groups []string
	for g := range strings.SplitSeq(layout, ",") {
		name, count, hasCount := strings.Cut(g, ":")
		var parts []string
		for p := range strings.SplitSeq(name, "+") {
			if p != model.PartDense.String() {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			continue
		}
		g = strings.Join(parts, "+")
		if hasCount {
			g += ":" + count
		}
		groups = append(groups, g)
	}
	return strings.Join(groups, ",")
}
