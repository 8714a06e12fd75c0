package datafile

import (
	"io"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/vmihailenco/msgpack/v5"
)

// encoder writes the body's MessagePack values and keeps the first error, so the layout below
// reads as the format it writes.
type encoder struct {
	enc *msgpack.Encoder
	err error
}

func (e *encoder) mapLen(n int) {
	if e.err == nil {
		e.err = e.enc.EncodeMapLen(n)
	}
}

func (e *encoder) arrayLen(n int) {
	if e.err == nil {
		e.err = e.enc.EncodeArrayLen(n)
	}
}

// sliceLen writes an array header, or nil for a nil slice, as the reflection codec does.
func (e *encoder) sliceLen(n int, isNil bool) {
	if isNil {
		e.null()
		return
	}
	e.arrayLen(n)
}

func (e *encoder) str(s string) {
	if e.err == nil {
		e.err = e.enc.EncodeString(s)
	}
}

func (e *encoder) int(n int64) {
	if e.err == nil {
		e.err = e.enc.EncodeInt(n)
	}
}

func (e *encoder) uint(n uint64) {
	if e.err == nil {
		e.err = e.enc.EncodeUint(n)
	}
}

func (e *encoder) float(f float32) {
	if e.err == nil {
		e.err = e.enc.EncodeFloat32(f)
	}
}

func (e *encoder) null() {
	if e.err == nil {
		e.err = e.enc.EncodeNil()
	}
}

// encodeDataset writes d as the body map, omitting the optional keys whose value is empty.
func encodeDataset(w io.Writer, d *data.Dataset) error {
	e := &encoder{enc: msgpack.NewEncoder(w)}
	fields := 3 // name, items, users
	if d.Note != "" {
		fields++
	}
	if len(d.DenseNames) > 0 {
		fields += 2
	}
	e.mapLen(fields)
	e.str("name")
	e.str(d.Name)
	if d.Note != "" {
		e.str("note")
		e.str(d.Note)
	}
	if len(d.DenseNames) > 0 {
		e.str("dense_names")
		e.arrayLen(len(d.DenseNames))
		for _, name := range d.DenseNames {
			e.str(name)
		}
		e.str("dense_dims")
		e.arrayLen(len(d.DenseDims))
		for _, dim := range d.DenseDims {
			e.uint(uint64(dim))
		}
	}
	e.str("items")
	e.sliceLen(len(d.Items), d.Items == nil)
	for i := range d.Items {
		e.item(&d.Items[i])
	}
	e.str("users")
	e.sliceLen(len(d.Users), d.Users == nil)
	for u := range d.Users {
		e.user(&d.Users[u])
	}
	return e.err
}

func (e *encoder) item(it *data.Item) {
	fields := 1
	if it.Text != "" {
		fields++
	}
	if len(it.Attrs) > 0 {
		fields++
	}
	if len(it.Dense) > 0 {
		fields++
	}
	e.mapLen(fields)
	e.str("id")
	e.str(it.ID)
	if it.Text != "" {
		e.str("text")
		e.str(it.Text)
	}
	if len(it.Attrs) > 0 {
		e.str("attrs")
		e.arrayLen(len(it.Attrs))
		for _, a := range it.Attrs {
			e.mapLen(2)
			e.str("f")
			e.str(a.Field)
			e.str("v")
			e.str(a.Value)
		}
	}
	if len(it.Dense) > 0 {
		e.str("dense")
		e.arrayLen(len(it.Dense))
		for _, v := range it.Dense {
			if v == nil {
				e.null()
				continue
			}
			e.arrayLen(len(v))
			for _, x := range v {
				e.float(x)
			}
		}
	}
}

func (e *encoder) user(u *data.User) {
	e.mapLen(2)
	e.str("id")
	e.str(u.ID)
	e.str("events")
	e.sliceLen(len(u.Events), u.Events == nil)
	for i := range u.Events {
		ev := &u.Events[i]
		if ev.Query != "" {
			e.mapLen(4)
		} else {
			e.mapLen(3)
		}
		e.str("t")
		e.int(ev.Time)
		e.str("k")
		e.uint(uint64(ev.Kind))
		if ev.Query != "" {
			e.str("q")
			e.str(ev.Query)
		}
		e.str("i")
		e.int(int64(ev.Item))
	}
}
