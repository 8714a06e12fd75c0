package abi

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// The checks of this file are the ABI's rules for a message built in memory. Decoders apply
// them to every message they read, so a native caller that validates its messages (the CLI's
// native path, the host before it sends) rejects what the module rejects, with the same words.

func checkString(s string, limit int) error {
	if len(s) > limit {
		return errors.New(strconv.Itoa(len(s)) + " bytes, more than the limit of " + strconv.Itoa(limit))
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
		return at("attrs", errors.New(strconv.Itoa(len(it.Attrs))+" elements, more than the limit of "+
			strconv.Itoa(MaxAttrs)))
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
		return at("dense", errors.New(strconv.Itoa(len(it.Dense))+" elements, more than the limit of "+
			strconv.Itoa(MaxDenseSlots)))
	}
	for k, x := range it.Dense {
		if len(x) > maxDenseDim {
			return at("dense", atIndex(k, errors.New(strconv.Itoa(len(x))+" elements, more than the limit of "+
				strconv.Itoa(maxDenseDim))))
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
		return at("k", errors.New(strconv.Itoa(int(ev.Kind))+", want 0 (browse) or 1 (search)"))
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
		return at("k", errors.New(strconv.Itoa(o.K)+", want 0 to "+strconv.Itoa(MaxTopK)))
	case o.Shortlist < 0 || o.Shortlist > MaxTopK:
		return at("shortlist", errors.New(strconv.Itoa(o.Shortlist)+", want 0 to "+strconv.Itoa(MaxTopK)))
	case o.Bits != BitsDefault && o.Bits != Bits4 && o.Bits != Bits8:
		return at("bits", errors.New(strconv.Itoa(int(o.Bits))+", want 0 (the codec's), 4 or 8"))
	case o.Heads != MergedHeads && o.Heads != PerHead:
		return at("heads", errors.New(strconv.Itoa(int(o.Heads))+", want 0 (merged) or 1 (per head)"))
	case o.Refine > SourceCoarse:
		return at("refine", errors.New(strconv.Itoa(int(o.Refine))+", want 0 (codes), 1 (int8) or 2 (coarse)"))
	case o.ESU > SourceCoarse:
		return at("esu", errors.New(strconv.Itoa(int(o.ESU))+", want 0 (codes), 1 (int8) or 2 (coarse)"))
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
		return at("candidates", errors.New(strconv.Itoa(len(req.Candidates))+
			" elements, more than the limit of "+strconv.Itoa(MaxCandidates)))
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
