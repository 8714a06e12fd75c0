// Package store defines where `seminar serve` keeps its users' histories: the interface the
// server writes through, and the history format it shares with the web and mobile embedders.
//
// A history is one snapshot (the module's binary store, Ranker.StoreBytes) and the segments
// appended after it (Ranker.StoreSegment), each self-checking with its own CRC-32 trailer and
// naming the codec that made its codes. The server appends one segment per accepted request and
// now and then compacts: it loads the history into an instance, writes one new snapshot and
// drops the segments it covers. Stores keep PQ codes (39 bytes per event with the default
// codec), never raw events, so a model whose codec differs cannot read them.
//
// Every history carries a sequence number, the count of segments ever appended to it. Append
// names the sequence it extends and fails with ErrConflict when another writer got there
// first, which makes appends from several server replicas safe without a lock: the loser
// reloads and tries again. Package bolt is the embedded default; package redis serves
// replicas that share one Redis.
package store
