package retrieval

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/seminar-ranker/seminar/core/fastscan"
)

// StoreHeader is what the header of a store's binary form says, read without decoding the
// events: enough to route a store to the codec that made it, or to refuse it.
type StoreHeader struct {
	Bits   int    // 4 or 8
	Int8   bool   // an int8 copy follows the codes
	Fine   bool   // fine codes follow the coarse codes
	Codec  uint32 // the codec's checksum (Codec.Sum)
	Codes  int    // codes per event
	Dim    int    // width of the event vectors
	Events int    // events in the store
	First  int64  // time of the first event (0 when Events is 0)
}

// ReadStoreHeader reads the header of a store's binary form. It checks the magic, version and
// sizes, not the checksum: UnmarshalBinary checks the whole.
func ReadStoreHeader(b []byte) (StoreHeader, error) {
	var h StoreHeader
	switch {
	case len(b) < storeHeader+4:
		return h, &malformedError{errors.New(strconv.Itoa(len(b)) + " bytes, shorter than a header")}
	case string(b[:4]) != storeMagic:
		return h, &malformedError{errors.New("bad magic")}
	case b[4] != storeVersion:
		return h, &malformedError{errors.New("version " + strconv.Itoa(int(b[4])) + ", want " + strconv.Itoa(storeVersion))}
	case b[5] != 4 && b[5] != 8:
		return h, &malformedError{errors.New(strconv.Itoa(int(b[5])) + "-bit codes")}
	case b[6]&^(flagInt8|flagFine) != 0 || b[7] != 0:
		return h, &malformedError{errors.New("unknown flags")}
	}
	h = StoreHeader{
		Bits:   int(b[5]),
		Int8:   b[6]&flagInt8 != 0,
		Fine:   b[6]&flagFine != 0,
		Codec:  binary.LittleEndian.Uint32(b[8:]),
		Codes:  int(binary.LittleEndian.Uint16(b[12:])),
		Dim:    int(binary.LittleEndian.Uint16(b[14:])),
		Events: int(binary.LittleEndian.Uint32(b[16:])),
		First:  int64(binary.LittleEndian.Uint64(b[20:])),
	}
	if h.Events > MaxEvents {
		return h, &malformedError{errors.New(strconv.Itoa(h.Events) + " events, more than " + strconv.Itoa(MaxEvents))}
	}
	return h, nil
}

// Options returns the StoreOptions of a store with this header, for a codec with or without
// fine codes.
func (h StoreHeader) Options(c *Codec) StoreOptions {
	return StoreOptions{Int8: h.Int8, SkipFine: c.Fine() != nil && !h.Fine}
}

// Sum returns the codec's checksum, which a store's binary form records.
func (c *Codec) Sum() uint32 { return c.sum }

// Truncate keeps the first n events and drops the rest.
func (s *Store) Truncate(n int) error {
	if n < 0 || n > s.n {
		return errors.New("retrieval: truncate to " + strconv.Itoa(n) + " events, the store holds " + strconv.Itoa(s.n))
	}
	m := s.codec.CodesPerEvent()
	if s.codec.Bits() == 8 {
		s.codes = s.codes[:n*m]
	} else {
		s.codes = s.codes[:fastscan.PackedLen4(n, m)]
		if lane := n % fastscan.BlockSize; lane != 0 {
			// Lanes past the last event hold zeros, as a store grown to n would.
			block := s.codes[len(s.codes)-fastscan.BlockSize/2*m:]
			for p := 0; p < m/2; p++ {
				clear(block[p*fastscan.BlockSize+lane : (p+1)*fastscan.BlockSize])
			}
		}
	}
	s.fine = s.fine[:n*s.codec.FineBytes()*btoi(s.HasFine())]
	s.meta = s.meta[:metaBytes*n]
	if s.opts.Int8 {
		d := s.codec.model.Dim()
		s.int8s, s.scale = s.int8s[:n*d], s.scale[:n]
	}
	s.n = n
	if n == 0 {
		s.base = 0
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AppendSegment appends the binary form of the events from index from on: a store of its own,
// which AppendStore adds to a store that holds the events before from. A device persists its
// history as one snapshot (AppendBinary) and the segments appended since.
func (s *Store) AppendSegment(b []byte, from int) ([]byte, error) {
	if from < 0 || from > s.n {
		return b, errors.New("retrieval: segment from event " + strconv.Itoa(from) + " of a store of " + strconv.Itoa(s.n))
	}
	seg := NewStore(s.codec, s.opts)
	seg.Reserve(s.n - from)
	code := make([]byte, s.codec.CodesPerEvent())
	for j := from; j < s.n; j++ {
		s.codesOf(code, j)
		seg.appendFrom(s, j, code)
	}
	return seg.AppendBinary(b)
}

// appendFrom appends event j of src, whose codes are code.
func (s *Store) appendFrom(src *Store, j int, code []byte) {
	s.appendCode(code)
	if f := s.codec.FineBytes(); s.HasFine() {
		s.fine = append(s.fine, src.fine[j*f:(j+1)*f]...)
	}
	if s.opts.Int8 {
		d := s.codec.model.Dim()
		s.int8s = append(s.int8s, src.int8s[j*d:(j+1)*d]...)
		s.scale = append(s.scale, src.scale[j])
	}
	s.appendMeta(src.Time(j), src.Kind(j))
}

// AppendStore appends the events of a store's binary form (a segment from AppendSegment, or a
// whole store) after those held. It must come from a store of the same codec and options, and
// its events must not be earlier than the last one held. Malformed input gives an error
// wrapping ErrMalformed; on any error the store is unchanged.
func (s *Store) AppendStore(b []byte) error {
	seg := NewStore(s.codec, s.opts)
	if err := seg.UnmarshalBinary(b); err != nil {
		return err
	}
	if seg.n == 0 {
		return nil
	}
	if s.n+seg.n > MaxEvents {
		return errors.New("retrieval: " + strconv.Itoa(s.n+seg.n) + " events, more than " + strconv.Itoa(MaxEvents))
	}
	if s.n > 0 {
		first, last := seg.Time(0), seg.Time(seg.n-1)
		if prev := s.Time(s.n - 1); first < prev {
			return errors.New("retrieval: the appended events start at time " + strconv.FormatInt(first, 10) +
				", before the last event held (" + strconv.FormatInt(prev, 10) + ")")
		}
		if last-s.base > maxTimeOffset {
			return errors.New("retrieval: an appended event comes 2^39 s or more after the first event held")
		}
	}
	s.Reserve(s.n + seg.n)
	code := make([]byte, s.codec.CodesPerEvent())
	for j := range seg.n {
		seg.codesOf(code, j)
		s.appendFrom(seg, j, code)
	}
	return nil
}
