// Package historyfile keeps one user's event history in a directory of its own, the way an app
// on a phone keeps it: a snapshot of the event store and an append log of the segments added
// since. It is the history every embedder shares (docs/abi.md, "History"): a snapshot is what
// the module's store_bytes returns, a segment what store_segment returns after an append, and
// loading is load_store of the snapshot then append_store of each segment in order. The web
// package keeps the same records in IndexedDB, the server in its store.
//
// The package does not look inside the records beyond their framing: the module checks the
// stores themselves (their own CRC-32, their codec).
//
// # On-disk format, version 1
//
// The directory holds two files, little-endian throughout:
//
//	snapshot   header "SMHS", then one record: the snapshot
//	log        header "SMHL", then zero or more records: the segments, oldest first
//
// A header is 20 bytes:
//
//	offset  size  field
//	0       4     magic, "SMHS" or "SMHL"
//	4       1     format version, 1
//	5       3     reserved, 0
//	8       8     generation (uint64)
//	16      4     CRC-32 (IEEE) of bytes 0 to 16
//
// A record is its payload framed:
//
//	0       4     length n of the payload (uint32), at least 1
//	4       4     CRC-32 (IEEE) of the payload
//	8       n     payload
//
// The generation ties the log to the snapshot it follows: a log counts only when its
// generation is the snapshot's (0 when there is no snapshot). Compaction writes the next
// generation's snapshot and then removes the log, so a crash between the two leaves a stale
// log whose segments the new snapshot already holds; Open ignores and removes it.
//
// # Durability
//
// A snapshot is written to snapshot.tmp, synced, renamed over snapshot, and the directory is
// synced. A new log is made the same way (log.tmp holding only its header). An append writes
// one record at the end of the log and syncs it before Append returns: an acknowledged segment
// survives a crash. A write or sync that fails is undone by truncating the log back to its
// previous length, so that what the caller was told failed is not found on the next Open; a
// crash during an append leaves at most a torn last record, which Open drops (Contents.Torn).
// Open also stops at a record whose checksum fails and drops it and everything after it: a
// torn write is the only damage appends make, and records after a damaged one cannot be
// trusted to be in order.
package historyfile
