package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/msgp"
)

func tinyConfig() model.Config {
	return model.Config{
		Dim: 4, Heads: 2, TopK: 2, IDBuckets: 3, TokenBuckets: 5, AttrBuckets: 2,
		DenseDims: []int{2}, MLPHidden: []int{3}, Seed: 11,
	}
}

func withAgeBuckets(c model.Config, n int) model.Config {
	c.AgeBuckets = n
	return c
}

func newModel(t testing.TB, c model.Config) *model.Model {
	t.Helper()
	m, err := model.New(c)
	require.NoError(t, err)
	return m
}

func marshal(t testing.TB, m *model.Model, extras map[string][]byte) []byte {
	t.Helper()
	b, err := Marshal(m, extras)
	require.NoError(t, err)
	return b
}

func TestRoundTrip(t *testing.T) {
	c := model.DefaultConfig()
	c.IDBuckets, c.TokenBuckets, c.AttrBuckets = 64, 128, 16
	c.DenseDims = []int{8, 3}
	c.Seed = 1<<63 + 5
	tests := []struct {
		name   string
		config model.Config
		extras map[string][]byte
	}{
		{"tiny, no extras", tinyConfig(), nil},
		{"tiny with age buckets", withAgeBuckets(tinyConfig(), 3), nil},
		{"default shape with extras", c, map[string][]byte{"pq.codebooks": {1, 2, 3}, "empty": {}, "big": make([]byte, 70000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel(t, tt.config)
			var buf bytes.Buffer
			require.NoError(t, Save(&buf, m, tt.extras))
			got, extras, err := Load(buf.Bytes())
			require.NoError(t, err)
			assert.Equal(t, m.Config(), got.Config())
			assert.Equal(t, m.Tensors(), got.Tensors())
			require.Len(t, extras, len(tt.extras))
			for name, want := range tt.extras {
				assert.True(t, bytes.Equal(want, extras[name]), name)
			}

			// The loaded model scores exactly as the saved one.
			r := rand.New(rand.NewPCG(1, 2))
			vecs := make([]float32, 50*m.Dim())
			for i := range vecs {
				vecs[i] = float32(r.NormFloat64())
			}
			hist, err := model.WrapHistory(m.Dim(), vecs)
			require.NoError(t, err)
			cand := &data.Item{ID: "x", Text: "red shoe"}
			want, err := model.NewScorer(m).Score(hist, "shoe", data.Search, cand)
			require.NoError(t, err)
			have, err := model.NewScorer(got).Score(hist, "shoe", data.Search, cand)
			require.NoError(t, err)
			assert.Equal(t, want, have)

			again := marshal(t, got, extras)
			assert.Equal(t, buf.Bytes(), again, "saving is deterministic")
		})
	}
}

// fileLayout mirrors the format for decoding with msgpack/v5.
type fileLayout struct {
	Magic   string `msgpack:"magic"`
	Version int    `msgpack:"version"`
	Config  struct {
		Dim          int    `msgpack:"dim"`
		Heads        int    `msgpack:"heads"`
		TopK         int    `msgpack:"top_k"`
		IDBuckets    int    `msgpack:"id_buckets"`
		TokenBuckets int    `msgpack:"token_buckets"`
		AttrBuckets  int    `msgpack:"attr_buckets"`
		DenseDims    []int  `msgpack:"dense_dims"`
		MLPHidden    []int  `msgpack:"mlp_hidden"`
		Seed         uint64 `msgpack:"seed"`
		AgeBuckets   int    `msgpack:"age_buckets,omitempty"`
	} `msgpack:"config"`
	Tensors []struct {
		Name  string `msgpack:"name"`
		Shape []int  `msgpack:"shape"`
		Data  []byte `msgpack:"data"`
	} `msgpack:"tensors"`
	Extras map[string][]byte `msgpack:"extras"`
	CRC32  uint32            `msgpack:"crc32"`
}

func TestFileIsMessagePack(t *testing.T) {
	m := newModel(t, withAgeBuckets(tinyConfig(), 4))
	b := marshal(t, m, map[string][]byte{"pq": {9}})
	var f fileLayout
	require.NoError(t, msgpack.Unmarshal(b, &f))
	assert.Equal(t, Magic, f.Magic)
	assert.Equal(t, Version, f.Version)
	c := m.Config()
	assert.Equal(t, c.Dim, f.Config.Dim)
	assert.Equal(t, c.DenseDims, f.Config.DenseDims)
	assert.Equal(t, c.MLPHidden, f.Config.MLPHidden)
	assert.Equal(t, c.Seed, f.Config.Seed)
	assert.Equal(t, 4, f.Config.AgeBuckets)
	assert.Equal(t, map[string][]byte{"pq": {9}}, f.Extras)
	assert.Equal(t, crc32.ChecksumIEEE(b[:len(b)-trailerLen]), f.CRC32)
	tensors := m.Tensors()
	require.Len(t, f.Tensors, len(tensors))
	for i, tn := range tensors {
		assert.Equal(t, tn.Name, f.Tensors[i].Name)
		assert.Equal(t, tn.Shape, f.Tensors[i].Shape)
		require.Len(t, f.Tensors[i].Data, 4*len(tn.Data))
		for j, v := range tn.Data {
			require.Equal(t, math.Float32bits(v), binary.LittleEndian.Uint32(f.Tensors[i].Data[4*j:]))
		}
	}

	// A file written by msgpack/v5 from the same layout loads too (key order aside, the format
	// is plain MessagePack).
	f.CRC32 = 0
	re, err := msgpack.Marshal(&f)
	require.NoError(t, err)
	re = fixChecksum(re)
	got, extras, err := Load(re)
	require.NoError(t, err)
	assert.Equal(t, m.Tensors(), got.Tensors())
	assert.Equal(t, map[string][]byte{"pq": {9}}, extras)
}

// fixChecksum rewrites the checksum at the end of b (which must end with the trailer key and
// four bytes) to match its content.
func fixChecksum(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) >= trailerLen {
		binary.BigEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-trailerLen]))
	}
	return b
}

