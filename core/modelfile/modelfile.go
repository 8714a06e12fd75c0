package modelfile

import (
	"errors"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/seminar-ranker/seminar/core/model"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// Magic and Version identify the format.
const (
	Magic   = "seminar-model"
	Version = 1
)

// Limits of the format.
const (
	MaxFileSize = 1 << 30 // bytes of a whole file
	MaxExtras   = 64      // extra sections
	MaxNameLen  = 256     // bytes of a tensor or section name
)

// Causes of a Load error, for errors.Is. Every error of Load wraps one of them.
var (
	ErrNotModel = errors.New("not a seminar model file")
	ErrVersion  = errors.New("unsupported format version")
	ErrChecksum = errors.New("checksum mismatch")
	ErrCorrupt  = errors.New("malformed model file")
)

// The file ends with the key "crc32" as a fixstr and the checksum as a uint32.
var trailerKey = []byte{0xa5, 'c', 'r', 'c', '3', '2', 0xce}

const trailerLen = 11

const (
	numEntries      = 6
	numConfigFields = 9
	numTensorFields = 3
	maxShapeRank    = 8
)

// Save writes m and the extra sections to w in the model file format.
func Save(w io.Writer, m *model.Model, extras map[string][]byte) error {
	b, err := Marshal(m, extras)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return errors.New("modelfile: writing: " + err.Error())
	}
	return nil
}

// Marshal returns m and the extra sections in the model file format. It refuses what Load would:
// weights that are not finite, too many or badly named sections, a file over MaxFileSize.
func Marshal(m *model.Model, extras map[string][]byte) ([]byte, error) {
	if len(extras) > MaxExtras {
		return nil, errors.New("modelfile: " + strconv.Itoa(len(extras)) + " extra sections, the limit is " +
			strconv.Itoa(MaxExtras))
	}
	names := make([]string, 0, len(extras))
	size := 1 << 12
	for name, data := range extras {
		if name == "" || len(name) > MaxNameLen {
			return nil, errors.New("modelfile: extra section name of " + strconv.Itoa(len(name)) +
				" bytes, want 1 to " + strconv.Itoa(MaxNameLen))
		}
		names = append(names, name)
		size += len(name) + len(data) + 8
	}
	slices.Sort(names)
	tensors := m.Tensors()
	for _, t := range tensors {
		if i := firstNonFinite(t.Data); i >= 0 {
			return nil, errors.New("modelfile: tensor " + t.Name + " element " + strconv.Itoa(i) + " is not finite")
		}
		size += 4*len(t.Data) + len(t.Name) + 64
	}
	if size > MaxFileSize {
		return nil, errors.New("modelfile: file of " + strconv.Itoa(size) + " bytes over the limit of " +
			strconv.Itoa(MaxFileSize))
	}

	w := msgp.NewWriter(make([]byte, 0, size))
	w.WriteMapHeader(numEntries)
	w.WriteString("magic")
	w.WriteString(Magic)
	w.WriteString("version")
	w.WriteInt(Version)
	w.WriteString("config")
	writeConfig(w, m.Config())
	w.WriteString("tensors")
	w.WriteArrayHeader(len(tensors))
	for _, t := range tensors {
		writeTensor(w, t)
	}
	w.WriteString("extras")
	w.WriteMapHeader(len(names))
	for _, name := range names {
		w.WriteString(name)
		w.WriteBin(extras[name])
	}
	if err := w.Err(); err != nil {
		return nil, errors.New("modelfile: encoding: " + err.Error())
	}
	sum := crc32.ChecksumIEEE(w.Bytes())
	w.WriteString("crc32")
	w.WriteUint32Fixed(sum)
	return w.Bytes(), nil
}

func writeConfig(w *msgp.Writer, c model.Config) {
	n := numConfigFields
	if c.AgeBuckets > 0 {
		n++
	}
	w.WriteMapHeader(n)
	for _, f := range []struct {
		key string
		v   int
	}{
		{"dim", c.Dim}, {"heads", c.Heads}, {"top_k", c.TopK}, {"id_buckets", c.IDBuckets},
		{"token_buckets", c.TokenBuckets}, {"attr_buckets", c.AttrBuckets},
	} {
		w.WriteString(f.key)
		w.WriteInt(int64(f.v))
	}
	w.WriteString("dense_dims")
	writeInts(w, c.DenseDims)
	w.WriteString("mlp_hidden")
	writeInts(w, c.MLPHidden)
	w.WriteString("seed")
	w.WriteUint(c.Seed)
	// Written only when set, so that a model without age buckets keeps the bytes of the files
	// written before them.
	if c.AgeBuckets > 0 {
		w.WriteString("age_buckets")
		w.WriteInt(int64(c.AgeBuckets))
	}
}

func writeInts(w *msgp.Writer, v []int) {
	w.WriteArrayHeader(len(v))
	for _, x := range v {
		w.WriteInt(int64(x))
	}
}

func writeTensor(w *msgp.Writer, t model.Tensor) {
	w.WriteMapHeader(numTensorFields)
	w.WriteString("name")
	w.WriteString(t.Name)
	w.WriteString("shape")
	writeInts(w, t.Shape)
	w.WriteString("data")
	if !w.WriteBinHeader(4 * len(t.Data)) {
		return
	}
	var chunk [4096]byte
	for len(t.Data) > 0 {
		n := min(len(t.Data), len(chunk)/4)
		for i, v := range t.Data[:n] {
			bits := math.Float32bits(v)
			chunk[4*i], chunk[4*i+1], chunk[4*i+2], chunk[4*i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
		}
		w.WriteRaw(chunk[:4*n])
		t.Data = t.Data[n:]
	}
}
