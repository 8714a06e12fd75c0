// Package train trains SEMINAR models: PSU pretraining on sequences of query–item pairs, then
// finetuning of the ranking model on the ranking objective, with the retrieval rule of SEMINAR
// or of a baseline (core/baseline).
//
// # Binding
//
// The model's tensors (core/model.Params) are bound in place as autodiff params: the embedding
// tables (emb.id, emb.token, emb.attr) as sparse params, everything else dense. A frozen tensor is
// read as a tape input, so it gets no gradient and the optimiser never touches it.
//
// # Forward passes
//
// A training example is a chunk: a few runs of consecutive target positions of one or more
// users. Its tape encodes each distinct item and query of the chunk once (the modality
// encoders, the projections G_m, the gated fusion, the pair mix), then the event vectors of the
// histories and the target pairs. The ranking forward is the math of core/model.Scorer: the
// retrieval rule picks, from the current values and without gradient, the events the ESU reads
// for each candidate; the ESU attends over them with gradient; the MLP scores [o, t, o⊙t]. A
// model trained here therefore scores the same through core/model.Scorer (tests check it).
//
// PSU pretraining optimises w1·L_next + w2·L_align + w3·L_rel:
//   - L_next: for each target position, the true next pair against sampled negative pairs
//     (events drawn from the whole corpus), sampled softmax at temperature τ_next over the logit
//     (1/H) Σ_h Σ_j p_h(j) a_h(j), the attention-weighted GSU score a_h(j) over the last events
//     of the prefix (p_h = softmax_j a_h). It trains the embeddings and the GSU weights that
//     SEMINAR's retrieval then uses;
//   - L_align: symmetric InfoNCE between every two modality embeddings of the same item, with
//     the chunk's other items as negatives (cosine similarity, temperature τ);
//   - L_rel: symmetric InfoNCE between the query embedding of a search event and its clicked
//     item's fused vector, in-chunk negatives (cosine, temperature τ).
//
// The PSU keeps every G_m at the identity (frozen); finetuning restores the PSU's tensors and
// trains G_m, the ESU, the MLP and, unless frozen, the embeddings.
//
// # Determinism
//
// Everything random draws from PCG streams keyed by the configured seed: the model's
// initialisation (core/model), the order of chunks and the negatives (drawn on the calling
// goroutine, in chunk order, before each step), and SimHash planes (core/baseline). The
// gradient of a step is computed by autodiff.DataParallel with a fixed number of workers, which
// assigns chunks to workers and reduces their gradients in a fixed order; Adam then updates in
// param order. The same seed, data, configuration and worker count give bit-identical models,
// whatever the scheduling or GOMAXPROCS.
package train
