package pq

import (
	"encoding/binary"
	"errors"
	"math"
)

// Binary forms, little-endian throughout.
//
// Codebook (16-byte header, then the centroids):
//
//	offset  size        field
//	0       4           magic "PQCB"
//	4       2           version, 1
//	6       1           bits, 4 or 8
//	7       1           reserved, 0
//	8       4           dim, 1..65536
//	12      4           m, a divisor of dim
//	16      4·dim·2^bits centroids, float32: M·K rows of dim/m values, row c·K+k being
//	                    centroid k of sub-space c
//
// MultiCodebook (8-byte header, then one record per part, in part order):
//
//	offset  size  field
//	0       4     magic "PQMC"
//	4       2     version, 1
//	6       2     parts P, 1..MaxParts
//	8             P records: name length L (1 byte, 1..64), L bytes of UTF-8 name,
//	              codebook length B (4 bytes), B bytes of the part's Codebook form
//
// Nothing may follow the last centroid or record.
const (
	codebookMagic  = "PQCB"
	multiMagic     = "PQMC"
	binaryVersion  = 1
	codebookHeader = 16
	multiHeader    = 8
)

// MarshalBinary returns the codebook's binary form.
func (cb *Codebook) MarshalBinary() ([]byte, error) {
	if cb.dim == 0 {
		return nil, errors.New("pq: marshal codebook: empty codebook")
	}
	return cb.appendBinary(make([]byte, 0, codebookHeader+4*len(cb.centroids))), nil
}

func (cb *Codebook) appendBinary(b []byte) []byte {
	b = append(b, codebookMagic...)
	b = binary.LittleEndian.AppendUint16(b, binaryVersion)
	b = append(b, byte(cb.bits), 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(cb.dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(cb.m))
	for _, x := range cb.centroids {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// UnmarshalBinary replaces the codebook with the one encoded in data. It rejects any malformed
// input with an error wrapping ErrMalformed (or ErrBadValue for a bad centroid value) and then
// leaves the codebook unchanged.
func (cb *Codebook) UnmarshalBinary(data []byte) error {
	decoded, err := decodeCodebook(data)
	if err != nil {
		return wrap(err, "pq: unmarshal codebook")
	}
	*cb = *decoded
	return nil
}

func decodeCodebook(data []byte) (*Codebook, error) {
	if len(data) < codebookHeader {
		return nil, wrap(ErrMalformed, itoa(len(data))+" bytes, shorter than the "+itoa(codebookHeader)+"-byte header")
	}
	if string(data[:4]) != codebookMagic {
		return nil, wrap(ErrMalformed, "bad magic, want "+codebookMagic)
	}
	if v := binary.LittleEndian.Uint16(data[4:]); v != binaryVersion {
		return nil, wrap(ErrMalformed, "version "+itoa(int(v))+", want "+itoa(binaryVersion))
	}
	if data[7] != 0 {
		return nil, wrap(ErrMalformed, "reserved byte is not zero")
	}
	bits := int(data[6])
	dim := binary.LittleEndian.Uint32(data[8:])
	m := binary.LittleEndian.Uint32(data[12:])
	if dim > maxDim || m > maxDim {
		return nil, wrap(ErrMalformed, "dim "+itoa(int(dim))+" or m "+itoa(int(m))+" above "+itoa(maxDim))
	}
	if err := checkShape(int(dim), int(m), bits); err != nil {
		return nil, wrap(ErrMalformed, err.Error())
	}
	values := int(dim) << bits
	if len(data)-codebookHeader != 4*values {
		return nil, wrap(ErrMalformed, itoa(len(data)-codebookHeader)+" bytes of centroids, want "+itoa(4*values))
	}
	centroids := make([]float32, values)
	for i := range centroids {
		centroids[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[codebookHeader+4*i:]))
	}
	if err := checkValues(centroids, "centroids"); err != nil {
		return nil, err
	}
	return newCodebook(int(dim), int(m), bits, centroids), nil
}

// MarshalBinary returns the multi-codebook's binary form.
func (mc *MultiCodebook) MarshalBinary() ([]byte, error) {
	if len(mc.books) == 0 {
		return nil, errors.New("pq: marshal multi-codebook: no parts")
	}
	size := multiHeader
	for p, cb := range mc.books {
		size += 1 + len(mc.names[p]) + 4 + codebookHeader + 4*len(cb.centroids)
	}
	b := make([]byte, 0, size)
	b = append(b, multiMagic...)
	b = binary.LittleEndian.AppendUint16(b, binaryVersion)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(mc.books)))
	for p, cb := range mc.books {
		b = append(b, byte(len(mc.names[p])))
		b = append(b, mc.names[p]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(codebookHeader+4*len(cb.centroids)))
		b = cb.appendBinary(b)
	}
	return b, nil
}

// UnmarshalBinary replaces the multi-codebook with the one encoded in data. It rejects any
// malformed input with an error wrapping ErrMalformed (or ErrBadValue for a bad centroid value)
// and then leaves the multi-codebook unchanged.
func (mc *MultiCodebook) UnmarshalBinary(data []byte) error {
	decoded, err := decodeMulti(data)
	if err != nil {
		return wrap(err, "pq: unmarshal multi-codebook")
	}
	*mc = *decoded
	return nil
}

func decodeMulti(data []byte) (*MultiCodebook, error) {
	if len(data) < multiHeader {
		return nil, wrap(ErrMalformed, itoa(len(data))+" bytes, shorter than the "+itoa(multiHeader)+"-byte header")
	}
	if string(data[:4]) != multiMagic {
		return nil, wrap(ErrMalformed, "bad magic, want "+multiMagic)
	}
	if v := binary.LittleEndian.Uint16(data[4:]); v != binaryVersion {
		return nil, wrap(ErrMalformed, "version "+itoa(int(v))+", want "+itoa(binaryVersion))
	}
	parts := int(binary.LittleEndian.Uint16(data[6:]))
	if parts == 0 || parts > MaxParts {
		return nil, wrap(ErrMalformed, itoa(parts)+" parts, want 1.."+itoa(MaxParts))
	}
	names := make([]string, parts)
	books := make([]*Codebook, parts)
	rest := data[multiHeader:]
	for p := range parts {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+4 {
			return nil, wrap(ErrMalformed, "part "+itoa(p)+": record truncated")
		}
		nameLen := int(rest[0])
		names[p] = string(rest[1 : 1+nameLen])
		rest = rest[1+nameLen:]
		size := binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
		if uint64(size) > uint64(len(rest)) {
			return nil, wrap(ErrMalformed, "part "+itoa(p)+": codebook of "+itoa(int(size))+" bytes, "+itoa(len(rest))+" left")
		}
		cb, err := decodeCodebook(rest[:size])
		if err != nil {
			return nil, wrap(err, "part "+itoa(p))
		}
		books[p] = cb
		rest = rest[size:]
	}
	if len(rest) != 0 {
		return nil, wrap(ErrMalformed, itoa(len(rest))+" trailing bytes")
	}
	mc, err := newMulti(names, books)
	if err != nil {
		return nil, wrap(ErrMalformed, err.Error())
	}
	return mc, nil
}
