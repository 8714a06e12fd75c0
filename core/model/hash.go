package model

import (
	"unicode"
	"unicode/utf8"
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

func fnvRune(h uint64, r rune) uint64 {
	if r < utf8.RuneSelf {
		return fnvByte(h, byte(r))
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, b := range buf[:n] {
		h = fnvByte(h, b)
	}
	return h
}

func finalize(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// HashID is the hash of an item id.
func HashID(id string) uint64 { return finalize(fnvString(fnvOffset, id)) }

// HashAttr is the hash of the attribute field=value.
func HashAttr(field, value string) uint64 {
	return finalize(fnvString(fnvByte(fnvString(fnvOffset, field), '='), value))
}

// Bucket maps a hash to one of rows table rows; rows must be positive.
func Bucket(h uint64, rows int) int { return int(h % uint64(rows)) }

// Tokens yields the hashes of a text's words and adjacent-word bigrams, each word followed by the
// bigram it ends. It reads the text in place and allocates nothing. The zero Tokens is empty.
type Tokens struct {
	text      string
	pos       int
	prev      uint64 // FNV state after the previous word and a space
	hasPrev   bool
	bigram    uint64
	hasBigram bool
}

// NewTokens returns the tokens of text.
func NewTokens(text string) Tokens { return Tokens{text: text} }

// Next returns the next token hash, or false when the text is exhausted. ASCII bytes take an
// inline path: in wasm a function call per byte would cost more than the hashing.
func (t *Tokens) Next() (uint64, bool) {
	if t.hasBigram {
		t.hasBigram = false
		return t.bigram, true
	}
	for t.pos < len(t.text) {
		if c := t.text[t.pos]; c < utf8.RuneSelf {
			if isASCIIWordByte(c) {
				break
			}
			t.pos++
			continue
		}
		r, n := utf8.DecodeRuneInString(t.text[t.pos:])
		if isWordRune(r) {
			break
		}
		t.pos += n
	}
	if t.pos == len(t.text) {
		return 0, false
	}
	word, bigram := uint64(fnvOffset), t.prev
	for t.pos < len(t.text) {
		if c := t.text[t.pos]; c < utf8.RuneSelf {
			if !isASCIIWordByte(c) {
				break
			}
			if c-'A' < 26 {
				c += 'a' - 'A'
			}
			word, bigram = fnvByte(word, c), fnvByte(bigram, c)
			t.pos++
			continue
		}
		r, n := utf8.DecodeRuneInString(t.text[t.pos:])
		if !isWordRune(r) {
			break
		}
		t.pos += n
		r = toLower(r)
		word = fnvRune(word, r)
		bigram = fnvRune(bigram, r)
	}
	if t.hasPrev {
		t.bigram, t.hasBigram = finalize(bigram), true
	}
	t.prev, t.hasPrev = fnvByte(word, ' '), true
	return finalize(word), true
}

// hasTokens reports whether text has at least one word.
func hasTokens(text string) bool {
	for i := 0; i < len(text); {
		r, n := decodeRune(text[i:])
		if isWordRune(r) {
			return true
		}
		i += n
	}
	return false
}

func decodeRune(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// isASCIIWordByte is isWordRune for an ASCII byte, small enough to inline.
func isASCIIWordByte(c byte) bool { return c-'a' < 26 || c-'A' < 26 || c-'0' < 10 }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func toLower(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}
