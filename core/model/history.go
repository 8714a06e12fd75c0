package model

import (
	"errors"
	"strconv"
)

// History is a user's sequence as event vectors: an L×d row-major matrix, row j being s_j.
type History struct {
	dim  int
	vecs []float32
}

// NewHistory returns an empty history of the model's width with room for capacity events.
func (m *Model) NewHistory(capacity int) *History {
	return &History{dim: m.cfg.Dim, vecs: make([]float32, 0, max(capacity, 0)*m.cfg.Dim)}
}

// WrapHistory returns a history over vecs, an L×dim matrix that it aliases.
func WrapHistory(dim int, vecs []float32) (*History, error) {
	if dim < 1 || len(vecs)%dim != 0 {
		return nil, errors.New("model: history of width " + strconv.Itoa(dim) + " cannot hold " +
			strconv.Itoa(len(vecs)) + " values")
	}
	return &History{dim: dim, vecs: vecs}, nil
}

// Dim returns the width of the event vectors.
func (h *History) Dim() int { return h.dim }

// Len returns the number of events L.
func (h *History) Len() int {
	if h.dim == 0 {
		return 0
	}
	return len(h.vecs) / h.dim
}

// Event returns s_j; it aliases the history.
func (h *History) Event(j int) []float32 { return h.vecs[j*h.dim : (j+1)*h.dim : (j+1)*h.dim] }

// Vectors returns the L×d matrix; it aliases the history.
func (h *History) Vectors() []float32 { return h.vecs }

// Append appends a copy of the event vector s.
func (h *History) Append(s []float32) error {
	if len(s) != h.dim {
		return &LengthError{"event vector", len(s), h.dim}
	}
	copy(h.grow(), s)
	return nil
}

// Reset empties the history, keeping its storage.
func (h *History) Reset() { h.vecs = h.vecs[:0] }

// grow extends the history by one row and returns it.
func (h *History) grow() []float32 {
	n := len(h.vecs)
	if n+h.dim > cap(h.vecs) {
		grown := make([]float32, n, 2*cap(h.vecs)+h.dim)
		copy(grown, h.vecs)
		h.vecs = grown
	}
	h.vecs = h.vecs[:n+h.dim]
	return h.vecs[n:]
}

func (h *History) checkDim(d int) error {
	if h == nil {
		return errors.New("model: nil history")
	}
	if h.dim != d {
		return errors.New("model: history has width " + strconv.Itoa(h.dim) + ", the model " +
			strconv.Itoa(d))
	}
	return nil
}

// Truncate keeps the first n events.
func (h *History) Truncate(n int) error {
	if n < 0 || n > h.Len() {
		return errors.New("model: truncate a history of " + strconv.Itoa(h.Len()) + " events to " + strconv.Itoa(n))
	}
	h.vecs = h.vecs[:n*h.dim]
	return nil
}
