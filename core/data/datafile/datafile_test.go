package datafile

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/data/convert"
	"github.com/seminar-ranker/seminar/core/data/synth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"
)

func sampleDataset() *data.Dataset {
	return &data.Dataset{
		Name:       "sample",
		Note:       "queries synthesised from genres",
		DenseNames: []string{"image", "audio"},
		DenseDims:  []int{3, 2},
		Items: []data.Item{
			{ID: "1", Text: "Toy Story", Attrs: []data.Attr{{Field: "genre", Value: "Comedy"}, {Field: "decade", Value: "1990s"}},
				Dense: [][]float32{{0.5, -1.25, 3e-8}, {65504, -0}}},
			{ID: "2", Dense: [][]float32{nil, {1, 2}}},
			{ID: "3", Text: "Café Ünïcode"},
		},
		Users: []data.User{
			{ID: "u1", Events: []data.Event{
				{Time: -5, Kind: data.Search, Query: "comedy", Item: 0},
				{Time: 881250949, Kind: data.Browse, Item: 2},
				{Time: 1 << 40, Kind: data.Search, Query: "comedy", Item: 1},
			}},
			{ID: "u2"},
		},
	}
}

func encode(t testing.TB, d *data.Dataset) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, d))
	return buf.Bytes()
}

// fileWithBody frames a raw MessagePack body as a dataset file.
func fileWithBody(t testing.TB, version byte, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write(magicPrefix)
	buf.WriteByte(version)
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		d    *data.Dataset
	}{
		{"sample", sampleDataset()},
		{"empty", &data.Dataset{}},
		{"no dense", &data.Dataset{Name: "x", Items: []data.Item{{ID: "a"}}, Users: []data.User{{ID: "u", Events: []data.Event{{Item: 0}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := encode(t, tt.d)
			got, err := Read(bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Equal(t, tt.d, got)
		})
	}
}

func TestHeaderBytes(t *testing.T) {
	raw := encode(t, sampleDataset())
	want := []byte{0x92, 0xaf, 's', 'e', 'm', 'i', 'n', 'a', 'r', '-', 'd', 'a', 't', 'a', 's', 'e', 't', 0x01}
	assert.Equal(t, want, raw[:18], "the documented header")
	assert.Equal(t, []byte{0x1f, 0x8b}, raw[18:20], "a gzip member follows the header")

	var header []any
	require.NoError(t, msgpack.NewDecoder(bytes.NewReader(raw)).Decode(&header))
	assert.Equal(t, []any{Magic, int8(Version)}, header, "the header is MessagePack")
}

// The body is plain MessagePack that the reflection codec of msgpack/v5 reads and writes, since
// the keys are the struct tags of package data.
func TestBodyMatchesMsgpackStructTags(t *testing.T) {
	d := sampleDataset()
	raw := encode(t, d)
	zr, err := gzip.NewReader(bytes.NewReader(raw[18:]))
	require.NoError(t, err)
	var viaReflection data.Dataset
	require.NoError(t, msgpack.NewDecoder(zr).Decode(&viaReflection))
	assert.Equal(t, d, &viaReflection)

	body, err := msgpack.Marshal(d)
	require.NoError(t, err)
	got, err := Read(bytes.NewReader(fileWithBody(t, Version, body)))
	require.NoError(t, err)
	assert.Equal(t, d, got)
}

func TestReadErrors(t *testing.T) {
	good := encode(t, sampleDataset())
	marshal := func(v any) []byte {
		b, err := msgpack.Marshal(v)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name   string
		file   []byte
		is     error
		errHas string
	}{
		{"empty file", nil, ErrTruncated, "truncated"},
		{"wrong magic", []byte("PK\x03\x04 this is a zip file, not a dataset"), ErrMagic, "wrong magic"},
		{"gzip file", append([]byte{0x1f, 0x8b}, good[20:]...), ErrMagic, "wrong magic"},
		{"header cut", good[:10], ErrTruncated, "header"},
		{"no version", good[:17], ErrTruncated, "header"},
		{"newer version", fileWithBody(t, 2, marshal(sampleDataset())), ErrVersion, "version 2 (this build reads version 1)"},
		{"no body", good[:18], ErrTruncated, "body"},
		{"body cut", good[:len(good)/2], ErrTruncated, "body"},
		{"gzip trailer cut", good[:len(good)-4], ErrTruncated, "body"},
		{"trailing data", append(append([]byte(nil), good...), 0), nil, "data after the body"},
		{"bad checksum", flipByte(good, len(good)-6), nil, "checksum"},
		{"not a map", fileWithBody(t, Version, marshal([]int{1, 2})), nil, "decoding map length"},
		{"two maps", fileWithBody(t, Version, append(marshal(map[string]any{"name": "a", "items": nil, "users": nil}), 0x80)), nil, "data after the dataset map"},
		{"unknown key", fileWithBody(t, Version, marshal(map[string]any{"name": "a", "extra": 1})), nil, `unknown dataset key "extra"`},
		{"missing key", fileWithBody(t, Version, marshal(map[string]any{"name": "a", "items": nil})), nil, `dataset map lacks key "users"`},
		{"event lacks item", fileWithBody(t, Version, marshal(map[string]any{"name": "a", "items": nil,
			"users": []any{map[string]any{"id": "u", "events": []any{map[string]any{"t": 1, "k": 0}}}}})), nil, `users: [0]: events: [0]: event map lacks key "i"`},
		{"invalid dataset", fileWithBody(t, Version, marshal(map[string]any{"name": "a", "items": nil,
			"users": []any{map[string]any{"id": "u", "events": []any{map[string]any{"t": 1, "k": 0, "i": 0}}}}})), nil, "invalid dataset: data: user 0: event 0: item 0 out of range [0, 0)"},
		{"long string", fileWithBody(t, Version, marshal(map[string]any{"name": strings.Repeat("n", data.MaxStringBytes+1)})), nil, "name: string of 4097 bytes, more than the limit 4096"},
		{"too many items", fileWithBody(t, Version, []byte{0x81, 0xa5, 'i', 't', 'e', 'm', 's', 0xdd, 0x7f, 0xff, 0xff, 0xff}), nil, "items: array of 2147483647 elements, more than the limit"},
		{"claimed events missing", fileWithBody(t, Version, append([]byte{0x83, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'a', 0xa5, 'i', 't', 'e', 'm', 's', 0xc0},
			0xa5, 'u', 's', 'e', 'r', 's', 0x91, 0x82, 0xa2, 'i', 'd', 0xa1, 'u', 0xa6, 'e', 'v', 'e', 'n', 't', 's', 0xdd, 0x00, 0x10, 0x00, 0x00)), ErrTruncated, "users: [0]: events: [0]"},
		{"huge vector", fileWithBody(t, Version, []byte{0x81, 0xa5, 'i', 't', 'e', 'm', 's', 0x91, 0x81, 0xa5, 'd', 'e', 'n', 's', 'e', 0x91, 0xdc, 0xff, 0xff}), nil, "vector of 65535 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(bytes.NewReader(tt.file))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.errHas)
			assert.True(t, strings.HasPrefix(err.Error(), "datafile: "), err.Error())
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func flipByte(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0xff
	return out
}

func TestWriteRefusesInvalid(t *testing.T) {
	d := sampleDataset()
	d.Users[0].Events[0].Item = 99
	var buf bytes.Buffer
	err := Write(&buf, d)
	require.ErrorContains(t, err, "refusing to write an invalid dataset")
	assert.Zero(t, buf.Len())
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sample.sds")
	d := sampleDataset()
	require.NoError(t, WriteFile(path, d))
	got, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, d, got)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")

	d.Users[0].Events[0].Item = 99
	require.Error(t, WriteFile(path, d))
	got, err = ReadFile(path)
	require.NoError(t, err, "a failed write keeps the previous file")
	assert.Equal(t, "sample", got.Name)

	_, err = ReadFile(filepath.Join(dir, "missing.sds"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestReadSharesRepeatedStrings(t *testing.T) {
	raw := encode(t, sampleDataset())
	got, err := Read(bytes.NewReader(raw))
	require.NoError(t, err)
	q0, q2 := got.Users[0].Events[0].Query, got.Users[0].Events[2].Query
	require.Equal(t, q0, q2)
	assert.Same(t, unsafe.StringData(q0), unsafe.StringData(q2), "one string for equal queries")
}

func FuzzRead(f *testing.F) {
	good := encode(f, sampleDataset())
	f.Add(good)
	f.Add(good[:40])
	f.Add(encode(f, &data.Dataset{}))
	f.Add([]byte{})
	f.Add(append([]byte(nil), magicPrefix...))
	f.Fuzz(func(t *testing.T, file []byte) {
		checkRead(t, file)
	})
}

// FuzzBody fuzzes the decoder of the MessagePack body directly, where a fuzzer working on whole
// (gzip-compressed) files rarely gets.
func FuzzBody(f *testing.F) {
	for _, d := range []*data.Dataset{sampleDataset(), {}} {
		body, err := msgpack.Marshal(d)
		require.NoError(f, err)
		f.Add(body)
	}
	f.Add([]byte{0x81, 0xa5, 'i', 't', 'e', 'm', 's', 0x91, 0x81, 0xa5, 'd', 'e', 'n', 's', 'e', 0x91, 0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := decodeDataset(bytes.NewReader(body))
		if err != nil || d.Validate() != nil {
			return
		}
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, d))
		again, err := Read(&buf)
		require.NoError(t, err)
		require.Equal(t, d, again)
	})
}

// checkRead: Read never panics, and what it accepts is valid and survives a write-read cycle.
func checkRead(t *testing.T, file []byte) {
	d, err := Read(bytes.NewReader(file))
	if err != nil {
		require.Nil(t, d)
		return
	}
	require.NoError(t, d.Validate())
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, d))
	again, err := Read(&buf)
	require.NoError(t, err)
	require.Equal(t, d, again)
}

// Real datasets survive a write and a read unchanged: MovieLens for text, attributes and queries,
// TikTok for dense vectors (Best Buy holds nothing the two do not, and would only slow the test).
func TestConvertedDatasetsRoundTrip(t *testing.T) {
	for _, name := range []string{"ml-100k", "tiktok"} {
		t.Run(name, func(t *testing.T) {
			src, err := convert.Lookup(name)
			require.NoError(t, err)
			dir, err := src.DefaultDir()
			if err != nil {
				t.Skipf("skipping: %s data not available: %v", name, err)
			}
			d, err := src.Convert(dir)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, d))
			got, err := Read(&buf)
			require.NoError(t, err)
			if !reflect.DeepEqual(d, got) {
				t.Fatal("dataset changed in a write-read cycle")
			}
		})
	}
}

func benchmarkDataset(b *testing.B) *data.Dataset {
	d, err := synth.LongUser(1, 10000, 100000)
	require.NoError(b, err)
	return d
}

func BenchmarkWrite100K(b *testing.B) {
	d := benchmarkDataset(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		require.NoError(b, Write(&buf, d))
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

func BenchmarkRead100K(b *testing.B) {
	var buf bytes.Buffer
	require.NoError(b, Write(&buf, benchmarkDataset(b)))
	b.ReportAllocs()
	for b.Loop() {
		_, err := Read(bytes.NewReader(buf.Bytes()))
		require.NoError(b, err)
	}
}
