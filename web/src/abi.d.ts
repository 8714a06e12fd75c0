// The messages of the module's ABI 1.0, mirroring core/abi/messages.go field for field: keys are
// the msgpack tags, optional fields are the omitempty ones. A zero value means "the default".
// Keep this file in step with core/abi (a Go test checks it).

/** How an event reached its item: 0 browse (the default), 1 search. */
export type Kind = 0 | 1;

/** The width of the PQ codes retrieval searches: 0 the codec's, 4 fast scan, 8 ADC. */
export type Bits = 0 | 4 | 8;

/** How retrieval treats the attention heads: 0 merged (one scan), 1 per head. */
export type Heads = 0 | 1;

/** Where the refine step and the ESU read event vectors: 0 every code, 1 the int8 copy, 2 the coarse codes. */
export type Source = 0 | 1 | 2;

/** One part of an event vector, for PartWeights. */
export type Part = 'query' | 'id' | 'text' | 'attrs' | 'dense';

/** One categorical attribute of an item, such as genre=Comedy. */
export interface Attr {
  f: string;
  v: string;
}

/** A catalogue entry with its modalities; any modality may be missing. */
export interface Item {
  /** The item id; "" means the item has no id modality. */
  id: string;
  /** The title and description, at most 1 MiB. */
  text?: string;
  /** At most 256 attributes. */
  attrs?: Attr[];
  /** One vector per dense slot of the model (ModelInfo.dense_dims), null where the item lacks it. */
  dense?: (number[] | null)[];
}

/** One step of a user's history. */
export interface Event {
  /** Unix seconds; events come in non-decreasing time order. */
  t: number;
  /** Browse (the default) or search. */
  k?: Kind;
  /** The search's query; empty for a browse event. */
  q?: string;
  /** The item browsed or clicked. */
  item: Item;
}

/** What the module keeps of each event besides its PQ codes. */
export interface StoreOptions {
  /** Keep each event's float32 vector, which exact search needs. */
  exact?: boolean;
  /** Keep an int8 copy of each event vector. */
  int8?: boolean;
  /** Drop the fine codes of a two-stage codec. */
  skip_fine?: boolean;
}

/** The input of load_events: the events that replace those held, and what to keep of them. */
export interface LoadEvents extends StoreOptions {
  events: Event[];
}

/** The reply of the exports that change the events held. */
export interface EventCount {
  events: number;
}

/** Weights of the parts of the event vectors in PQ retrieval; an absent part weighs 1. */
export type PartWeights = { [P in Part]?: number };

/** The knobs of a rank request; the zero value is the default. */
export interface RankOptions {
  /** Events retrieved per candidate; 0 is the model's top K. */
  k?: number;
  /** Events the 4-bit scan passes to the refine step; 0 is the default. */
  shortlist?: number;
  /** Search the events' float32 vectors (StoreOptions.exact) instead of their codes. */
  exact?: boolean;
  /** The code width to search; 0 is the codec's. */
  bits?: Bits;
  /** Merged heads (0, the default) or per head (1). */
  heads?: Heads;
  /** Where the refine step reads event vectors from. */
  refine?: Source;
  /** Where the ESU reads the kept events' vectors from. */
  esu?: Source;
  /** Weights of the parts in PQ retrieval. */
  weights?: PartWeights;
}

/** Asks for the candidates in the order that suits the user whose events are held. */
export interface RankRequest {
  /** The current search's query; "" (or absent) ranks for a feed. */
  query?: string;
  /** At most 4096 items. */
  candidates: Item[];
  /** The ranking's knobs. */
  options?: RankOptions;
}

/** The answer to a RankRequest. */
export interface RankReply {
  /** Candidate indices, best first (ties: the lower index first). */
  order: number[];
  /** Each candidate's logit, in request order. */
  scores: number[];
  /** Set when retrieval searched the float32 vectors. */
  exact?: boolean;
  /** The code width retrieval searched; absent when exact. */
  bits?: Bits;
  /** Where the module spent the call. */
  timings: Timings;
}

/** Where a rank call spent its time, in microseconds. */
export interface Timings {
  /** The whole call. */
  total_us: number;
  /** Target vectors, folded queries and lookup tables. */
  lut_us: number;
  /** Scoring every event. */
  scan_us: number;
  /** Top-K selection and the refine step. */
  topk_us: number;
  /** Exact attention and MLP over the kept events. */
  esu_us: number;
}

/** Describes a loaded model: the reply of load_model. */
export interface ModelInfo {
  /** The width d of the embeddings. */
  dim: number;
  /** The number of attention heads. */
  heads: number;
  /** The model's K, the default of RankOptions.k. */
  top_k: number;
  /** The width of each dense slot an item may carry. */
  dense_dims: number[];
  /** The width of the codec's codes; absent when the model has no codec. */
  bits?: Bits;
  /** The codec's checksum (CRC-32 of its codebooks); a history made by another codec is refused. */
  codec?: number;
  /** Coarse codes per event. */
  codes_per_event?: number;
  /** What the store keeps per event with the default StoreOptions. */
  bytes_per_event?: number;
}
