package abi

// The messages of the ABI. Each exported field's msgpack tag is its key on the wire (json tags
// match, for fixtures and the CLI); a field tagged abi:"required" must be present in a request,
// the others may be left out (omitempty: the encoders leave them out when zero). docs/abi.md and
// the web package's TypeScript declarations are generated from this file (package abigen), and
// tests fail when either drifts from it.

// Kind says how an event reached its item.
type Kind uint8

const (
	// Browse is an item seen without a query (a feed, a recommendation).
	Browse Kind = 0
	// Search is a query and the item clicked for it.
	Search Kind = 1
)

// Attr is one categorical attribute of an item, such as genre=Comedy. On the wire it is a map
// {f, v}; decoders also accept an array [field, value].
type Attr struct {
	// Field is the attribute's name, such as "genre".
	Field string `msgpack:"f" json:"f" abi:"required"`
	// Value is the attribute's value, such as "Comedy".
	Value string `msgpack:"v" json:"v" abi:"required"`
}

// Item is a catalogue entry with its modalities. Any modality may be missing: an empty ID,
// empty Text, no Attrs, or a nil entry in Dense.
type Item struct {
	// ID is the item id; "" means the item has no id modality.
	ID string `msgpack:"id" json:"id"`
	// Text is the title and description, at most MaxTextBytes.
	Text string `msgpack:"text,omitempty" json:"text,omitempty"`
	// Attrs are at most MaxAttrs attributes.
	Attrs []Attr `msgpack:"attrs,omitempty" json:"attrs,omitempty"`
	// Dense holds one vector per dense slot of the model (ModelInfo.DenseDims), nil where the
	// item lacks that modality.
	Dense [][]float32 `msgpack:"dense,omitempty" json:"dense,omitempty"`
}

// Event is one step of a user's history.
type Event struct {
	// Time is in Unix seconds. Events come in non-decreasing time order, all less than 2^39 s
	// after the first event held.
	Time int64 `msgpack:"t" json:"t" abi:"required"`
	// Kind is Browse (the default) or Search.
	Kind Kind `msgpack:"k,omitempty" json:"k,omitempty"`
	// Query is the search's query; it must be empty for a browse event.
	Query string `msgpack:"q,omitempty" json:"q,omitempty"`
	// Item is the item browsed or clicked.
	Item Item `msgpack:"item" json:"item" abi:"required"`
}

// StoreOptions say what the module keeps of each event besides its PQ codes.
type StoreOptions struct {
	// Exact keeps each event's float32 vector (4·d bytes per event), which exact search
	// (RankOptions.Exact) needs. A model without a codec always keeps them.
	Exact bool `msgpack:"exact,omitempty" json:"exact,omitempty"`
	// Int8 keeps an int8 copy of each event vector (d+4 bytes per event), for a refine step
	// or an ESU that reads it (SourceInt8).
	Int8 bool `msgpack:"int8,omitempty" json:"int8,omitempty"`
	// SkipFine drops the fine codes of a two-stage codec (16 bytes per event with the default
	// codec): the refine step and the ESU then read the coarse codes alone.
	SkipFine bool `msgpack:"skip_fine,omitempty" json:"skip_fine,omitempty"`
}

// LoadEvents is the input of load_events: the events that replace those held, and what to keep
// of them. Decoders also accept a bare array of events (default options).
type LoadEvents struct {
	StoreOptions `msgpack:",inline"`
	// Events are at most MaxEvents, in time order.
	Events []Event `msgpack:"events" json:"events" abi:"required"`
}

// EventCount is the reply of the exports that change the events held.
type EventCount struct {
	// Events is the number of events held.
	Events int `msgpack:"events" json:"events"`
}

// Bits is the width of the PQ codes that retrieval searches.
type Bits uint8

const (
	// BitsDefault searches the codes of the model's codec, whatever their width.
	BitsDefault Bits = 0
	// Bits4 is the 4-bit fast scan.
	Bits4 Bits = 4
	// Bits8 is 8-bit asymmetric distance computation.
	Bits8 Bits = 8
)

// Heads says how retrieval treats the model's attention heads.
type Heads uint8

const (
	// MergedHeads retrieves with one vector per candidate, the sum over heads: one scan.
	MergedHeads Heads = 0
	// PerHead retrieves the top K of every head and keeps their union, as the exact GSU does.
	PerHead Heads = 1
)

// Source says where the refine step and the ESU read an event's vector from.
type Source uint8

const (
	// SourceCodes decodes every code the store keeps: the coarse codes plus a two-stage
	// codec's fine codes.
	SourceCodes Source = 0
	// SourceInt8 reads the store's int8 copy (StoreOptions.Int8).
	SourceInt8 Source = 1
	// SourceCoarse decodes the coarse codes alone.
	SourceCoarse Source = 2
)

// Part names one part of an event vector, for PartWeights.
type Part string

// The parts of an event vector.
const (
	PartQuery Part = "query"
	PartID    Part = "id"
	PartText  Part = "text"
	PartAttrs Part = "attrs"
	PartDense Part = "dense"
)

