package quantize

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seminar-ranker/seminar/core/retrieval"
)

func TestWithoutDense(t *testing.T) {
	tests := map[string]string{
		retrieval.LayoutCompact:   "query+id+text+attrs,query:4",
		retrieval.LayoutParts:     "query,id,text,attrs",
		retrieval.LayoutQueryItem: "query,id+text+attrs",
		"dense:8,query:2":         "query:2",
	}
	for in, want := range tests {
		assert.Equal(t, want, withoutDense(in), in)
	}
}