// doc is a model file as a list of parts that tests can break one at a time.
type doc struct {
	entries []entry
}

type entry struct {
	key   string
	write func(w *msgp.Writer)
}

type tensorDoc struct {
	fields []entry
}

func ints(v ...int) func(w *msgp.Writer) {
	return func(w *msgp.Writer) {
		w.WriteArrayHeader(len(v))
		for _, x := range v {
			w.WriteInt(int64(x))
		}
	}
}

func writeEntries(w *msgp.Writer, es []entry) {
	w.WriteMapHeader(len(es))
	for _, e := range es {
		w.WriteString(e.key)
		e.write(w)
	}
}

// parts builds the config, tensors and extras of a valid file of m.
func parts(m *model.Model) (config []entry, tensors []tensorDoc, extras []entry) {
	c := m.Config()
	intEntry := func(key string, v int) entry {
		return entry{key, func(w *msgp.Writer) { w.WriteInt(int64(v)) }}
	}
	config = []entry{
		intEntry("dim", c.Dim), intEntry("heads", c.Heads), intEntry("top_k", c.TopK),
		intEntry("id_buckets", c.IDBuckets), intEntry("token_buckets", c.TokenBuckets),
		intEntry("attr_buckets", c.AttrBuckets),
		{"dense_dims", ints(c.DenseDims...)}, {"mlp_hidden", ints(c.MLPHidden...)},
		{"seed", func(w *msgp.Writer) { w.WriteUint(c.Seed) }},
	}
	if c.AgeBuckets > 0 {
		config = append(config, intEntry("age_buckets", c.AgeBuckets))
	}
	for _, tn := range m.Tensors() {
		raw := make([]byte, 4*len(tn.Data))
		for i, v := range tn.Data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		tensors = append(tensors, tensorDoc{[]entry{
			{"name", func(w *msgp.Writer) { w.WriteString(tn.Name) }},
			{"shape", ints(tn.Shape...)},
			{"data", func(w *msgp.Writer) { w.WriteBin(raw) }},
		}})
	}
	extras = []entry{{"pq", func(w *msgp.Writer) { w.WriteBin([]byte{1, 2}) }}}
	return config, tensors, extras
}

