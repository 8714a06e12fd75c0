package data

// Kind says how an event reached the item.
type Kind uint8

const (
	// Browse is an item seen without a query (feed, recommendation); a learned "no query"
	// embedding stands in for the query.
	Browse Kind = 0
	// Search is a query and the item clicked for it.
	Search Kind = 1
)

// Attr is one categorical attribute of an item, such as genre=Comedy.
type Attr struct {
	Field string `msgpack:"f"`
	Value string `msgpack:"v"`
}

// Item is a catalogue entry with its modalities. Any modality may be missing: an empty ID, empty
// Text, no Attrs, or a nil entry in Dense.
type Item struct {
	ID    string `msgpack:"id"`
	Text  string `msgpack:"text,omitempty"`
	Attrs []Attr `msgpack:"attrs,omitempty"`
	// Dense holds one vector per dense slot of the dataset (Dataset.DenseNames), nil where the
	// item lacks that modality.
	Dense [][]float32 `msgpack:"dense,omitempty"`
}

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
