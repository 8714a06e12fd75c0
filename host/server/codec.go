package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// format is a body encoding.
type format int

const (
	formatJSON format = iota
	formatMsgpack
)

func isMsgpack(mediaType string) bool {
	switch mediaType {
	case "application/msgpack", "application/x-msgpack", "application/vnd.msgpack":
		return true
	}
	return false
}

// requestFormat reads Content-Type: JSON when absent, so that `curl -d` works unadorned.
func requestFormat(r *http.Request) (format, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return formatJSON, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return 0, problem(http.StatusUnsupportedMediaType, "media-type", "Unsupported media type", "Content-Type: "+err.Error())
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return formatJSON, nil
	case isMsgpack(mt):
		return formatMsgpack, nil
	}
	return 0, problem(http.StatusUnsupportedMediaType, "media-type", "Unsupported media type",
		"Content-Type "+mt+"; send application/json or application/msgpack")
}

// replyFormat reads Accept: MessagePack when it names it before JSON, else JSON.
func replyFormat(r *http.Request) format {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		if isMsgpack(mt) {
			return formatMsgpack
		}
		if mt == "application/json" {
			return formatJSON
		}
	}
	return formatJSON
}

func accepts(r *http.Request, mediaType string) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		if mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); mt == mediaType {
			return true
		}
	}
	return false
}

// readBody reads the whole body within limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, badRequest("reading the body: %v", err)
	}
	return b, nil
}

// decodeJSON reads one JSON value into v, refusing unknown fields (a misspelt "candidates"
// would otherwise rank nothing) and anything after the value.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("JSON: data after the value")
	}
	return nil
}

// MessagePack bodies are read with core/abi's decoder, never with msgpack/v5: it bounds every
// length by the bytes actually sent, where msgpack/v5 allocates whatever an array header
// claims (a 5-byte body could ask for billions of events).

// decodeEvents reads an append body: {"events": [...]} or a bare array of events.
func decodeEvents(f format, b []byte, limit int) ([]abi.Event, error) {
	if f == formatJSON {
		var events []abi.Event
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
			if err := decodeJSON(b, &events); err != nil {
				return nil, err
			}
		} else {
			var body struct {
				Events []abi.Event `json:"events"`
			}
			if err := decodeJSON(b, &body); err != nil {
				return nil, err
			}
			events = body.Events
		}
		if len(events) > limit {
			return nil, tooMany("events", len(events), limit)
		}
		for i := range events {
			if err := events[i].Validate(); err != nil {
				return nil, invalid(fmt.Errorf("events[%d].%w", i, err))
			}
		}
		return events, nil
	}
	var d abi.Decoder
	_, evs, err := d.LoadEvents(b)
	if err != nil {
		return nil, invalid(err)
	}
	return collectEvents(evs, limit)
}

func tooMany(what string, n, limit int) *Problem {
	return problem(http.StatusRequestEntityTooLarge, "too-many", "Too many "+what,
		fmt.Sprintf("%d %s, more than the limit of %d per request", n, what, limit))
}

// collectEvents decodes lazily decoded events into owned values: the decoder reuses one
// event's slices from one event to the next.
func collectEvents(evs abi.Events, limit int) ([]abi.Event, error) {
	if evs.Len() > limit {
		return nil, tooMany("events", evs.Len(), limit)
	}
	out := make([]abi.Event, 0, evs.Len())
	var ev abi.Event
	err := evs.Each(&ev, func(_ int, ev *abi.Event) error {
		out = append(out, cloneEvent(ev))
		return nil
	})
	if err != nil {
		return nil, invalid(err)
	}
	return out, nil
}

func cloneEvent(ev *abi.Event) abi.Event {
	c := *ev
	c.Item.Attrs = append([]abi.Attr(nil), ev.Item.Attrs...)
	if ev.Item.Dense != nil {
		c.Item.Dense = make([][]float32, len(ev.Item.Dense))
		for i, x := range ev.Item.Dense {
			if x != nil {
				c.Item.Dense[i] = append([]float32{}, x...)
			}
		}
	}
	return c
}

// decodeRank reads a rank request.
func decodeRank(f format, b []byte, req *abi.RankRequest) error {
	if f == formatJSON {
		if err := decodeJSON(b, req); err != nil {
			return err
		}
		if err := req.Validate(); err != nil {
			return invalid(err)
		}
		return nil
	}
	var d abi.Decoder
	if err := d.RankRequest(b, req); err != nil {
		return invalid(err)
	}
	return nil
}

