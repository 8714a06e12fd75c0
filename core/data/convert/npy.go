package convert

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Limits of the .npy reader.
const (
	MaxNPYHeaderBytes = 1 << 16 // the header dictionary, padding included
	MaxNPYElements    = 1 << 28 // values in the array
)

// NPY is a 1-D or 2-D array read from a NumPy .npy file, widened to float32.
type NPY struct {
	Descr string // the element type in the file: "<f2", "<f4" or "<f8"
	Shape []int  // one or two dimensions
	Data  []float32
}

// Rows is the length of the first dimension.
func (a NPY) Rows() int { return a.Shape[0] }

// Cols is the length of the second dimension, 1 for a 1-D array.
func (a NPY) Cols() int {
	if len(a.Shape) == 1 {
		return 1
	}
	return a.Shape[1]
}

// Row returns row i of the array (sharing its storage).
func (a NPY) Row(i int) []float32 {
	c := a.Cols()
	return a.Data[i*c : (i+1)*c : (i+1)*c]
}

var npyMagic = []byte("\x93NUMPY")

// ReadNPY reads a NumPy .npy file (format versions 1 to 3) holding a little-endian float16,
// float32 or float64 array of one or two dimensions in C order, and nothing after the data. Any
// other element type, Fortran order, more dimensions, or an array over MaxNPYElements is an error.
func ReadNPY(r io.Reader) (NPY, error) {
	br := bufio.NewReader(r)
	header, err := readNPYHeader(br)
	if err != nil {
		return NPY{}, fmt.Errorf("npy: %w", err)
	}
	a, size, err := parseNPYHeader(header)
	if err != nil {
		return NPY{}, fmt.Errorf("npy: header: %w", err)
	}
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	if a.Data, err = readNPYData(br, n, size); err != nil {
		return NPY{}, fmt.Errorf("npy: data of shape %v: %w", a.Shape, err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return NPY{}, errors.New("npy: data after the array")
		}
		return NPY{}, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

func readNPYHeader(br *bufio.Reader) (string, error) {
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return "", fmt.Errorf("reading the preamble: %w", err)
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return "", errors.New("not a .npy file (wrong magic)")
	}
	var headerLen int
	switch major := pre[6]; major {
	case 1:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return "", fmt.Errorf("reading the header length: %w", err)
		}
		headerLen = int(binary.LittleEndian.Uint16(l[:]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return "", fmt.Errorf("reading the header length: %w", err)
		}
		headerLen = int(binary.LittleEndian.Uint32(l[:]))
	default:
		return "", fmt.Errorf("unsupported format version %d.%d", major, pre[7])
	}
	if headerLen > MaxNPYHeaderBytes {
		return "", fmt.Errorf("header of %d bytes, more than the limit %d", headerLen, MaxNPYHeaderBytes)
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(br, header); err != nil {
		return "", fmt.Errorf("reading the header: %w", err)
	}
	return string(header), nil
}

// parseNPYHeader reads the header's Python dict literal and returns the array description with
// the width in bytes of one element.
func parseNPYHeader(header string) (NPY, int, error) {
	p := &dictParser{s: header}
	dict, err := p.parse()
	if err != nil {
		return NPY{}, 0, err
	}
	descr, _ := dict["descr"].(string)
	size := 0
	switch descr {
	case "<f2":
		size = 2
	case "<f4":
		size = 4
	case "<f8":
		size = 8
	case "":
		return NPY{}, 0, errors.New(`no "descr" string`)
	default:
		return NPY{}, 0, fmt.Errorf("element type %q not supported (want little-endian float: <f2, <f4 or <f8)", descr)
	}
	fortran, ok := dict["fortran_order"].(bool)
	if !ok {
		return NPY{}, 0, errors.New(`no "fortran_order" boolean`)
	}
	if fortran {
		return NPY{}, 0, errors.New("Fortran order not supported")
	}
	shape, ok := dict["shape"].([]int)
	if !ok {
		return NPY{}, 0, errors.New(`no "shape" tuple`)
	}
	if len(shape) < 1 || len(shape) > 2 {
		return NPY{}, 0, fmt.Errorf("%d dimensions, want 1 or 2", len(shape))
	}
	n := 1
	for _, d := range shape {
		if d > MaxNPYElements || n*d > MaxNPYElements {
			return NPY{}, 0, fmt.Errorf("shape %v has more than the limit of %d elements", shape, MaxNPYElements)
		}
		n *= d
	}
	return NPY{Descr: descr, Shape: shape}, size, nil
}

// readNPYData reads n little-endian floats of the given width, growing the result as the bytes
// arrive so a header that claims a huge array cannot make it allocate ahead of the data.
func readNPYData(br *bufio.Reader, n, size int) ([]float32, error) {
	const chunk = 1 << 14
	out := make([]float32, 0, min(n, chunk))
	buf := make([]byte, chunk*size)
	for len(out) < n {
		m := min(n-len(out), chunk)
		b := buf[:m*size]
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("after %d of %d values: %w", len(out), n, err)
		}
		switch size {
		case 2:
			for i := range m {
				out = append(out, float16to32(binary.LittleEndian.Uint16(b[2*i:])))
			}
		case 4:
			for i := range m {
				out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			}
		case 8:
			for i := range m {
				out = append(out, float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))))
			}
		}
	}
	return out, nil
}

