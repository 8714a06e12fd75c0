// Package demo is the product's main job end to end, as `seminar demo` runs it: train a small
// SEMINAR model and its 4-bit codec (or load the one cached by an earlier run), take a real
// user's history, and rerank that user's candidates through the SIMD128 module in wazero, as a
// device or a server would. A Job runs it step by step, so that its report can be printed as
// it goes; the Write functions print each step's result.
//
// Train is the recipe the study trains its models with too.
package demo
