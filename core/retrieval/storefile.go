package retrieval

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"strconv"

	"github.com/seminar-ranker/seminar/core/fastscan"
)

// The binary form of a Store, little-endian throughout:
//
//	offset  size    field
//	0       4       magic "SMEV"
//	4       1       version, 1
//	5       1       bits, 4 or 8
//	6       1       flags: bit 0 set when the int8 copy follows, bit 1 when fine codes do
//	7       1       reserved, 0
//	8       4       the codec's checksum: CRC-32 of its codebooks' binary form
//	12      2       codes per event m
//	14      2       width d of the event vectors
//	16      4       events n, at most MaxEvents
//	20      8       time of the first event (int64; 0 when n = 0)
//	28      5n      per event, 40 bits: (seconds after the first event)<<1 | kind (0 browse,
//	                1 search); the first event's offset is 0
//	        …       codes: at 4 bits fastscan.PackedLen4(n, m) bytes in the blocked layout
//	                (lanes past n zero), at 8 bits n×m bytes row-major
//	        fn      with fine codes: the two-stage codec's f fine codes per event, row-major n×f
//	        4n      with the int8 copy: scales (float32, finite, ≥ 0)
//	        dn      with the int8 copy: values (int8, row-major n×d)
//	        4       CRC-32 (IEEE) of every byte before it
const (
	storeMagic   = "SMEV"
	storeVersion = 1
	storeHeader  = 28
	flagInt8     = 1
	flagFine     = 2
)

// ErrMalformed reports store bytes that do not decode, or that belong to another codec.
var ErrMalformed = errors.New("malformed event store")

// MarshalBinary returns the store's binary form.
func (s *Store) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, s.binaryLen(s.n)))
}

// AppendBinary appends the store's binary form to b.
func (s *Store) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	flags := s.flags()
	b = append(b, storeMagic...)
	b = append(b, storeVersion, byte(s.codec.Bits()), flags, 0)
	b = binary.LittleEndian.AppendUint32(b, s.codec.sum)
	b = binary.LittleEndian.AppendUint16(b, uint16(s.codec.CodesPerEvent()))
	b = binary.LittleEndian.AppendUint16(b, uint16(s.codec.model.Dim()))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.n))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.base))
	b = append(b, s.meta...)
	b = append(b, s.codes...)
	b = append(b, s.fine...)
	if s.opts.Int8 {
		for _, x := range s.scale {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		for _, x := range s.int8s {
			b = append(b, byte(x))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:])), nil
}

// flags is the flags byte of the store's binary form.
func (s *Store) flags() byte {
	var flags byte
	if s.opts.Int8 {
		flags |= flagInt8
	}
	if s.HasFine() {
		flags |= flagFine
	}
	return flags
}

// binaryLen is the length of the binary form of n events.
func (s *Store) binaryLen(n int) int {
	m := s.codec.CodesPerEvent()
	codeLen := n * m
	if s.codec.Bits() == 4 {
		codeLen = fastscan.PackedLen4(n, m)
	}
	size := storeHeader + metaBytes*n + codeLen + 4
	if s.HasFine() {
		size += s.codec.FineBytes() * n
	}
	if s.opts.Int8 {
		size += (4 + s.codec.model.Dim()) * n
	}
	return size
}

// UnmarshalBinary replaces the store's events with those encoded in b, which must come from a
// store of the same codec and options. Malformed input gives an error wrapping ErrMalformed
// and leaves the store unchanged.
func (s *Store) UnmarshalBinary(b []byte) error {
	if err := s.unmarshal(b); err != nil {
		return &malformedError{err}
	}
	return nil
}

// malformedError is an UnmarshalBinary failure: it is ErrMalformed, and says why.
type malformedError struct{ err error }

func (e *malformedError) Error() string {
	return "retrieval: " + ErrMalformed.Error() + ": " + e.err.Error()
}
func (e *malformedError) Unwrap() []error { return []error{ErrMalformed, e.err} }