// Parts lists the parts in the model's order.
var Parts = [...]Part{PartQuery, PartID, PartText, PartAttrs, PartDense}

// PartWeights weigh the parts of the event vectors in PQ retrieval (a search can weigh the
// query up, a feed down). A part that is absent weighs 1.
type PartWeights map[Part]float32

// RankOptions are the knobs of a rank request. The zero value is the default.
type RankOptions struct {
	// K is the number of events retrieved per candidate; 0 is the model's top K.
	K int `msgpack:"k,omitempty" json:"k,omitempty"`
	// Shortlist is the number of events the 4-bit scan passes to the refine step; 0 is 4·K
	// when the store keeps fine codes and Refine is SourceCodes, else K. Other values ≤ K
	// skip the refine step.
	Shortlist int `msgpack:"shortlist,omitempty" json:"shortlist,omitempty"`
	// Exact searches the events' float32 vectors (StoreOptions.Exact) instead of their codes.
	Exact bool `msgpack:"exact,omitempty" json:"exact,omitempty"`
	// Bits is the code width to search; BitsDefault is the codec's, and any other value must
	// equal it.
	Bits Bits `msgpack:"bits,omitempty" json:"bits,omitempty"`
	// Heads is MergedHeads (the default) or PerHead.
	Heads Heads `msgpack:"heads,omitempty" json:"heads,omitempty"`
	// Refine is where the refine step reads event vectors from.
	Refine Source `msgpack:"refine,omitempty" json:"refine,omitempty"`
	// ESU is where the ESU reads the kept events' vectors from.
	ESU Source `msgpack:"esu,omitempty" json:"esu,omitempty"`
	// Weights weigh the parts in PQ retrieval; nil weighs every part 1.
	Weights PartWeights `msgpack:"weights,omitempty" json:"weights,omitempty"`
}

// RankRequest asks for the candidates in the order that suits the user whose events are held.
type RankRequest struct {
	// Query is the current search's query; "" ranks for a feed (a browse target).
	Query string `msgpack:"query,omitempty" json:"query,omitempty"`
	// Candidates are at most MaxCandidates items.
	Candidates []Item `msgpack:"candidates" json:"candidates" abi:"required"`
	// Options are the ranking's knobs; the zero value is the default.
	Options RankOptions `msgpack:"options,omitempty" json:"options,omitempty"`
}

// RankReply is the answer to a RankRequest.
type RankReply struct {
	// Order holds the candidate indices, best first (ties: the lower index first).
	Order []int32 `msgpack:"order" json:"order"`
	// Scores holds each candidate's logit, in request order.
	Scores []float32 `msgpack:"scores" json:"scores"`
	// Exact is set when retrieval searched the float32 vectors.
	Exact bool `msgpack:"exact,omitempty" json:"exact,omitempty"`
	// Bits is the code width retrieval searched; 0 when Exact.
	Bits Bits `msgpack:"bits,omitempty" json:"bits,omitempty"`
	// Timings say where the module spent the call.
	Timings Timings `msgpack:"timings" json:"timings"`
}

// Timings say where a rank call spent its time, in microseconds.
type Timings struct {
	// Total is the whole call.
	Total float64 `msgpack:"total_us" json:"total_us"`
	// LUT is the target vectors, folded queries and lookup tables.
	LUT float64 `msgpack:"lut_us" json:"lut_us"`
	// Scan is scoring every event.
	Scan float64 `msgpack:"scan_us" json:"scan_us"`
	// TopK is the top-K selection and the refine step.
	TopK float64 `msgpack:"topk_us" json:"topk_us"`
	// ESU is the exact attention and MLP over the kept events.
	ESU float64 `msgpack:"esu_us" json:"esu_us"`
}

// ModelInfo describes a loaded model; it is the reply of load_model.
type ModelInfo struct {
	// Dim is the width d of the embeddings.
	Dim int `msgpack:"dim" json:"dim"`
	// Heads is the number of attention heads.
	Heads int `msgpack:"heads" json:"heads"`
	// TopK is the model's K, the default of RankOptions.K.
	TopK int `msgpack:"top_k" json:"top_k"`
	// DenseDims holds the width of each dense slot an item may carry.
	DenseDims []int `msgpack:"dense_dims" json:"dense_dims"`
	// Bits is the width of the codec's codes; 0 when the model file has no codec, and only
	// exact ranking is available.
	Bits Bits `msgpack:"bits,omitempty" json:"bits,omitempty"`
	// Codec identifies the codec (a CRC-32 of its codebooks); a store made by another codec
	// is refused. 0 without a codec.
	Codec uint32 `msgpack:"codec,omitempty" json:"codec,omitempty"`
	// CodesPerEvent is the number of coarse codes per event.
	CodesPerEvent int `msgpack:"codes_per_event,omitempty" json:"codes_per_event,omitempty"`
	// BytesPerEvent is what the store keeps per event with the default StoreOptions.
	BytesPerEvent int `msgpack:"bytes_per_event,omitempty" json:"bytes_per_event,omitempty"`
}
