// Package datafile reads and writes the project's dataset file: a data.Dataset in MessagePack,
// gzip-compressed, behind a versioned header. The CLI, training and evaluation use it; the wasm
// module does not link it.
//
// # Format, version 1
//
// A file is a header followed by a body, with nothing after the body.
//
// The header is the MessagePack array ["seminar-dataset", 1]: the magic string and the format
// version as an unsigned integer. Since both are fixed, a version-1 file always starts with the
// 18 bytes
//
//	92 af 73 65 6d 69 6e 61 72 2d 64 61 74 61 73 65 74 01
//
// and a reader recognises the file by its first 17 bytes and then reads the version.
//
// The body is one gzip member (RFC 1952) whose content is exactly one MessagePack map, the
// dataset. Gzip is not optional: it shrinks the repetitive maps and strings several times, costs
// little to read, and its CRC-32 catches a damaged file. Maps have string keys, in any order,
// each at most once; a key the version does not define is an error (new keys mean a new
// version). Keys marked optional may be absent, all others must be present; any array may be
// nil, and an empty array reads as a nil slice.
//
//	dataset: "name" str, "note" str (optional), "dense_names" [str] (optional),
//	         "dense_dims" [uint] (optional), "items" [item], "users" [user]
//	item:    "id" str, "text" str (optional), "attrs" [attr] (optional),
//	         "dense" [nil | [float]] (optional: one entry per dense slot, nil where missing)
//	attr:    "f" str (the field, such as "genre"), "v" str (the value, such as "Comedy")
//	user:    "id" str, "events" [event]
//	event:   "t" int (time, Unix seconds), "k" uint (0 browse, 1 search),
//	         "q" str (the query; optional, absent for browse), "i" int (index into items)
//
// Strings are UTF-8 (str or bin family); dense values are float32 (float64 and integers are
// accepted and converted). These are the keys the msgpack struct tags of package data name, so
// msgpack.Marshal of a data.Dataset yields a valid body and msgpack.Unmarshal reads one.
//
// # Limits
//
// Reading allocates only as the data arrives and stops at the first length over a limit of
// package data (data.MaxItems, data.MaxUsers, data.MaxUserEvents, data.MaxEvents, data.MaxAttrs,
// data.MaxDenseSlots, data.MaxDenseDim, data.MaxStringBytes, data.MaxTextBytes), so a hostile
// file costs at most its own size plus a bounded buffer. A dataset that reads must also pass
// data.Dataset.Validate; Write refuses one that does not, so every file it writes reads back.
package datafile
