package msgp

// Format bytes of the MessagePack specification.
const (
	codeNil      = 0xc0
	codeFalse    = 0xc2
	codeTrue     = 0xc3
	codeBin8     = 0xc4
	codeBin16    = 0xc5
	codeBin32    = 0xc6
	codeExt8     = 0xc7
	codeExt16    = 0xc8
	codeExt32    = 0xc9
	codeFloat32  = 0xca
	codeFloat64  = 0xcb
	codeUint8    = 0xcc
	codeUint16   = 0xcd
	codeUint32   = 0xce
	codeUint64   = 0xcf
	codeInt8     = 0xd0
	codeInt16    = 0xd1
	codeInt32    = 0xd2
	codeInt64    = 0xd3
	codeFixExt1  = 0xd4
	codeFixExt2  = 0xd5
	codeFixExt4  = 0xd6
	codeFixExt8  = 0xd7
	codeFixExt16 = 0xd8
	codeStr8     = 0xd9
	codeStr16    = 0xda
	codeStr32    = 0xdb
	codeArray16  = 0xdc
	codeArray32  = 0xdd
	codeMap16    = 0xde
	codeMap32    = 0xdf

	fixMapLow   = 0x80
	fixArrayLow = 0x90
	fixStrLow   = 0xa0
	negFixLow   = 0xe0

	maxFixMap   = 0x0f
	maxFixArray = 0x0f
	maxFixStr   = 0x1f
)

// Type is the kind of a MessagePack value.
type Type uint8

const (
	TypeInvalid Type = iota // the reserved format byte 0xc1
	TypeNil
	TypeBool
	TypeInt // any integer encoding, signed or unsigned
	TypeFloat
	TypeStr
	TypeBin
	TypeArray
	TypeMap
	TypeExt
)

var typeNames = [...]string{"invalid", "nil", "bool", "int", "float", "str", "bin", "array", "map", "ext"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "invalid"
}

// typeOf returns the type a format byte starts.
func typeOf(c byte) Type {
	switch {
	case c < fixMapLow || c >= negFixLow:
		return TypeInt
	case c < fixArrayLow:
		return TypeMap
	case c < fixStrLow:
		return TypeArray
	case c < codeNil:
		return TypeStr
	}
	switch c {
	case codeNil:
		return TypeNil
	case codeFalse, codeTrue:
		return TypeBool
	case codeBin8, codeBin16, codeBin32:
		return TypeBin
	case codeExt8, codeExt16, codeExt32, codeFixExt1, codeFixExt2, codeFixExt4, codeFixExt8, codeFixExt16:
		return TypeExt
	case codeFloat32, codeFloat64:
		return TypeFloat
	case codeUint8, codeUint16, codeUint32, codeUint64, codeInt8, codeInt16, codeInt32, codeInt64:
		return TypeInt
	case codeStr8, codeStr16, codeStr32:
		return TypeStr
	case codeArray16, codeArray32:
		return TypeArray
	case codeMap16, codeMap32:
		return TypeMap
	}
	return TypeInvalid
}
