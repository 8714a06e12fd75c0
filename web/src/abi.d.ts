// The ABI's messages (docs/abi.md), generated from core/abi/messages.go by
// `go test ./core/abi/abigen -update`: do not edit.

/** Kind says how an event reached its item. */
export type Kind = 0 | 1;

/** Bits is the width of the PQ codes that retrieval searches. */
export type Bits = 0 | 4 | 8;

/** Heads says how retrieval treats the model's attention heads. */
export type Heads = 0 | 1;

/** Source says where the refine step and the ESU read an event's vector from. */
export type Source = 0 | 1 | 2;

/** Part names one part of an event vector, for PartWeights. */
export type Part = 'query' | 'id' | 'text' | 'attrs' | 'dense';

/** PartWeights weigh the parts of the event vectors in PQ retrieval (a search can weigh the query up, a feed down). A part that is absent weighs 1. */
export type PartWeights = Partial<Record<Part, number>>;

/** Attr is one categorical attribute of an item, such as genre=Comedy. On the wire it is a map {f, v}; decoders also accept an array [field, value]. */
export interface Attr {
  /** Field is the attribute's name, such as "genre". */
  f: string;
  /** Value is the attribute's value, such as "Comedy". */
  v: string;
}

/** Item is a catalogue entry with its modalities. Any modality may be missing: an empty ID, empty Text, no Attrs, or a nil entry in Dense. */
export interface Item {
  /** ID is the item id; "" means the item has no id modality. */
  id?: string;
  /** Text is the title and description, at most MaxTextBytes. */
  text?: string;
  /** Attrs are at most MaxAttrs attributes. */
  attrs?: (Attr | [string, string])[];
  /** Dense holds one vector per dense slot of the model (ModelInfo.DenseDims), nil where the item lacks that modality. */
  dense?: (number[] | null)[];
}

/** Event is one step of a user's history. */
export interface Event {
  /** Time is in Unix seconds. Events come in non-decreasing time order, all less than 2^39 s after the first event held. */
  t: number;
  /** Kind is Browse (the default) or Search. */
  k?: Kind;
  /** Query is the search's query; it must be empty for a browse event. */
  q?: string;
  /** Item is the item browsed or clicked. */
  item: Item;
}

/** StoreOptions say what the module keeps of each event besides its PQ codes. */
export interface StoreOptions {
  /** Exact keeps each event's float32 vector (4·d bytes per event), which exact search (RankOptions.Exact) needs. A model without a codec always keeps them. */
  exact?: boolean;
  /** Int8 keeps an int8 copy of each event vector (d+4 bytes per event), for a refine step or an ESU that reads it (SourceInt8). */
  int8?: boolean;
  /** SkipFine drops the fine codes of a two-stage codec (16 bytes per event with the default codec): the refine step and the ESU then read the coarse codes alone. */
  skip_fine?: boolean;
}

/** LoadEvents is the input of load_events: the events that replace those held, and what to keep of them. Decoders also accept a bare array of events (default options). */
export interface LoadEvents {
  /** Exact keeps each event's float32 vector (4·d bytes per event), which exact search (RankOptions.Exact) needs. A model without a codec always keeps them. */
  exact?: boolean;
  /** Int8 keeps an int8 copy of each event vector (d+4 bytes per event), for a refine step or an ESU that reads it (SourceInt8). */
  int8?: boolean;
  /** SkipFine drops the fine codes of a two-stage codec (16 bytes per event with the default codec): the refine step and the ESU then read the coarse codes alone. */
  skip_fine?: boolean;
  /** Events are at most MaxEvents, in time order. */
  events: Event[];
}

/** EventCount is the reply of the exports that change the events held. */
export interface EventCount {
  /** Events is the number of events held. */
  events: number;
}

/** RankOptions are the knobs of a rank request. The zero value is the default. */
export interface RankOptions {
  /** K is the number of events retrieved per candidate; 0 is the model's top K. */
  k?: number;
  /** Shortlist is the number of events the 4-bit scan passes to the refine step; 0 is 4·K when the store keeps fine codes and Refine is SourceCodes, else K. Other values ≤ K skip the refine step. */
  shortlist?: number;
  /** Exact searches the events' float32 vectors (StoreOptions.Exact) instead of their codes. */
  exact?: boolean;
  /** Bits is the code width to search; BitsDefault is the codec's, and any other value must equal it. */
  bits?: Bits;
  /** Heads is MergedHeads (the default) or PerHead. */
  heads?: Heads;
  /** Refine is where the refine step reads event vectors from. */
  refine?: Source;
  /** ESU is where the ESU reads the kept events' vectors from. */
  esu?: Source;
  /** Weights weigh the parts in PQ retrieval; nil weighs every part 1. */
  weights?: PartWeights;
}

/** RankRequest asks for the candidates in the order that suits the user whose events are held. */
export interface RankRequest {
  /** Query is the current search's query; "" ranks for a feed (a browse target). */
  query?: string;
  /** Candidates are at most MaxCandidates items. */
  candidates: Item[];
  /** Options are the ranking's knobs; the zero value is the default. */
  options?: RankOptions;
}

/** RankReply is the answer to a RankRequest. */
export interface RankReply {
  /** Order holds the candidate indices, best first (ties: the lower index first). */
  order: number[];
  /** Scores holds each candidate's logit, in request order. */
  scores: number[];
  /** Exact is set when retrieval searched the float32 vectors. */
  exact?: boolean;
  /** Bits is the code width retrieval searched; 0 when Exact. */
  bits?: Bits;
  /** Timings say where the module spent the call. */
  timings: Timings;
}

/** Timings say where a rank call spent its time, in microseconds. */
export interface Timings {
  /** Total is the whole call. */
  total_us: number;
  /** LUT is the target vectors, folded queries and lookup tables. */
  lut_us: number;
  /** Scan is scoring every event. */
  scan_us: number;
  /** TopK is the top-K selection and the refine step. */
  topk_us: number;
  /** ESU is the exact attention and MLP over the kept events. */
  esu_us: number;
}

/** ModelInfo describes a loaded model; it is the reply of load_model. */
export interface ModelInfo {
  /** Dim is the width d of the embeddings. */
  dim: number;
  /** Heads is the number of attention heads. */
  heads: number;
  /** TopK is the model's K, the default of RankOptions.K. */
  top_k: number;
  /** DenseDims holds the width of each dense slot an item may carry. */
  dense_dims: number[];
  /** Bits is the width of the codec's codes; 0 when the model file has no codec, and only exact ranking is available. */
  bits?: Bits;
  /** Codec identifies the codec (a CRC-32 of its codebooks); a store made by another codec is refused. 0 without a codec. */
  codec?: number;
  /** CodesPerEvent is the number of coarse codes per event. */
  codes_per_event?: number;
  /** BytesPerEvent is what the store keeps per event with the default StoreOptions. */
  bytes_per_event?: number;
}