// HistoryBody is the history a stateless rank request carries: a store snapshot with the
// segments appended after it, or the events themselves.
type HistoryBody struct {
	// Store is a store snapshot (Ranker.StoreBytes; base64 in JSON).
	Store []byte `json:"store,omitempty" msgpack:"store,omitempty"`
	// Segments follow Store, oldest first.
	Segments [][]byte `json:"segments,omitempty" msgpack:"segments,omitempty"`
	// Events are used when Store is empty, kept with Options.
	Events  []abi.Event      `json:"events,omitempty" msgpack:"events,omitempty"`
	Options abi.StoreOptions `json:"options,omitzero" msgpack:"options,omitempty"`
}

// StatelessRank is the body of POST /v1/rank.
type StatelessRank struct {
	History HistoryBody     `json:"history" msgpack:"history"`
	Request abi.RankRequest `json:"request" msgpack:"request"`
}

// decodeStateless reads a stateless rank body.
func decodeStateless(f format, b []byte, maxEvents int, out *StatelessRank) error {
	if f == formatJSON {
		if err := decodeJSON(b, out); err != nil {
			return err
		}
		if len(out.History.Events) > maxEvents {
			return tooMany("events", len(out.History.Events), maxEvents)
		}
		for i := range out.History.Events {
			if err := out.History.Events[i].Validate(); err != nil {
				return invalid(fmt.Errorf("history.events[%d].%w", i, err))
			}
		}
		if err := out.Request.Validate(); err != nil {
			return invalid(fmt.Errorf("request.%w", err))
		}
		return nil
	}
	r := msgp.NewReader(b)
	n, err := r.ReadMapHeader()
	if err != nil {
		return badRequest("MessagePack: %v", err)
	}
	seen := map[string]bool{}
	for range n {
		k, err := r.ReadString()
		if err != nil {
			return badRequest("MessagePack: %v", err)
		}
		if seen[k] {
			return badRequest("MessagePack: repeated key %q", k)
		}
		seen[k] = true
		start := r.Offset()
		if err := r.Skip(); err != nil {
			return badRequest("MessagePack: %s: %v", k, err)
		}
		v := b[start:r.Offset()]
		switch k {
		case "request":
			var d abi.Decoder
			if err := d.RankRequest(v, &out.Request); err != nil {
				return invalid(fmt.Errorf("request.%w", err))
			}
		case "history":
			if err := decodeHistory(v, maxEvents, &out.History); err != nil {
				return err
			}
		default:
			return badRequest("MessagePack: unknown key %q", k)
		}
	}
	if r.Remaining() != 0 {
		return badRequest("MessagePack: data after the value")
	}
	if !seen["request"] {
		return badRequest("MessagePack: missing key \"request\"")
	}
	return nil
}

func decodeHistory(b []byte, maxEvents int, h *HistoryBody) error {
	r := msgp.NewReader(b)
	n, err := r.ReadMapHeader()
	if err != nil {
		return badRequest("MessagePack: history: %v", err)
	}
	for range n {
		k, err := r.ReadString()
		if err != nil {
			return badRequest("MessagePack: history: %v", err)
		}
		start := r.Offset()
		switch k {
		case "store":
			h.Store, err = r.ReadBin()
		case "segments":
			var m int
			if m, err = r.ReadArrayHeader(); err == nil {
				for range m {
					var seg []byte
					if seg, err = r.ReadBin(); err != nil {
						break
					}
					h.Segments = append(h.Segments, seg)
				}
			}
		case "events":
			if err = r.Skip(); err == nil {
				var d abi.Decoder
				evs, derr := d.AppendEvents(b[start:r.Offset()])
				if derr != nil {
					return invalid(fmt.Errorf("history.%w", derr))
				}
				if h.Events, derr = collectEvents(evs, maxEvents); derr != nil {
					return derr
				}
			}
		case "options":
			if err = r.Skip(); err == nil {
				err = msgpack.Unmarshal(b[start:r.Offset()], &h.Options) // a map of three booleans
			}
		default:
			return badRequest("MessagePack: history: unknown key %q", k)
		}
		if err != nil {
			return badRequest("MessagePack: history.%s: %v", k, err)
		}
	}
	return nil
}

// writeReply encodes v in the format the request accepts.
func writeReply(w http.ResponseWriter, r *http.Request, status int, v any) {
	var b []byte
	var err error
	ct := "application/json"
	if replyFormat(r) == formatMsgpack {
		ct = "application/msgpack"
		b, err = msgpack.Marshal(v)
	} else {
		b, err = json.Marshal(v)
		b = append(b, '\n')
	}
	if err != nil {
		writeProblem(w, r, toProblem(fmt.Errorf("server: encode reply: %w", err)))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
