package convert

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// npyFile builds a .npy file of the given format version around a header dict and raw data.
func npyFile(major byte, dict string, raw []byte) []byte {
	var b bytes.Buffer
	b.Write(npyMagic)
	b.WriteByte(major)
	b.WriteByte(0)
	prefix := 10
	if major > 1 {
		prefix = 12
	}
	header := dict + " "
	for (prefix+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(raw)
	return b.Bytes()
}

func le(values ...any) []byte {
	var b bytes.Buffer
	for _, v := range values {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

func TestReadNPY(t *testing.T) {
	tests := []struct {
		name  string
		file  []byte
		descr string
		shape []int
		data  []float32
	}{
		{"float16 2-D", npyFile(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
			le(uint16(0x3c00), uint16(0xc000), uint16(0x0001), uint16(0x7bff), uint16(0x8000), uint16(0x3555))),
			"<f2", []int{2, 3}, []float32{1, -2, 0x1p-24, 65504, float32(math.Copysign(0, -1)), 0.333251953125}},
		{"float32 1-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", le(float32(1.5), float32(-3e38), float32(1e-45))),
			"<f4", []int{3}, []float32{1.5, -3e38, 1e-45}},
		{"float64 narrowed", npyFile(1, `{"shape": (1, 2), "fortran_order": False, "descr": "<f8"}`, le(0.1, -1e300)),
			"<f8", []int{1, 2}, []float32{0.1, float32(math.Inf(-1))}},
		{"version 2 header", npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le(float32(7))),
			"<f4", []int{1}, []float32{7}},
		{"version 3 header", npyFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le(float32(7))),
			"<f4", []int{1}, []float32{7}},
		{"empty rows", npyFile(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (0, 128), }", nil),
			"<f2", []int{0, 128}, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ReadNPY(bytes.NewReader(tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.descr, a.Descr)
			assert.Equal(t, tt.shape, a.Shape)
			assert.Equal(t, tt.data, a.Data)
		})
	}

	a, err := ReadNPY(bytes.NewReader(tests[0].file))
	require.NoError(t, err)
	assert.Equal(t, 2, a.Rows())
	assert.Equal(t, 3, a.Cols())
	assert.Equal(t, []float32{65504, float32(math.Copysign(0, -1)), 0.333251953125}, a.Row(1))
	assert.Equal(t, 3, cap(a.Row(0)), "a row cannot be appended into the next")
}

func TestReadNPYErrors(t *testing.T) {
	good := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", le(float32(1), float32(2)))
	dict := func(d string) []byte { return npyFile(1, d, le(float32(1), float32(2))) }
	tests := []struct {
		name   string
		file   []byte
		errHas string
	}{
		{"empty", nil, "reading the preamble"},
		{"wrong magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), "not a .npy file"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), good[8:]...), "unsupported format version 4.0"},
		{"header cut", good[:30], "reading the header"},
		{"header too long", append([]byte("\x93NUMPY\x02\x00"), le(uint32(1<<20))...), "more than the limit 65536"},
		{"data cut", good[:len(good)-1], "after 0 of 2 values: unexpected EOF"},
		{"trailing data", append(append([]byte(nil), good...), 0), "data after the array"},
		{"big-endian", dict("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), `element type ">f4" not supported`},
		{"integers", dict("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }"), `element type "<i4" not supported`},
		{"structured", dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), "want a string, a tuple, True or False"},
		{"fortran order", dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }"), "Fortran order not supported"},
		{"scalar", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (), }"), "0 dimensions, want 1 or 2"},
		{"3-D", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2), }"), "3 dimensions, want 1 or 2"},
		{"too many elements", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"), "more than the limit of 268435456 elements"},
		{"huge dimension", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), "too large"},
		{"negative dimension", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), "want a dimension"},
		{"no descr", dict("{'fortran_order': False, 'shape': (2,), }"), `no "descr" string`},
		{"no shape", dict("{'descr': '<f4', 'fortran_order': False}"), `no "shape" tuple`},
		{"no order", dict("{'descr': '<f4', 'shape': (2,)}"), `no "fortran_order" boolean`},
		{"repeated key", dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}"), `key "descr" repeated`},
		{"unterminated", dict("{'descr: '<f4'"), "want ':'"},
		{"missing brace", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)"), "want '}'"},
		{"junk after dict", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x"), `unexpected "x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadNPY(bytes.NewReader(tt.file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errHas)
			assert.True(t, strings.HasPrefix(err.Error(), "npy: "), err.Error())
		})
	}
}

// float16Reference computes a binary16 value from its definition, in float64.
func float16Reference(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 0x1f:
		if mant == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+mant/1024, exp-15)
}

func TestFloat16To32AllValues(t *testing.T) {
	nans := 0
	for h := range 1 << 16 {
		got := float16to32(uint16(h))
		want := float16Reference(uint16(h))
		if math.IsNaN(want) {
			nans++
			sign, payload := uint32(h&0x8000)<<16, uint32(h&0x3ff)<<13
			if bits := math.Float32bits(got); bits != sign|0x7f800000|payload {
				t.Fatalf("%#04x: got bits %#08x, want NaN %#08x keeping sign and payload", h, bits, sign|0x7f800000|payload)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Fatalf("%#04x: got %g, want %g", h, got, want)
		}
	}
	assert.Equal(t, 2*1023, nans)
}

func TestFloat16To32(t *testing.T) {
	tests := []struct {
		name string
		h    uint16
		want uint32 // float32 bits
	}{
		{"one", 0x3c00, 0x3f800000},
		{"minus two", 0xc000, 0xc0000000},
		{"largest normal 65504", 0x7bff, 0x477fe000},
		{"smallest normal 2^-14", 0x0400, 0x38800000},
		{"largest subnormal", 0x03ff, 0x387fc000},
		{"smallest subnormal 2^-24", 0x0001, 0x33800000},
		{"negative subnormal", 0x8200, 0xb8000000},
		{"zero", 0x0000, 0x00000000},
		{"negative zero", 0x8000, 0x80000000},
		{"infinity", 0x7c00, 0x7f800000},
		{"negative infinity", 0xfc00, 0xff800000},
		{"quiet NaN", 0x7e00, 0x7fc00000},
		{"signalling NaN payload", 0x7c01, 0x7f802000},
		{"negative NaN", 0xfe00, 0xffc00000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, math.Float32bits(float16to32(tt.h)))
		})
	}
}

func FuzzReadNPY(f *testing.F) {
	f.Add(npyFile(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", le(make([]uint16, 6))))
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", le(make([]float32, 3))))
	f.Add(npyFile(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", le(1.0)))
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (), }", nil))
	f.Add([]byte("\x93NUMPY"))
	f.Fuzz(func(t *testing.T, file []byte) {
		a, err := ReadNPY(bytes.NewReader(file))
		if err != nil {
			return
		}
		require.Contains(t, []int{1, 2}, len(a.Shape))
		n := 1
		for _, d := range a.Shape {
			require.GreaterOrEqual(t, d, 0)
			n *= d
		}
		require.Len(t, a.Data, n)
		size := map[string]int{"<f2": 2, "<f4": 4, "<f8": 8}[a.Descr]
		require.NotZero(t, size, a.Descr)
		require.Less(t, n*size, len(file), "the data is in the file")
		if a.Rows() > 0 {
			require.Len(t, a.Row(a.Rows()-1), a.Cols())
		}
	})
}
