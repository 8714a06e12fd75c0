package synth

// The letters of made-up words: a word is a run of consonant-vowel syllables.
const (
	consonants = "bdfgklmnprstvz"
	vowels     = "aeiou"
	syllables  = len(consonants) * len(vowels) // 70
)

// wordMaker spells the numbers 0..n-1 as distinct pronounceable words of equal length. A fixed
// affine permutation of the number space scatters consecutive numbers, so words of one cluster do
// not all share a prefix.
type wordMaker struct {
	length int    // syllables per word, at least 2
	space  uint64 // syllables^length
}

func newWordMaker(n int) wordMaker {
	w := wordMaker{length: 2, space: uint64(syllables * syllables)}
	for w.space < uint64(n) {
		w.length++
		w.space *= uint64(syllables)
	}
	return w
}

// scatter is odd and shares no factor with syllables (70 = 2·5·7), so n ↦ (scatter·n + 1) mod
// space is a bijection.
const scatter = 7919 * 11

func (w wordMaker) word(n int) string {
	x := (scatter*uint64(n) + 1) % w.space
	buf := make([]byte, 2*w.length)
	for s := range w.length {
		syl := int(x % uint64(syllables))
		x /= uint64(syllables)
		buf[2*s] = consonants[syl/len(vowels)]
		buf[2*s+1] = vowels[syl%len(vowels)]
	}
	return string(buf)
}
