package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFormatting(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Thousands(0), "0"},
		{Thousands(999), "999"},
		{Thousands(1000), "1,000"},
		{Thousands(100000), "100,000"},
		{Thousands(1234567), "1,234,567"},
		{Float(0.01234), "0.012"},
		{Float(1.234), "1.23"},
		{Float(12.34), "12.3"},
		{Float(123.4), "123"},
		{Float(12345.6), "12,346"},
		{ByteSize(512), "512 B"},
		{ByteSize(1536), "1.5 KiB"},
		{ByteSize(3 << 20), "3.0 MiB"},
		{Float(Millis(1500 * time.Microsecond)), "1.50"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got)
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	WriteTable(&b, [][]string{{"store", "bytes"}, {"4-bit codes", "39.00"}, {"f32", "256"}})
	assert.Equal(t, "store        bytes\n4-bit codes  39.00\nf32            256\n", b.String())
}

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name  string
		table Markdown
		want  string
	}{
		{
			name:  "pads to the widest cell, right-aligns numbers",
			table: Markdown{Head: []string{"L", "median"}, Right: []bool{true, true}, Rows: [][]string{{"10,000", "4.2"}, {"1", "12.3"}}},
			want: "|      L | median |\n" +
				"| -----: | -----: |\n" +
				"| 10,000 |    4.2 |\n" +
				"|      1 |   12.3 |\n\n",
		},
		{
			name:  "counts runes, not bytes",
			table: Markdown{Head: []string{"ratio", "x"}, Right: []bool{false, true}, Rows: [][]string{{"a ÷ b", "3×"}}},
			want: "| ratio |   x |\n" +
				"| ----- | --: |\n" +
				"| a ÷ b |  3× |\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.table.Write(&b)
			assert.Equal(t, tt.want, b.String())
		})
	}
}
