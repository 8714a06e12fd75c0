// Package redis keeps histories in Redis, so that several stateless `seminar serve` replicas
// behind a load balancer share them.
//
// A user's history is three keys sharing the hash tag {user} (one cluster slot): a hash with
// the sequence numbers, a string with the snapshot and a list with the segments. Each write is
// one Lua script, so an append checks the sequence and pushes its segment atomically, and two
// replicas appending for the same user see a conflict rather than interleave. Durability is
// Redis's: run it with appendonly yes and appendfsync always for an append to be on disk when
// it is acknowledged (the crash test does).
package redis
