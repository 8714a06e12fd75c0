// Package abigen derives the ABI's documents from its one definition, core/abi/messages.go:
// the message tables of docs/abi.md and the TypeScript declarations of the web package
// (web/src/abi.d.ts). It reads the Go source, so that the doc comments travel too.
//
// The tests of this package fail when a document drifts from the definition; run
// `go test ./core/abi/abigen -update` to rewrite them.
package abigen
