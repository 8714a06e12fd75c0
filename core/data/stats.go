package data

import "slices"

// Stats summarises a dataset: its size, the mix of event kinds, how many items carry each
// modality and how long the users' sequences are.
type Stats struct {
	Name     string     `json:"name"`
	Note     string     `json:"note,omitempty"`
	Users    int        `json:"users"`
	Items    int        `json:"items"`
	Events   int        `json:"events"`
	Search   int        `json:"search"`
	Browse   int        `json:"browse"`
	Coverage []Coverage `json:"coverage"`
	Length   Lengths    `json:"sequence_length"`
}

// Coverage is how many items carry one modality: "id", "text", "attrs", or "dense:" followed by
// a dense slot's name.
type Coverage struct {
	Modality string  `json:"modality"`
	Items    int     `json:"items"`
	Fraction float64 `json:"fraction"` // Items over all items; 0 for an empty catalogue
}

// Lengths describes the distribution of events per user. Quantiles use the nearest-rank rule:
// the p-quantile of n sorted lengths is the one at rank ceil(p·n). All are 0 without users.
type Lengths struct {
	Min  int     `json:"min"`
	P50  int     `json:"p50"`
	P90  int     `json:"p90"`
	P99  int     `json:"p99"`
	Max  int     `json:"max"`
	Mean float64 `json:"mean"`
}

// Describe computes d's statistics. It does not validate d; event kinds other than Search count
// as neither search nor browse.
func Describe(d *Dataset) Stats {
	s := Stats{Name: d.Name, Note: d.Note, Users: len(d.Users), Items: len(d.Items)}
	s.Coverage = describeCoverage(d)
	lengths := make([]int, len(d.Users))
	for u := range d.Users {
		events := d.Users[u].Events
		lengths[u] = len(events)
		s.Events += len(events)
		for e := range events {
			switch events[e].Kind {
			case Search:
				s.Search++
			case Browse:
				s.Browse++
			}
		}
	}
	s.Length = describeLengths(lengths)
	return s
}

func describeCoverage(d *Dataset) []Coverage {
	cov := make([]Coverage, 3+len(d.DenseNames))
	cov[0].Modality, cov[1].Modality, cov[2].Modality = "id", "text", "attrs"
	for k, name := range d.DenseNames {
		cov[3+k].Modality = "dense:" + name
	}
	for i := range d.Items {
		it := &d.Items[i]
		if it.ID != "" {
			cov[0].Items++
		}
		if it.Text != "" {
			cov[1].Items++
		}
		if len(it.Attrs) > 0 {
			cov[2].Items++
		}
		for k, v := range it.Dense {
			if k < len(d.DenseNames) && v != nil {
				cov[3+k].Items++
			}
		}
	}
	if len(d.Items) > 0 {
		for c := range cov {
			cov[c].Fraction = float64(cov[c].Items) / float64(len(d.Items))
		}
	}
	return cov
}

func describeLengths(lengths []int) Lengths {
	n := len(lengths)
	if n == 0 {
		return Lengths{}
	}
	slices.Sort(lengths)
	total := 0
	for _, l := range lengths {
		total += l
	}
	return Lengths{
		Min:  lengths[0],
		P50:  lengths[nearestRank(n, 50)],
		P90:  lengths[nearestRank(n, 90)],
		P99:  lengths[nearestRank(n, 99)],
		Max:  lengths[n-1],
		Mean: float64(total) / float64(n),
	}
}

// nearestRank is the 0-based index of the percent-quantile of n sorted values: ceil(percent·n/100)−1.
func nearestRank(n, percent int) int {
	r := (percent*n + 99) / 100
	return max(r-1, 0)
}
