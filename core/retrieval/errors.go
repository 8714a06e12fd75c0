package retrieval

// wrapError adds context to an error without fmt, which the wasm module does not link.
type wrapError struct {
	context string
	err     error
}

func (e *wrapError) Error() string { return e.context + ": " + e.err.Error() }
func (e *wrapError) Unwrap() error { return e.err }

// wrap returns err with context in front, for errors.Is and errors.As to see through. It stays
// out of line: the wasm module pays for every inlined copy of an error path.
//
//go:noinline
func wrap(err error, context string) error { return &wrapError{context: context, err: err} }
