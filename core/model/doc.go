// Package model is the SEMINAR ranking model: hashed multi-modal encoders, gated item fusion, the
// query–item pair embedding, and exact scoring of a target pair against a user's history through
// a general search unit (GSU: per-head top-K retrieval over the whole sequence) and an exact
// search unit (ESU: multi-head attention over the retrieved events) followed by an MLP.
//
// A Model holds a Config and its Params. It does not change while it scores, so any number of
// goroutines may read it at once. Work buffers live in an Encoder or a Scorer, one per goroutine;
// their per-event paths allocate nothing.
//
// The event vector s of a (query, item) pair decomposes into parts, s = Σ_p u_p (see Part): the
// product-quantized retrieval stores each part with its own codebook, and the folded GSU queries
// (Model.GSUQueries) and Scorer.ScoreSelected let it reuse the exact model around its own top-K.
//
// # Hashing
//
// Ids, attribute pairs and text tokens map to embedding rows without a vocabulary, so unseen
// values still land on a row. The hash is fixed and seedless, and must never change, since a
// trained model's rows depend on it: FNV-1a 64 over the bytes below, then the MurmurHash3 64-bit
// finaliser (so that the low bits Bucket keeps depend on every input byte), then the remainder
// modulo the table's rows.
//   - id: the id's bytes as given;
//   - attribute: field, '=', value, as given;
//   - word: the word's runes lower-cased with unicode.ToLower, as UTF-8;
//   - bigram: the first word, one space, the second word, each lower-cased.
//
// A word is a maximal run of letters, digits and combining marks (Unicode categories L, Nd and
// M, so that the vowel signs of Indic scripts stay inside their word); everything else separates
// words, as do bytes that are not valid UTF-8. Bigrams join adjacent words.
package model
