// Package optim updates the params of an autodiff.Params from their gradients: Adam (with
// decoupled weight decay, AdamW) and plain SGD, both with optional clipping of the global
// gradient norm.
//
// Embedding tables (sparse params) are updated only in the rows the mini-batch touched. Adam
// keeps a step count per table row and bias-corrects each row with its own count ("per-row
// Adam"): a row behaves as if it had its own Adam optimiser that only sees the steps where it
// has a gradient. A row touched for the first time after many steps therefore takes the same
// first step (≈ LR·sign(g)) as a fresh dense param, instead of the ~3×LR first step that
// bias-correcting with the global count gives lazily updated rows of hashed tables, most of
// which are touched rarely. When every row is touched at every step the row counts equal the
// global one and the update is exactly dense Adam's.
package optim
