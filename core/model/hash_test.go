package model

import (
	"hash/fnv"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sqrt(x float64) float64 { return math.Sqrt(x) }

// refHash hashes a string with the standard library's FNV-1a and the finaliser.
func refHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return finalize(h.Sum64())
}

// refTokens builds the token hashes from substrings, the slow obvious way.
func refTokens(text string) []uint64 {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	var out []uint64
	for i, w := range words {
		out = append(out, refHash(strings.ToLower(w)))
		if i > 0 {
			out = append(out, refHash(strings.ToLower(words[i-1])+" "+strings.ToLower(w)))
		}
	}
	return out
}

func collectTokens(text string) []uint64 {
	var out []uint64
	tokens := NewTokens(text)
	for h, ok := tokens.Next(); ok; h, ok = tokens.Next() {
		out = append(out, h)
	}
	return out
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name, text string
		count      int
	}{
		{"empty", "", 0},
		{"separators only", " ,.!? -- ", 0},
		{"one word", "Jazz", 1},
		{"two words", "Hello, World!", 3},
		{"three words", "a b c", 5},
		{"digits", "iPhone 15 Pro", 5},
		{"accents", "Crème brûlée", 3},
		{"combining mark", "cafe\u0301 noir", 3},
		{"devanagari", "नमस्ते दुनिया", 3},
		{"cjk", "東京 タワー", 3},
		{"invalid utf-8", "ab\xffcd", 3},
		{"mixed case and punctuation", "  ROCK'n'Roll  ", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collectTokens(tt.text)
			assert.Len(t, got, tt.count)
			assert.Equal(t, refTokens(tt.text), got)
			assert.Equal(t, tt.count > 0, hasTokens(tt.text))
		})
	}
}

func FuzzTokens(f *testing.F) {
	for _, seed := range []string{"", " ,.!? -- ", "Hello, World!", "iPhone 15 Pro", "Crème brûlée",
		"cafe\u0301 noir", "नमस्ते दुनिया", "東京 タワー", "ab\xffcd", "  ROCK'n'Roll  ", "ÀB\x80Z_9"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		want := refTokens(text)
		require.Equal(t, want, collectTokens(text))
		require.Equal(t, len(want) > 0, hasTokens(text))
	})
}

func TestTokensNormalise(t *testing.T) {
	assert.Equal(t, collectTokens("hello world"), collectTokens("  HELLO,\tWorld!!"))
	assert.Equal(t, collectTokens("éclair"), collectTokens("ÉCLAIR"))
	assert.NotEqual(t, collectTokens("hello world"), collectTokens("world hello"), "bigrams keep order")
	assert.NotEqual(t, collectTokens("ab")[0], collectTokens("a b")[2], "a bigram is not the joined word")
}

func TestHashes(t *testing.T) {
	assert.Equal(t, refHash("item-42"), HashID("item-42"))
	assert.Equal(t, refHash("genre=Comedy"), HashAttr("genre", "Comedy"))
	assert.NotEqual(t, HashAttr("genre", "Comedy"), HashAttr("genre", "comedy"), "attributes are exact")
	// Trained models depend on these values: they must never change.
	assert.Equal(t, uint64(0xefd01f60ba992926), HashID(""))
	assert.Equal(t, uint64(0x223c1e45fca2c418), HashID("item-42"))
	tokens := NewTokens("Hello World")
	h, ok := tokens.Next()
	require.True(t, ok)
	assert.Equal(t, uint64(0xe9c562c0fdb23244), h)
}

func TestBucket(t *testing.T) {
	counts := make([]int, 16)
	for i := range 16000 {
		counts[Bucket(HashID("id"+string(rune('0'+i%10))+string(rune(i))), 16)]++
	}
	for b, n := range counts {
		assert.InDelta(t, 1000, n, 150, "bucket %d", b)
	}
}
