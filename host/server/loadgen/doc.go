// Package loadgen drives a running `seminar serve` over loopback HTTP: a load test (N clients
// for T seconds, mixed appends and ranks against histories of L events, C candidates per rank)
// and a crash test (concurrent appends, kill -9 of the server process, restart, and a count of
// what survived against what was acknowledged). Both are bounded in count and time; tests
// run them small, `make serve-report` at full scale.
package loadgen
