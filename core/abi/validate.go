package abi

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// The checks of this file are the ABI's rules for a message built in memory. Decoders apply
// them to every message they read, so a native caller that validates its messages (the CLI's
// native path, the host before it sends) rejects what the module rejects, with the same words.

// The error constructors below stay out of line: the module pays for every inlined copy of
// their string building, and they run only on a rejected message.

// overLimit is the error of a size n over its limit; unit names what n counts, with its space.
//
//go:noinline
func overLimit(n, limit int, unit string) error {
	return errors.New(strconv.Itoa(n) + unit + ", more than the limit of " + strconv.Itoa(limit))
}

// outOfRange is the error of an integer v outside 0…limit.
//
//go:noinline
func outOfRange(v int64, limit int) error {
	return unwanted(v, "0 to "+strconv.Itoa(limit))
}

// unwanted is the error of an integer v that is none of the values want lists.
//
//go:noinline
func unwanted(v int64, want string) error {
	return errors.New(strconv.FormatInt(v, 10) + ", want " + want)
}

// sources lists the values of a Source.
const sources = "0 (codes), 1 (int8) or 2 (coarse)"

func checkString(s string, limit int) error {
	if len(s) > limit {
		return overLimit(len(s), limit, " bytes")
	}
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	return nil
}

// Validate reports the first reason it is not a valid item: a string too long or not UTF-8,
// too many attributes or dense slots, a dense value that is NaN, infinite or beyond
// ±MaxDenseValue. The widths of the
// dense slots are the model's to check.
func (it *Item) Validate() error {
	if err := checkString(it.ID, MaxStringBytes); err != nil {
		return at("id", err)
	}
	if err := checkString(it.Text, MaxTextBytes); err != nil {
		return at("text", err)
	}
	if len(it.Attrs) > MaxAttrs {
		return at("attrs", overLimit(len(it.Attrs), MaxAttrs, " elements"))
	}
	for i, a := range it.Attrs {
		if err := checkString(a.Field, MaxStringBytes); err != nil {
			return at("attrs", atIndex(i, at("f", err)))
		}
		if err := checkString(a.Value, MaxStringBytes); err != nil {
			return at("attrs", atIndex(i, at("v", err)))
		}
	}
	if len(it.Dense) > MaxDenseSlots {
		return at("dense", overLimit(len(it.Dense), MaxDenseSlots, " elements"))
	}
	for k, x := range it.Dense {
		if len(x) > maxDenseDim {
			return at("dense", atIndex(k, overLimit(len(x), maxDenseDim, " elements")))
		}
		for i, v := range x {
			if !(v >= -MaxDenseValue && v <= MaxDenseValue) {
				return at("dense", atIndex(k, atIndex(i, errors.New("not a finite number within ±1e6"))))
			}
		}
	}
	return nil
}

// Validate reports the first reason ev is not a valid event: an unknown kind, a browse event
// with a query, or an invalid query or item. Time order is the history's to check.
func (ev *Event) Validate() error {
	if ev.Kind != Browse && ev.Kind != Search {
		return at("k", unwanted(int64(ev.Kind), "0 (browse) or 1 (search)"))
	}
	if ev.Kind == Browse && ev.Query != "" {
		return at("q", errors.New("a browse event (k 0) has no query; give k 1 for a search"))
	}
	if err := checkString(ev.Query, MaxStringBytes); err != nil {
		return at("q", err)
	}
	if err := ev.Item.Validate(); err != nil {
		return at("item", err)
	}
	return nil
}

// Validate reports the first reason o holds a value the ABI does not allow.
func (o *RankOptions) Validate() error {
	switch {
	case o.K < 0 || o.K > MaxTopK:
		return at("k", outOfRange(int64(o.K), MaxTopK))
	case o.Shortlist < 0 || o.Shortlist > MaxTopK:
		return at("shortlist", outOfRange(int64(o.Shortlist), MaxTopK))
	case o.Bits != BitsDefault && o.Bits != Bits4 && o.Bits != Bits8:
		return at("bits", unwanted(int64(o.Bits), "0 (the codec's), 4 or 8"))
	case o.Heads != MergedHeads && o.Heads != PerHead:
		return at("heads", unwanted(int64(o.Heads), "0 (merged) or 1 (per head)"))
	case o.Refine > SourceCoarse:
		return at("refine", unwanted(int64(o.Refine), sources))
	case o.ESU > SourceCoarse:
		return at("esu", unwanted(int64(o.ESU), sources))
	}
	for p, w := range o.Weights {
		if _, ok := partNamed(string(p)); !ok {
			return at("weights", errors.New("unknown part "+strconv.Quote(string(p))+
				", want query, id, text, attrs or dense"))
		}
		if w-w != 0 {
			return at("weights", at(string(p), errors.New("not a finite number")))
		}
	}
	return nil
}

// Validate reports the first reason req is not a valid rank request.
func (req *RankRequest) Validate() error {
	if err := checkString(req.Query, MaxStringBytes); err != nil {
		return at("query", err)
	}
	if len(req.Candidates) > MaxCandidates {
		return at("candidates", overLimit(len(req.Candidates), MaxCandidates, " elements"))
	}
	for i := range req.Candidates {
		if err := req.Candidates[i].Validate(); err != nil {
			return at("candidates", atIndex(i, err))
		}
	}
	if err := req.Options.Validate(); err != nil {
		return at("options", err)
	}
	return nil
}
