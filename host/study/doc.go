// Package study is the retrieval study of docs/pq.md, as `seminar study` runs it: recall@50
// and @100 of the approximate GSU against the exact float32 GSU on ml-100k and on generated
// histories of 10^4 and 10^5 events, HIT/NDCG/MRR with approximate against exact retrieval,
// bytes per stored event, codec layouts, and speed natively and inside wasm, where the 4-bit
// kernel is timed against the reference kernels (package kernelbench).
//
// Run returns the figures as a Report; Text renders it as tables, Markdown as the region of
// docs/pq.md that WriteMarkdownRegion replaces.
package study
