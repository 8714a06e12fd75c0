package abi

import (
	"slices"

	"github.com/seminar-ranker/seminar/core/msgp"
)

// The encoders write each message as its struct tags say (a field tagged omitempty is left out
// when it is zero), in the smallest encodings, map keys in field order and part weights in
// Parts order, so that equal messages give equal bytes.

// AppendItem writes an item.
func AppendItem(w *msgp.Writer, it *Item) {
	n := 1 + btoi(it.Text != "") + btoi(len(it.Attrs) > 0) + btoi(len(it.Dense) > 0)
	w.WriteMapHeader(n)
	w.WriteString("id")
	w.WriteString(it.ID)
	if it.Text != "" {
		w.WriteString("text")
		w.WriteString(it.Text)
	}
	if len(it.Attrs) > 0 {
		w.WriteString("attrs")
		w.WriteArrayHeader(len(it.Attrs))
		for _, a := range it.Attrs {
			w.WriteMapHeader(2)
			w.WriteString("f")
			w.WriteString(a.Field)
			w.WriteString("v")
			w.WriteString(a.Value)
		}
	}
	if len(it.Dense) > 0 {
		w.WriteString("dense")
		w.WriteArrayHeader(len(it.Dense))
		for _, x := range it.Dense {
			if x == nil {
				w.WriteNil()
				continue
			}
			w.WriteArrayHeader(len(x))
			for _, v := range x {
				w.WriteFloat32(v)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AppendEvent writes an event.
func AppendEvent(w *msgp.Writer, ev *Event) {
	w.WriteMapHeader(2 + btoi(ev.Kind != 0) + btoi(ev.Query != ""))
	w.WriteString("t")
	w.WriteInt(ev.Time)
	if ev.Kind != 0 {
		w.WriteString("k")
		w.WriteUint(uint64(ev.Kind))
	}
	if ev.Query != "" {
		w.WriteString("q")
		w.WriteString(ev.Query)
	}
	w.WriteString("item")
	AppendItem(w, &ev.Item)
}

// AppendEvents writes an array of events: the input of append_events.
func AppendEvents(w *msgp.Writer, events []Event) {
	w.WriteArrayHeader(len(events))
	for i := range events {
		AppendEvent(w, &events[i])
	}
}

// AppendLoadEvents writes the input of load_events.
func AppendLoadEvents(w *msgp.Writer, msg *LoadEvents) {
	o := msg.StoreOptions
	w.WriteMapHeader(1 + btoi(o.Exact) + btoi(o.Int8) + btoi(o.SkipFine))
	appendBool(w, "exact", o.Exact)
	appendBool(w, "int8", o.Int8)
	appendBool(w, "skip_fine", o.SkipFine)
	w.WriteString("events")
	AppendEvents(w, msg.Events)
}

func appendBool(w *msgp.Writer, k string, v bool) {
	if v {
		w.WriteString(k)
		w.WriteBool(true)
	}
}

func appendUint(w *msgp.Writer, k string, v uint64) {
	if v != 0 {
		w.WriteString(k)
		w.WriteUint(v)
	}
}

// AppendEventCount writes an EventCount.
func AppendEventCount(w *msgp.Writer, n int) {
	w.WriteMapHeader(1)
	w.WriteString("events")
	w.WriteInt(int64(n))
}

// AppendRankOptions writes rank options.
func AppendRankOptions(w *msgp.Writer, o *RankOptions) {
	w.WriteMapHeader(btoi(o.K != 0) + btoi(o.Shortlist != 0) + btoi(o.Exact) + btoi(o.Bits != 0) +
		btoi(o.Heads != 0) + btoi(o.Refine != 0) + btoi(o.ESU != 0) + btoi(len(o.Weights) > 0))
	appendUint(w, "k", uint64(o.K))
	appendUint(w, "shortlist", uint64(o.Shortlist))
	appendBool(w, "exact", o.Exact)
	appendUint(w, "bits", uint64(o.Bits))
	appendUint(w, "heads", uint64(o.Heads))
	appendUint(w, "refine", uint64(o.Refine))
	appendUint(w, "esu", uint64(o.ESU))
	if len(o.Weights) > 0 {
		w.WriteString("weights")
		w.WriteMapHeader(len(o.Weights))
		for _, p := range Parts {
			if v, ok := o.Weights[p]; ok {
				w.WriteString(string(p))
				w.WriteFloat32(v)
			}
		}
		// Unknown parts go last, in a stable order, for the module to reject by name.
		var rest []Part
		for p := range o.Weights {
			if _, ok := partNamed(string(p)); !ok {
				rest = append(rest, p)
			}
		}
		slices.Sort(rest)
		for _, p := range rest {
			w.WriteString(string(p))
			w.WriteFloat32(o.Weights[p])
		}
	}
}

func (o *RankOptions) isZero() bool {
	return o.K == 0 && o.Shortlist == 0 && !o.Exact && o.Bits == 0 && o.Heads == 0 && o.Refine == 0 &&
		o.ESU == 0 && len(o.Weights) == 0
}

// AppendRankRequest writes a rank request.
func AppendRankRequest(w *msgp.Writer, req *RankRequest) {
	opts := !req.Options.isZero()
	w.WriteMapHeader(1 + btoi(req.Query != "") + btoi(opts))
	if req.Query != "" {
		w.WriteString("query")
		w.WriteString(req.Query)
	}
	w.WriteString("candidates")
	w.WriteArrayHeader(len(req.Candidates))
	for i := range req.Candidates {
		AppendItem(w, &req.Candidates[i])
	}
	if opts {
		w.WriteString("options")
		AppendRankOptions(w, &req.Options)
	}
}

// AppendRankReply writes a rank reply. Scores are float32, timings float64.
func AppendRankReply(w *msgp.Writer, rep *RankReply) {
	w.WriteMapHeader(3 + btoi(rep.Exact) + btoi(rep.Bits != 0))
	w.WriteString("order")
	w.WriteArrayHeader(len(rep.Order))
	for _, i := range rep.Order {
		w.WriteInt(int64(i))
	}
	w.WriteString("scores")
	w.WriteArrayHeader(len(rep.Scores))
	for _, s := range rep.Scores {
		w.WriteFloat32(s)
	}
	appendBool(w, "exact", rep.Exact)
	appendUint(w, "bits", uint64(rep.Bits))
	t := &rep.Timings
	w.WriteString("timings")
	w.WriteMapHeader(5)
	for _, f := range [...]struct {
		k string
		v float64
	}{{"total_us", t.Total}, {"lut_us", t.LUT}, {"scan_us", t.Scan}, {"topk_us", t.TopK}, {"esu_us", t.ESU}} {
		w.WriteString(f.k)
		w.WriteFloat64(f.v)
	}
}

// AppendModelInfo writes a ModelInfo.
func AppendModelInfo(w *msgp.Writer, info *ModelInfo) {
	w.WriteMapHeader(4 + btoi(info.Bits != 0) + btoi(info.Codec != 0) + btoi(info.CodesPerEvent != 0) +
		btoi(info.BytesPerEvent != 0))
	w.WriteString("dim")
	w.WriteInt(int64(info.Dim))
	w.WriteString("heads")
	w.WriteInt(int64(info.Heads))
	w.WriteString("top_k")
	w.WriteInt(int64(info.TopK))
	w.WriteString("dense_dims")
	w.WriteArrayHeader(len(info.DenseDims))
	for _, d := range info.DenseDims {
		w.WriteInt(int64(d))
	}
	appendUint(w, "bits", uint64(info.Bits))
	appendUint(w, "codec", uint64(info.Codec))
	appendUint(w, "codes_per_event", uint64(info.CodesPerEvent))
	appendUint(w, "bytes_per_event", uint64(info.BytesPerEvent))
}
