// Package defaultmodel embeds the model that `seminar serve` runs when it is given none, so
// that the server starts with no flags and no build step.
//
// The file is small and made deterministically (TestGenerate with -update): a model of the
// default shape (d = 64, 4 heads, K = 64, MLP 64–32) with hashed tables cut to 2^8 rows, and
// the default two-stage 4-bit codec (39 bytes per event) trained on generated users. Its
// weights are random, not trained: the ranking is deterministic and exercises every stage the
// module runs, but it does not know what users like. Serve a trained model (the one `seminar
// demo` caches, or any `seminar train` output with a codec) with --model.
package defaultmodel