func encodeFile(magic entry, version entry, config []entry, tensors []tensorDoc, extras []entry, more []entry) []byte {
	w := msgp.NewWriter(nil)
	w.WriteMapHeader(6 + len(more))
	for _, e := range append([]entry{magic, version}, more...) {
		w.WriteString(e.key)
		e.write(w)
	}
	w.WriteString("config")
	writeEntries(w, config)
	w.WriteString("tensors")
	w.WriteArrayHeader(len(tensors))
	for _, tn := range tensors {
		writeEntries(w, tn.fields)
	}
	w.WriteString("extras")
	writeEntries(w, extras)
	sum := crc32.ChecksumIEEE(w.Bytes())
	w.WriteString("crc32")
	w.WriteUint32Fixed(sum)
	return w.Bytes()
}

func str(s string) func(w *msgp.Writer) { return func(w *msgp.Writer) { w.WriteString(s) } }

func intv(v int64) func(w *msgp.Writer) { return func(w *msgp.Writer) { w.WriteInt(v) } }

func floats(v ...float32) func(w *msgp.Writer) {
	return func(w *msgp.Writer) {
		raw := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
		}
		w.WriteBin(raw)
	}
}

type edit func(config []entry, tensors []tensorDoc, extras []entry) ([]entry, []tensorDoc, []entry)

var (
	magicEntry   = entry{"magic", str(Magic)}
	versionEntry = entry{"version", intv(Version)}
)

// build returns the file of m after an edit of its parts.
func build(m *model.Model, e edit) []byte {
	c, ts, ex := parts(m)
	c, ts, ex = e(c, ts, ex)
	return encodeFile(magicEntry, versionEntry, c, ts, ex, nil)
}

func setConfig(key string, write func(w *msgp.Writer)) edit {
	return func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
		for i := range c {
			if c[i].key == key {
				c[i].write = write
			}
		}
		return c, ts, ex
	}
}

// Tensor 5 of the tiny model is query.none, of shape [4]; its fields are name, shape, data.
const noQuery = 5

func setTensorField(tensor, field int, write func(w *msgp.Writer)) edit {
	return func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
		ts[tensor].fields[field].write = write
		return c, ts, ex
	}
}

// A model without age buckets is written without the field, byte for byte as before it existed,
// and a file without it loads as a model without age buckets.
func TestAgeBucketsOptional(t *testing.T) {
	m := newModel(t, tinyConfig())
	b := marshal(t, m, nil)
	assert.NotContains(t, string(b), "age_buckets")
	got, _, err := Load(b)
	require.NoError(t, err)
	assert.Zero(t, got.Config().AgeBuckets)

	m = newModel(t, withAgeBuckets(tinyConfig(), 6))
	got, _, err = Load(marshal(t, m, nil))
	require.NoError(t, err)
	assert.Equal(t, 6, got.Config().AgeBuckets)
	assert.Len(t, got.Params.ESUAge, 6*2)
}

