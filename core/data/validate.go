package data

import (
	"errors"
	"github.com/seminar-ranker/seminar/core/abi"
	"math"
	"strconv"
	"unicode/utf8"
)

// Size limits of a valid dataset. They bound what a reader allocates for untrusted input and
// keep every index within int32; each is far above what the project's datasets need.
const (
	MaxItems       = 1 << 24            // items in the catalogue
	MaxUsers       = 1 << 24            // users
	MaxUserEvents  = 1 << 22            // events of one user (lifelong sequences reach 10^5)
	MaxEvents      = 1 << 28            // events over all users
	MaxAttrs       = abi.MaxAttrs       // attributes of one item
	MaxDenseSlots  = abi.MaxDenseSlots  // dense modalities (image, audio, ...)
	MaxDenseDim    = 1 << 14            // width of one dense vector
	MaxStringBytes = abi.MaxStringBytes // an ID, a query, an attribute field or value, a name
	MaxTextBytes   = abi.MaxTextBytes   // an item's text or the dataset's note
)

// Validate reports the first reason d is not a well-formed dataset: a size limit exceeded, a
// dense slot whose vectors do not have the declared width or hold NaN or Inf, an event whose item
// index is out of range, whose kind is unknown, or that is earlier than the event before it, a
// browse event with a query, a duplicate non-empty item or user ID, or a string that is not UTF-8.
func (d *Dataset) Validate() error {
	if d == nil {
		return errors.New("data: nil dataset")
	}
	if err := checkString("name", d.Name, MaxStringBytes); err != nil {
		return errors.New("data: " + err.Error())
	}
	if err := checkString("note", d.Note, MaxTextBytes); err != nil {
		return errors.New("data: " + err.Error())
	}
	if err := d.validateDenseSlots(); err != nil {
		return errors.New("data: " + err.Error())
	}
	if len(d.Items) > MaxItems {
		return errors.New("data: " + strconv.Itoa(len(d.Items)) + " items, more than the limit " + strconv.Itoa(MaxItems))
	}
	if len(d.Users) > MaxUsers {
		return errors.New("data: " + strconv.Itoa(len(d.Users)) + " users, more than the limit " + strconv.Itoa(MaxUsers))
	}
	itemIDs := make(map[string]struct{}, len(d.Items))
	for i := range d.Items {
		if err := d.validateItem(&d.Items[i]); err != nil {
			return errors.New("data: item " + strconv.Itoa(i) + ": " + err.Error())
		}
		if id := d.Items[i].ID; id != "" {
			if _, dup := itemIDs[id]; dup {
				return errors.New("data: item " + strconv.Itoa(i) + ": duplicate ID " + strconv.Quote(id))
			}
			itemIDs[id] = struct{}{}
		}
	}
	userIDs := make(map[string]struct{}, len(d.Users))
	total := 0
	for u := range d.Users {
		user := &d.Users[u]
		if err := d.validateUser(user); err != nil {
			return errors.New("data: user " + strconv.Itoa(u) + ": " + err.Error())
		}
		if user.ID != "" {
			if _, dup := userIDs[user.ID]; dup {
				return errors.New("data: user " + strconv.Itoa(u) + ": duplicate ID " + strconv.Quote(user.ID))
			}
			userIDs[user.ID] = struct{}{}
		}
		total += len(user.Events)
		if total > MaxEvents {
			return errors.New("data: more than the limit of " + strconv.Itoa(MaxEvents) + " events")
		}
	}
	return nil
}

func (d *Dataset) validateDenseSlots() error {
	if len(d.DenseNames) != len(d.DenseDims) {
		return errors.New(strconv.Itoa(len(d.DenseNames)) + " dense names but " +
			strconv.Itoa(len(d.DenseDims)) + " dense dims")
	}
	if len(d.DenseNames) > MaxDenseSlots {
		return errors.New(strconv.Itoa(len(d.DenseNames)) + " dense slots, more than the limit " + strconv.Itoa(MaxDenseSlots))
	}
	for k, name := range d.DenseNames {
		if name == "" {
			return errors.New("dense slot " + strconv.Itoa(k) + " has no name")
		}
		if err := checkString("dense slot "+strconv.Itoa(k)+" name", name, MaxStringBytes); err != nil {
			return err
		}
		for j := range k {
			if d.DenseNames[j] == name {
				return errors.New("dense slot name " + strconv.Quote(name) + " used twice")
			}
		}
		if dim := d.DenseDims[k]; dim < 1 || dim > MaxDenseDim {
			return errors.New("dense slot " + strconv.Quote(name) + " has width " + strconv.Itoa(dim) +
				", want 1.." + strconv.Itoa(MaxDenseDim))
		}
	}
	return nil
}

func (d *Dataset) validateItem(it *Item) error {
	if err := checkString("ID", it.ID, MaxStringBytes); err != nil {
		return err
	}
	if err := checkString("text", it.Text, MaxTextBytes); err != nil {
		return err
	}
	if len(it.Attrs) > MaxAttrs {
		return errors.New(strconv.Itoa(len(it.Attrs)) + " attributes, more than the limit " + strconv.Itoa(MaxAttrs))
	}
	for a := range it.Attrs {
		if err := checkString("attribute field", it.Attrs[a].Field, MaxStringBytes); err != nil {
			return err
		}
		if err := checkString("attribute value", it.Attrs[a].Value, MaxStringBytes); err != nil {
			return err
		}
	}
	if len(it.Dense) == 0 {
		return nil
	}
	if len(it.Dense) != len(d.DenseDims) {
		return errors.New(strconv.Itoa(len(it.Dense)) + " dense vectors, want 0 or " + strconv.Itoa(len(d.DenseDims)))
	}
	for k, v := range it.Dense {
		if v == nil {
			continue
		}
		if len(v) != d.DenseDims[k] {
			return errors.New("dense " + strconv.Quote(d.DenseNames[k]) + " has width " + strconv.Itoa(len(v)) +
				", want " + strconv.Itoa(d.DenseDims[k]))
		}
		for j, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return errors.New("dense " + strconv.Quote(d.DenseNames[k]) + "[" + strconv.Itoa(j) + "] is not finite")
			}
		}
	}
	return nil
}

func (d *Dataset) validateUser(user *User) error {
	if err := checkString("ID", user.ID, MaxStringBytes); err != nil {
		return err
	}
	if len(user.Events) > MaxUserEvents {
		return errors.New(strconv.Itoa(len(user.Events)) + " events, more than the limit " + strconv.Itoa(MaxUserEvents))
	}
	items := int32(len(d.Items))
	for e := range user.Events {
		ev := &user.Events[e]
		if ev.Item < 0 || ev.Item >= items {
			return errors.New("event " + strconv.Itoa(e) + ": item " + strconv.Itoa(int(ev.Item)) +
				" out of range [0, " + strconv.Itoa(int(items)) + ")")
		}
		switch ev.Kind {
		case Browse:
			if ev.Query != "" {
				return errors.New("event " + strconv.Itoa(e) + ": browse event with a query")
			}
		case Search:
			if err := checkString("query", ev.Query, MaxStringBytes); err != nil {
				return errors.New("event " + strconv.Itoa(e) + ": " + err.Error())
			}
		default:
			return errors.New("event " + strconv.Itoa(e) + ": unknown kind " + strconv.Itoa(int(ev.Kind)))
		}
		if e > 0 && ev.Time < user.Events[e-1].Time {
			return errors.New("event " + strconv.Itoa(e) + ": time " + strconv.FormatInt(ev.Time, 10) +
				" is before the previous event's " + strconv.FormatInt(user.Events[e-1].Time, 10))
		}
	}
	return nil
}

func checkString(what, s string, limit int) error {
	if len(s) > limit {
		return errors.New(what + " is " + strconv.Itoa(len(s)) + " bytes, more than the limit " + strconv.Itoa(limit))
	}
	if !utf8.ValidString(s) {
		return errors.New(what + " is not valid UTF-8")
	}
	return nil
}