// float16to32 widens an IEEE 754 binary16 value; every one is exactly representable as float32.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, or NaN with its payload (and quiet bit) kept
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal, mant·2^-24: shift the leading one up to the implicit bit, lowering the exponent.
	e := uint32(127 - 15 + 1)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// dictParser reads the header of a .npy file: a Python dict literal whose keys are strings and
// whose values are strings, booleans, or tuples of non-negative integers, such as
// {'descr': '<f2', 'fortran_order': False, 'shape': (6710, 128), }.
type dictParser struct {
	s   string
	pos int
}

func (p *dictParser) parse() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	dict := make(map[string]any)
	for {
		p.space()
		if p.peek() == '}' {
			p.pos++
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if _, dup := dict[key]; dup {
			return nil, fmt.Errorf("key %q repeated", key)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		if dict[key], err = p.value(); err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		p.space()
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if err := p.expect('}'); err != nil {
			return nil, err
		}
		break
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the dict", p.s[p.pos:])
	}
	return dict, nil
}

func (p *dictParser) value() (any, error) {
	p.space()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case len(p.s)-p.pos >= 4 && p.s[p.pos:p.pos+4] == "True":
		p.pos += 4
		return true, nil
	case len(p.s)-p.pos >= 5 && p.s[p.pos:p.pos+5] == "False":
		p.pos += 5
		return false, nil
	}
	return nil, p.errorf("a string, a tuple, True or False")
}

func (p *dictParser) str() (string, error) {
	p.space()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("a quoted string")
	}
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	s := p.s[p.pos+1 : p.pos+1+end]
	if strings.IndexByte(s, '\\') >= 0 {
		return "", errors.New("escapes in strings not supported")
	}
	p.pos += end + 2
	return s, nil
}

// tuple reads (), (n,) or (n, m, ...): Python writes a one-element tuple with a trailing comma.
func (p *dictParser) tuple() ([]int, error) {
	p.pos++ // '('
	dims := []int{}
	for {
		p.space()
		if p.peek() == ')' {
			p.pos++
			return dims, nil
		}
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		if p.pos == start {
			return nil, p.errorf("a dimension")
		}
		d, err := strconv.Atoi(p.s[start:p.pos])
		if err != nil || d > MaxNPYElements {
			return nil, fmt.Errorf("dimension %s too large", p.s[start:p.pos])
		}
		dims = append(dims, d)
		p.space()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
		default:
			return nil, p.errorf("',' or ')'")
		}
	}
}

func (p *dictParser) expect(c byte) error {
	p.space()
	if p.peek() != c {
		return p.errorf(strconv.QuoteRune(rune(c)))
	}
	p.pos++
	return nil
}

func (p *dictParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\n' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// peek returns the next byte, or 0 at the end.
func (p *dictParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *dictParser) errorf(want string) error {
	if p.pos >= len(p.s) {
		return fmt.Errorf("want %s, got the end of the header", want)
	}
	return fmt.Errorf("want %s at offset %d, got %q", want, p.pos, p.s[p.pos:])
}
