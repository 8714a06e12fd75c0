package pq

import "errors"

// EventDecoder decodes events' codes into vectors with fixed part weights, optionally adding a
// second stage: dst = Σ_p w_p·Decode_p(codes of part p) + fine.Decode(fine codes). It reads
// 4-bit codes packed two to a byte (code 2i in the low nibble of byte i) and 8-bit codes one to
// a byte: every such code is below K, so decoding checks lengths only. The result equals
// MultiCodebook.DecodeEvent followed by fine.AddDecoded with weight 1, bit for bit.
//
// An EventDecoder is immutable and safe for concurrent use.
type EventDecoder struct {
	dim, bits int
	codeBytes int
	terms     []decodeTerm // the parts of nonzero weight, in part order
	fine      *Codebook
	// fused says the kernel that writes each group of four values once serves the shape:
	// one term of 4-bit codes in sub-spaces of 2 dimensions from an even code, and a fine
	// codebook of 4-dimension sub-spaces or none.
	fused bool
}

// decodeTerm is one part of nonzero weight: its codebook, its first code and its weight.
type decodeTerm struct {
	cb    *Codebook
	first int
	w     float32
}

// NewEventDecoder makes a decoder of mc's codes with one weight per part (nil: all 1) and an
// optional 8-bit second-stage codebook fine of mc's width (nil: none). It keeps the codebooks,
// which must not be modified.
func NewEventDecoder(mc *MultiCodebook, weights []float32, fine *Codebook) (*EventDecoder, error) {
	if mc == nil || mc.codes == 0 {
		return nil, errors.New("pq: event decoder: no codebooks")
	}
	if err := mc.checkWeights(weights); err != nil {
		return nil, wrap(err, "pq: event decoder")
	}
	if fine != nil && (fine.dim != mc.Dim() || fine.bits != 8) {
		return nil, errors.New("pq: event decoder: a second stage of width " + itoa(fine.dim) + " and " + itoa(fine.bits) +
			" bits for codebooks of width " + itoa(mc.Dim()) + ", want that width and 8 bits")
	}
	d := &EventDecoder{dim: mc.Dim(), bits: mc.Bits(), codeBytes: mc.codes * mc.Bits() / 8, fine: fine}
	if d.bits == 4 {
		d.codeBytes = (mc.codes + 1) / 2
	}
	for p, cb := range mc.books {
		if w := weightOf(weights, p); w != 0 {
			d.terms = append(d.terms, decodeTerm{cb: cb, first: mc.offsets[p], w: w})
		}
	}
	d.fused = d.bits == 4 && d.dim%4 == 0 && len(d.terms) == 1 &&
		d.terms[0].cb.SubDim() == 2 && d.terms[0].first%2 == 0 &&
		(fine == nil || fine.SubDim() == 4)
	return d, nil
}

// CodeBytes is the length of an event's packed codes: CodesPerEvent/2 rounded up at 4 bits,
// CodesPerEvent at 8.
func (d *EventDecoder) CodeBytes() int { return d.codeBytes }

// Decode writes the vector of an event to dst (Dim values): its codes' weighted decoding, plus
// the second stage's decoding of fine when fine is not nil. codes holds CodeBytes bytes, fine
// none or the second stage's M. It does not allocate.
func (d *EventDecoder) Decode(dst []float32, codes, fine []byte) error {
	if len(dst) != d.dim || len(codes) != d.codeBytes {
		return errors.New("pq: event decoder: got " + itoa(len(dst)) + " values and " + itoa(len(codes)) + " code bytes, want " + itoa(d.dim) + " and " + itoa(d.codeBytes))
	}
	if fine != nil && (d.fine == nil || len(fine) != d.fine.m) {
		want := 0
		if d.fine != nil {
			want = d.fine.m
		}
		return errors.New("pq: event decoder: got " + itoa(len(fine)) + " second-stage codes, want " + itoa(want))
	}
	if d.fused {
		decodeFused(dst, d.terms[0].cb.centroids, codes[d.terms[0].first/2:], d.terms[0].w, d.fineCentroids(fine), fine)
		return nil
	}
	clear(dst)
	for _, t := range d.terms {
		if d.bits == 8 {
			t.cb.addDecoded(dst, codes[t.first:t.first+t.cb.m], t.w)
		} else {
			addDecodedNibbles(dst, t.cb.centroids, codes, t.first, t.cb.m, t.cb.SubDim(), t.cb.K(), t.w)
		}
	}
	if fine != nil {
		d.fine.addDecoded(dst, fine, 1)
	}
	return nil
}

func (d *EventDecoder) fineCentroids(fine []byte) []float32 {
	if fine == nil {
		return nil
	}
	return d.fine.centroids
}

// addDecodedNibbles is addDecodedPortable for the m codes from code first of the packed 4-bit
// codes.
func addDecodedNibbles(dst, centroids []float32, packed []byte, first, m, sub, ks int, w float32) {
	for c := range m {
		i := first + c
		code := packed[i/2] >> (4 * (i % 2)) & 15
		row := centroids[(c*ks+int(code))*sub:][:sub]
		out := dst[c*sub:][:sub]
		for k, x := range row {
			out[k] += float32(w * x)
		}
	}
}

// decodeFusedPortable writes, for the fused shape, every value once:
// dst[i] = (0 + float32(w·coarse_i)) + fine_i, the operations of the unfused path in its order.
// packed starts at the term's first code; fine is nil or has len(dst)/4 codes.
func decodeFusedPortable(dst, coarse []float32, packed []byte, w float32, fineCentroids []float32, fine []byte) {
	const ks = 16
	for k := range len(dst) / 4 {
		b := packed[k]
		c0 := coarse[((2*k)*ks+int(b&15))*2:][:2]
		c1 := coarse[((2*k+1)*ks+int(b>>4))*2:][:2]
		out := dst[4*k:][:4]
		out[0] = 0 + float32(w*c0[0])
		out[1] = 0 + float32(w*c0[1])
		out[2] = 0 + float32(w*c1[0])
		out[3] = 0 + float32(w*c1[1])
		if fine != nil {
			f := fineCentroids[(k*256+int(fine[k]))*4:][:4]
			out[0] += f[0]
			out[1] += f[1]
			out[2] += f[2]
			out[3] += f[3]
		}
	}
}
