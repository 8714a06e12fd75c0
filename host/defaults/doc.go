// Package defaults is what the bench and the demo rank with unless told otherwise: the modules
// built into the binary, or those of a folder, and the default rank options. Keeping them in
// one place keeps the two reports about the same ranking.
package defaults
