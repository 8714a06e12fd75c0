// Package redistest starts a private redis-server for tests: on a free loopback port, with its
// data and append-only file in a temporary folder, fsyncing the AOF on every write, and stops
// it when the test ends. Tests skip with a message when the redis-server binary is absent.
package redistest
