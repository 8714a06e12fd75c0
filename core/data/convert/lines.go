package convert

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// eachLine calls fn with every non-empty line of the file (1-based line numbers, line endings
// removed), and wraps any error with the file and line.
func eachLine(path string, fn func(line string, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if err := fn(line, n); err != nil {
			return fmt.Errorf("convert: %s:%d: %w", filepath.Base(path), n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("convert: %s: %w", path, err)
	}
	return nil
}

// latin1ToUTF8 returns s unchanged if it is valid UTF-8 and otherwise decodes it as ISO 8859-1,
// where each byte is the code point of the same value.
func latin1ToUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}
