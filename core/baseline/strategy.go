package baseline

import (
	"errors"
	"fmt"

	"github.com/seminar-ranker/seminar/core/model"
)

// Kind names a retrieval rule.
type Kind string

// The retrieval rules; see the package documentation.
const (
	GSU      Kind = "gsu"
	LastN    Kind = "last-n"
	SameAttr Kind = "same-attr"
	SimHash  Kind = "simhash"
)

// MaxSimHashBits is the widest SimHash signature: one uint64.
const MaxSimHashBits = 64

// Strategy is a retrieval rule and its settings. It is what a trained model's file records, so
// that evaluation retrieves as training did.
type Strategy struct {
	Kind Kind `json:"kind"`
	// K is how many events LastN, SameAttr and SimHash keep; GSU keeps the model's TopK per head.
	K int `json:"k,omitempty"`
	// Field is the attribute field SameAttr matches (such as "genre"); empty matches any
	// field=value pair.
	Field string `json:"field,omitempty"`
	// Bits and Seed fix SimHash's random hyperplanes.
	Bits int    `json:"bits,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
	// TieESU makes GSU search with the ESU's attention (TWIN): the GSU weights are a copy of the
	// ESU's query and key maps, refreshed whenever those change (see Tie).
	TieESU bool `json:"tie_esu,omitempty"`
}

// Validate reports whether s is a usable rule.
func (s Strategy) Validate() error {
	switch s.Kind {
	case GSU:
		if s.K != 0 || s.Field != "" || s.Bits != 0 {
			return errors.New("baseline: gsu takes its K from the model and has no field or bits")
		}
		return nil
	case LastN, SameAttr, SimHash:
		if s.K <= 0 || s.K > model.MaxTopK {
			return fmt.Errorf("baseline: %s needs 0 < K ≤ %d, got %d", s.Kind, model.MaxTopK, s.K)
		}
	default:
		return fmt.Errorf("baseline: unknown retrieval kind %q", s.Kind)
	}
	if s.TieESU {
		return fmt.Errorf("baseline: tie_esu applies to gsu only, not %s", s.Kind)
	}
	if s.Kind == SimHash {
		if s.Bits <= 0 || s.Bits > MaxSimHashBits {
			return fmt.Errorf("baseline: simhash needs 0 < bits ≤ %d, got %d", MaxSimHashBits, s.Bits)
		}
	} else if s.Bits != 0 {
		return fmt.Errorf("baseline: bits apply to simhash only, not %s", s.Kind)
	}
	if s.Kind != SameAttr && s.Field != "" {
		return fmt.Errorf("baseline: field applies to same-attr only, not %s", s.Kind)
	}
	return nil
}

// String is a short human-readable form such as "simhash(k=64, bits=64)".
func (s Strategy) String() string {
	switch s.Kind {
	case GSU:
		if s.TieESU {
			return "gsu(tied to esu)"
		}
		return "gsu"
	case SameAttr:
		if s.Field != "" {
			return fmt.Sprintf("same-attr(k=%d, field=%s)", s.K, s.Field)
		}
		return fmt.Sprintf("same-attr(k=%d)", s.K)
	case SimHash:
		return fmt.Sprintf("simhash(k=%d, bits=%d)", s.K, s.Bits)
	default:
		return fmt.Sprintf("%s(k=%d)", s.Kind, s.K)
	}
}

// Tie copies the ESU's query and key maps into the GSU's, so that the model's own GSU (and so
// core/model.Scorer) searches with the ESU's attention: TWIN's consistency-preserving GSU.
func Tie(m *model.Model) {
	copy(m.Params.GSUQ, m.Params.ESUQ)
	copy(m.Params.GSUK, m.Params.ESUK)
}
