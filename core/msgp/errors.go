package msgp

import (
	"errors"
	"strconv"
)

// Causes of an Error, for errors.Is.
var (
	ErrTruncated = errors.New("truncated input")
	ErrType      = errors.New("unexpected type")
	ErrRange     = errors.New("integer out of range")
	ErrLimit     = errors.New("length over limit")
	ErrLength    = errors.New("length not representable")
)

// Error says what failed where: reading or writing Op at byte Offset, for the reason Err.
type Error struct {
	Op     string // the value being read or written, such as "int" or "map header"
	Offset int    // offset of the value in the input, or in the output for the Writer
	Err    error  // one of the Err variables above
	Detail string // more about Err, such as the type found; may be empty
}

func (e *Error) Error() string {
	s := "msgp: " + e.Op + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }
