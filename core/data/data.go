package data

import "github.com/seminar-ranker/seminar/core/abi"

// Kind says how an event reached the item: Browse (an item without a query: a feed, a
// recommendation; a learned "no query" embedding stands in) or Search (a query and the item
// clicked for it). Items and kinds are the ABI's own (core/abi), so that a dataset's items
// cross the module's boundary as they are.
type Kind = abi.Kind

// The kinds of an event.
const (
	Browse = abi.Browse
	Search = abi.Search
)

// Attr is one categorical attribute of an item, such as genre=Comedy.
type Attr = abi.Attr

// Item is a catalogue entry with its modalities. Any modality may be missing: an empty ID, empty
// Text, no Attrs, or a nil entry in Dense (one vector per dense slot of the dataset,
// Dataset.DenseNames).
type Item = abi.Item

// Event is one step of a user's sequence.
type Event struct {
	Time  int64  `msgpack:"t"` // Unix seconds; only the order matters to the model
	Kind  Kind   `msgpack:"k"`
	Query string `msgpack:"q,omitempty"` // empty for Browse
	Item  int32  `msgpack:"i"`           // index into Dataset.Items
}

// User is one user's events in time order.
type User struct {
	ID     string  `msgpack:"id"`
	Events []Event `msgpack:"events"`
}

// Dataset is a catalogue and the users' sequences over it.
type Dataset struct {
	Name string `msgpack:"name"`
	// Note says how the dataset was derived (for example that queries were synthesised from
	// attributes); reports print it next to results.
	Note       string   `msgpack:"note,omitempty"`
	DenseNames []string `msgpack:"dense_names,omitempty"`
	DenseDims  []int    `msgpack:"dense_dims,omitempty"`
	Items      []Item   `msgpack:"items"`
	Users      []User   `msgpack:"users"`
}

// FixedList is a candidate list given with the data for one evaluation case, by user and item
// IDs: the positive (the user's held-out event) and the negatives to rank it against.
type FixedList struct {
	User      string   `json:"user"`
	Positive  string   `json:"positive"`
	Negatives []string `json:"negatives"`
}
