package abi_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// FuzzDecode feeds arbitrary bytes to every decoder. Each returns an error or a message that
// passes its own validation and that the abi encoder writes back to bytes the decoder reads as
// the same message; none panics.
func FuzzDecode(f *testing.F) {
	req := filled[abi.RankRequest](1)
	f.Add(encoded(func(w *msgp.Writer) { abi.AppendRankRequest(w, &req) }))
	evs := filled[abi.LoadEvents](2)
	f.Add(encoded(func(w *msgp.Writer) { abi.AppendLoadEvents(w, &evs) }))
	f.Add(encoded(func(w *msgp.Writer) { abi.AppendEvents(w, evs.Events) }))
	rep := filled[abi.RankReply](3)
	f.Add(encoded(func(w *msgp.Writer) { abi.AppendRankReply(w, &rep) }))
	info := filled[abi.ModelInfo](4)
	f.Add(encoded(func(w *msgp.Writer) { abi.AppendModelInfo(w, &info) }))
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := abi.Decoder{}
		var req abi.RankRequest
		if dec.RankRequest(b, &req) == nil {
			require.NoError(t, req.Validate())
			again := encoded(func(w *msgp.Writer) { abi.AppendRankRequest(w, &req) })
			var back abi.RankRequest
			require.NoError(t, dec.RankRequest(again, &back))
			require.Equal(t, normalize(req), normalize(back))
		}
		if _, evs, err := dec.LoadEvents(b); err == nil {
			var ev abi.Event
			_ = evs.Each(&ev, func(int, *abi.Event) error { return ev.Validate() })
		}
		if evs, err := dec.AppendEvents(b); err == nil {
			var ev abi.Event
			_ = evs.Each(&ev, func(int, *abi.Event) error { return nil })
		}
		var rep abi.RankReply
		if dec.RankReply(b, &rep) == nil {
			var viaReflection abi.RankReply
			require.NoError(t, msgpack.Unmarshal(b, &viaReflection))
		}
		var info abi.ModelInfo
		_ = dec.ModelInfo(b, &info)
		_, _ = dec.EventCount(b)
	})
}

// normalize makes empty and nil slices and maps compare equal: the encoder leaves both out.
func normalize(r abi.RankRequest) abi.RankRequest {
	if len(r.Options.Weights) == 0 {
		r.Options.Weights = nil
	}
	if len(r.Candidates) == 0 {
		r.Candidates = nil
	}
	for i := range r.Candidates {
		it := &r.Candidates[i]
		if len(it.Attrs) == 0 {
			it.Attrs = nil
		}
		if len(it.Dense) == 0 {
			it.Dense = nil
		}
	}
	return r
}