func TestLoadErrors(t *testing.T) {
	m := newModel(t, tinyConfig())
	valid := marshal(t, m, map[string][]byte{"pq": {1, 2}})
	header := func(magic, version entry, more ...entry) []byte {
		return encodeFile(magic, version, nil, nil, nil, more)
	}
	flip := func(at int, mask byte) []byte {
		b := bytes.Clone(valid)
		b[at] ^= mask
		return b
	}
	manyExtras := make([]entry, MaxExtras+1)
	for i := range manyExtras {
		manyExtras[i] = entry{"e" + strconv.Itoa(i), func(w *msgp.Writer) { w.WriteBin(nil) }}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	tests := []struct {
		name   string
		file   []byte
		kind   error
		errMsg string
	}{
		{"empty", nil, ErrNotModel, "want a map"},
		{"not a map", []byte{0x93, 1, 2, 3}, ErrNotModel, "want a map"},
		{"a dataset, not a model", header(entry{"name", str("movielens")}, versionEntry), ErrNotModel, `key "name"`},
		{"wrong magic", header(entry{"magic", str("seminar-modem")}, versionEntry), ErrNotModel, "bad magic"},
		{"magic not a string", header(entry{"magic", intv(1)}, versionEntry), ErrNotModel, "bad magic"},
		{"wrong version", header(magicEntry, entry{"version", intv(2)}), ErrVersion, "version 2, this reader knows 1"},
		{"version not an int", header(magicEntry, entry{"version", str("1")}), ErrCorrupt, "found str"},
		{"version missing", header(magicEntry, entry{"config", intv(1)}), ErrCorrupt, `key "config" at offset 21, want "version"`},
		{"bad checksum", flip(len(valid)/2, 1), ErrChecksum, "checksum mismatch"},
		{"checksum bits", flip(len(valid)-1, 0x80), ErrChecksum, "file says"},
		{"truncated", valid[:len(valid)-3], ErrCorrupt, "no checksum at the end of the file"},
		{"truncated after the version", valid[:30], ErrCorrupt, "no checksum"},
		{"trailing bytes", append(bytes.Clone(valid), 0xc0), ErrCorrupt, "no checksum"},
		{"extra top-level entry", header(magicEntry, versionEntry, entry{"x", str("y")}), ErrCorrupt, "top-level map has 7 entries, want 6"},
		{"zero dim", build(m, setConfig("dim", intv(0))), ErrCorrupt, "config: model: config: Dim must be in [1, 1024], got 0"},
		{"heads do not divide dim", build(m, setConfig("heads", intv(3))), ErrCorrupt, "Dim 4 is not a multiple of Heads 3"},
		{"absurd bucket count", build(m, setConfig("id_buckets", intv(1<<40))), ErrCorrupt, `config field "id_buckets": 1099511627776 out of range`},
		{"too many parameters", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			c[0].write, c[3].write = intv(1024), intv(1<<24)
			return c, ts, ex
		}), ErrCorrupt, "parameters exceed the limit"},
		{"config larger than the file", build(m, setConfig("id_buckets", intv(1<<20))), ErrCorrupt, "config declares 4194556 parameters, more than a file of"},
		{"too many dense slots", build(m, setConfig("dense_dims", ints(make([]int, 17)...))), ErrCorrupt, "17 elements over the limit of 16"},
		{"negative seed", build(m, setConfig("seed", intv(-1))), ErrCorrupt, `config field "seed"`},
		{"config field of the wrong type", build(m, setConfig("top_k", str("2"))), ErrCorrupt, "found str"},
		{"unknown config field", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			c[2].key = "topk"
			return c, ts, ex
		}), ErrCorrupt, `config: unknown field "topk"`},
		{"duplicate config field", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			c[2].key = "dim"
			return c, ts, ex
		}), ErrCorrupt, `config: duplicate field "dim"`},
		{"missing config field", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			return c[:8], ts, ex
		}), ErrCorrupt, `config: missing field "seed"`},
		{"unknown tensor", build(m, setTensorField(noQuery, 0, str("query.some"))), ErrCorrupt, `tensor 5: unknown tensor "query.some"`},
		{"duplicate tensor", build(m, setTensorField(noQuery+1, 0, str("query.none"))), ErrCorrupt, `tensor 6: duplicate tensor "query.none"`},
		{"missing tensor", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			return c, append(ts[:noQuery:noQuery], ts[noQuery+1:]...), ex
		}), ErrCorrupt, `missing tensor "query.none"`},
		{"too many tensors", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			return c, append(ts, ts[0]), ex
		}), ErrCorrupt, "20 tensors, the configuration has 19"},
		{"wrong shape", build(m, setTensorField(noQuery, 1, ints(2, 2))), ErrCorrupt, `tensor "query.none" has shape [2 2], the configuration says [4]`},
		{"shape of absurd rank", build(m, setTensorField(noQuery, 1, ints(1, 1, 1, 1, 1, 1, 1, 1, 4))), ErrCorrupt, "9 elements over the limit of 8"},
		{"short data", build(m, setTensorField(noQuery, 2, floats(1, 2, 3))), ErrCorrupt, `tensor "query.none" has 12 bytes of data, want 16`},
		{"data not bin", build(m, setTensorField(noQuery, 2, str("abcdabcdabcdabcd"))), ErrCorrupt, `field "data"`},
		{"NaN weight", build(m, setTensorField(noQuery, 2, floats(0, 0, nan, 0))), ErrCorrupt, `tensor "query.none" element 2 is not finite`},
		{"infinite weight", build(m, setTensorField(noQuery, 2, floats(inf, 0, 0, 0))), ErrCorrupt, `tensor "query.none" element 0 is not finite`},
		{"unknown tensor field", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			ts[0].fields[1].key = "dims"
			return c, ts, ex
		}), ErrCorrupt, `tensor 0: tensor: unknown field "dims"`},
		{"too many extras", build(m, func(c []entry, ts []tensorDoc, _ []entry) ([]entry, []tensorDoc, []entry) {
			return c, ts, manyExtras
		}), ErrCorrupt, "extras"},
		{"duplicate extra", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			return c, ts, append(ex, ex[0])
		}), ErrCorrupt, `duplicate extra section "pq"`},
		{"extra with an empty name", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			ex[0].key = ""
			return c, ts, ex
		}), ErrCorrupt, "extra section with an empty name"},
		{"extra not bin", build(m, func(c []entry, ts []tensorDoc, ex []entry) ([]entry, []tensorDoc, []entry) {
			ex[0].write = intv(3)
			return c, ts, ex
		}), ErrCorrupt, `extra section "pq"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, extras, err := Load(tt.file)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Nil(t, extras)
			assert.ErrorIs(t, err, tt.kind)
			var ferr *Error
			assert.True(t, errors.As(err, &ferr))
			assert.Contains(t, err.Error(), tt.errMsg)
		})
	}
}

func TestLoadEveryTruncation(t *testing.T) {
	valid := marshal(t, newModel(t, tinyConfig()), map[string][]byte{"pq": {1, 2}})
	for n := range len(valid) {
		_, _, err := Load(valid[:n])
		require.Error(t, err, "prefix of %d bytes", n)
		// With the checksum patched in, the parser itself must find the truncation.
		_, _, err = Load(fixChecksum(valid[:n]))
		require.Error(t, err, "patched prefix of %d bytes", n)
	}
}

func TestMarshalErrors(t *testing.T) {
	m := newModel(t, tinyConfig())
	bad := newModel(t, tinyConfig())
	bad.Params.ESUO[3] = float32(math.Inf(1))
	many := map[string][]byte{}
	for i := range MaxExtras + 1 {
		many[strconv.Itoa(i)] = nil
	}
	tests := []struct {
		name   string
		model  *model.Model
		extras map[string][]byte
		errMsg string
	}{
		{"weight not finite", bad, nil, "tensor esu.o element 3 is not finite"},
		{"too many extras", m, many, "65 extra sections, the limit is 64"},
		{"empty extra name", m, map[string][]byte{"": {1}}, "extra section name of 0 bytes"},
		{"long extra name", m, map[string][]byte{string(make([]byte, MaxNameLen+1)): {1}}, "extra section name of 257 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Save(&buf, tt.model, tt.extras)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
			assert.Zero(t, buf.Len())
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSaveWriteError(t *testing.T) {
	err := Save(failingWriter{}, newModel(t, tinyConfig()), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
}