func (s *Store) unmarshal(b []byte) error {
	if len(b) < storeHeader+4 {
		return errors.New(strconv.Itoa(len(b)) + " bytes, shorter than a header")
	}
	if string(b[:4]) != storeMagic {
		return errors.New("bad magic")
	}
	if b[4] != storeVersion {
		return errors.New("version " + strconv.Itoa(int(b[4])) + ", want " + strconv.Itoa(storeVersion))
	}
	flags := s.flags()
	c := s.codec
	switch {
	case int(b[5]) != c.Bits():
		return errors.New(strconv.Itoa(int(b[5])) + "-bit codes, the codec has " + strconv.Itoa(c.Bits()))
	case b[6] != flags:
		return errors.New("flags " + strconv.Itoa(int(b[6])) + ", this store wants " + strconv.Itoa(int(flags)))
	case b[7] != 0:
		return errors.New("reserved byte is not 0")
	case binary.LittleEndian.Uint32(b[8:]) != c.sum:
		return errors.New("codes of another codec")
	case int(binary.LittleEndian.Uint16(b[12:])) != c.CodesPerEvent():
		return errors.New("codes per event differ from the codec's")
	case int(binary.LittleEndian.Uint16(b[14:])) != c.model.Dim():
		return errors.New("vector width differs from the model's")
	}
	n64 := uint64(binary.LittleEndian.Uint32(b[16:]))
	if n64 > MaxEvents {
		return errors.New(strconv.FormatUint(n64, 10) + " events, more than " + strconv.Itoa(MaxEvents))
	}
	n := int(n64)
	if want := s.binaryLen(n); len(b) != want {
		return errors.New(strconv.Itoa(len(b)) + " bytes, want " + strconv.Itoa(want) + " for " + strconv.Itoa(n) + " events")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return errors.New("checksum mismatch")
	}
	base := int64(binary.LittleEndian.Uint64(b[20:]))
	switch {
	case n == 0 && base != 0:
		return errors.New("an empty store with a base time")
	case base > math.MaxInt64-maxTimeOffset:
		return errors.New("a base time too late to hold offsets")
	}
	r := body[storeHeader:]
	meta := append([]byte(nil), r[:metaBytes*n]...)
	if n > 0 && meta[0]&^1|meta[1]|meta[2]|meta[3]|meta[4] != 0 {
		return errors.New("the first event's time offset is not 0")
	}
	r = r[metaBytes*n:]
	m := c.CodesPerEvent()
	codeLen := n * m
	if c.Bits() == 4 {
		codeLen = fastscan.PackedLen4(n, m)
		if err := checkPadding(r[:codeLen], n, m); err != nil {
			return err
		}
	}
	codes := append([]byte(nil), r[:codeLen]...)
	r = r[codeLen:]
	var fine []byte
	if s.HasFine() {
		fine = append([]byte(nil), r[:n*c.FineBytes()]...)
		r = r[n*c.FineBytes():]
	}
	var int8s []int8
	var scale []float32
	if s.opts.Int8 {
		d := c.model.Dim()
		scale = make([]float32, n)
		for i := range scale {
			x := math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:]))
			if !(x >= 0 && x <= math.MaxFloat32) {
				return errors.New("event " + strconv.Itoa(i) + " has an int8 scale that is negative or not finite")
			}
			scale[i] = x
		}
		r = r[4*n:]
		int8s = make([]int8, n*d)
		for i, x := range r[:n*d] {
			int8s[i] = int8(x)
		}
	}
	s.n, s.base, s.meta, s.codes, s.fine, s.int8s, s.scale = n, base, meta, codes, fine, int8s, scale
	return nil
}

// checkPadding reports lanes past the last of n events that hold a code other than 0.
func checkPadding(packed []byte, n, m int) error {
	if n%fastscan.BlockSize == 0 {
		return nil
	}
	blockLen := fastscan.BlockSize / 2 * m
	block := packed[len(packed)-blockLen:]
	for p := 0; p < m/2; p++ {
		for lane := n % fastscan.BlockSize; lane < fastscan.BlockSize; lane++ {
			if block[p*fastscan.BlockSize+lane] != 0 {
				return errors.New("the padding of the last block holds codes")
			}
		}
	}
	return nil
}
