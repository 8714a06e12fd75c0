// Package bolt is the default store of `seminar serve`: one bbolt file on the server's disk.
//
// Each user has a bucket holding the snapshot, the sequence numbers and a nested bucket of
// segments keyed by their big-endian sequence number. Appends go through bbolt's Batch, which
// commits concurrent appends in one transaction (one fsync for many users), and return only
// after that transaction has committed: an acknowledged append survives a crash of the process
// or the machine.
package bolt
