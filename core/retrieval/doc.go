// Package retrieval is SEMINAR's approximate retrieval: the on-device event store of
// product-quantization codes and the ranker that searches it.
//
// A Codec ties codebooks (package pq) to a model (package model). Each codebook quantizes a
// group of the additive parts of an event vector, s = Σ_p u_p. The default codec has two
// stages: coarse 4-bit codes of s in two-dimensional sub-spaces plus the query part in 4
// (LayoutTwoStage at d = 64), which the fast scan reads and which let a request weigh the query
// apart from the item, and fine 8-bit codes of the residual s − ŝ (TrainOptions.Fine), which the
// refine step and the ESU read. A model file carries its codec in the extra Section.
//
// A Store keeps one user's history as codes: appending an event encodes its parts and writes
// its codes into fastscan's blocked 4-bit layout in place, so the cost does not depend on the
// history's length. With the default codec and d = 64 it keeps 18 bytes of coarse and 16 of
// fine codes and 5 bytes of time and kind per event: 39 bytes; optionally an int8 copy of s adds
// d+4 bytes. Its binary
// form is what a device persists.
//
// A Ranker scores candidates against a Store (see Ranker for the steps): the GSU's attention
// logits a_h(j) = q̃_h·s_j are linear in s_j, so folding W_Q and W_K into q̃_h turns the search
// over the whole history into lookup-table sums over the codes — the 4-bit SIMD fast scan,
// shared by several candidates, or 8-bit ADC — then a top-K without sorting, an optional
// refine step over a shortlist, and the model's exact ESU and MLP over the kept events' decoded
// or int8 vectors. Options are the knobs that trade recall for time: K, the shortlist, the
// refine source, merged or per-head retrieval, and per-request part weights. RankExact runs the
// exact GSU over float32 event vectors through the same interface, the reference that recall
// and the ranking metrics are measured against.
//
// The package links into the wasm module: it uses no fmt and no reflection.
package retrieval
