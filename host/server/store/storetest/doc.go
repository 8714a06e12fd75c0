// Package storetest is the conformance suite every store.Store implementation passes: the
// same table of appends, conflicts, compactions and deletes, run against a fresh store.
package storetest
