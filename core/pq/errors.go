package pq

import (
	"errors"
	"strconv"
)

// MaxMagnitude bounds the absolute value of every vector component the package accepts. It keeps
// float32 squared distances finite (embeddings are many orders of magnitude smaller).
const MaxMagnitude = 1e16

var (
	// ErrTooFewPoints reports a k-means or codebook training set with fewer points than the
	// centroids asked for. Training refuses rather than duplicating points: a codebook with
	// repeated centroids wastes code space, and the caller is better served by more data or
	// fewer bits.
	ErrTooFewPoints = errors.New("fewer training points than centroids")
	// ErrBadValue reports a NaN, an infinity or a magnitude above MaxMagnitude in a training set,
	// a vector to encode, or a serialized codebook.
	ErrBadValue = errors.New("value is NaN, infinite or above pq.MaxMagnitude")
	// ErrMalformed reports serialized codebook bytes that do not decode.
	ErrMalformed = errors.New("malformed codebook encoding")
)

// wrappedError adds context to an error without fmt, which the wasm module does not link.
type wrappedError struct {
	msg string
	err error
}

func (e *wrappedError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrappedError) Unwrap() error { return e.err }

// wrap and itoa stay out of line: they build error messages, and the wasm module pays for every
// inlined copy.
//
//go:noinline
func wrap(err error, msg string) error { return &wrappedError{msg: msg, err: err} }

//go:noinline
func itoa(i int) string { return strconv.Itoa(i) }

// checkValues returns an ErrBadValue naming the first bad component of v, or nil.
func checkValues(v []float32, what string) error {
	for i, x := range v {
		// The negated comparison is also true for NaN.
		if !(x >= -MaxMagnitude && x <= MaxMagnitude) {
			return wrap(ErrBadValue, what+"["+itoa(i)+"]")
		}
	}
	return nil
}
