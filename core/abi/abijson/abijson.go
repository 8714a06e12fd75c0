// Package abijson turns the JSON form of the ABI's messages into their MessagePack form, so
// that a JSON request (a CLI file, an HTTP body) is checked by the same decoder as the
// module's input (core/abi): unknown keys, wrong types and values out of range are errors that
// name the key's path, whichever form the message came in.
package abijson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/msgp"
)

// maxDepth bounds the nesting of a message; the ABI's messages nest five levels at most.
const maxDepth = 32

// ToMsgpack converts one JSON value to MessagePack, keeping the order of object keys. Numbers
// that are integers become integers, others float64. Anything after the value is an error.
func ToMsgpack(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	w := msgp.NewWriter(make([]byte, 0, len(b)))
	if err := value(dec, w, 0); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: data after the value")
	}
	return w.Bytes(), w.Err()
}

func value(dec *json.Decoder, w *msgp.Writer, depth int) error {
	if depth > maxDepth {
		return errors.New("nested more than " + strconv.Itoa(maxDepth) + " levels")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return object(dec, w, depth)
		}
		return array(dec, w, depth)
	case nil:
		w.WriteNil()
	case bool:
		w.WriteBool(t)
	case string:
		w.WriteString(t)
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			w.WriteInt(i)
			return nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("number %s out of range", t)
		}
		w.WriteFloat64(f)
	}
	return nil
}

// object writes the members of an object whose '{' was read: each value into a writer of its
// own, since MessagePack wants the count first.
func object(dec *json.Decoder, w *msgp.Writer, depth int) error {
	body := msgp.NewWriter(nil)
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		body.WriteString(tok.(string))
		if err := value(dec, body, depth+1); err != nil {
			return err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	w.WriteMapHeader(n)
	w.WriteRaw(body.Bytes())
	return body.Err()
}

func array(dec *json.Decoder, w *msgp.Writer, depth int) error {
	body := msgp.NewWriter(nil)
	n := 0
	for dec.More() {
		if err := value(dec, body, depth+1); err != nil {
			return err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	w.WriteArrayHeader(n)
	w.WriteRaw(body.Bytes())
	return body.Err()
}
