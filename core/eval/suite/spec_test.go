package suite

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/seminar-ranker/seminar/core/model"
)

// The report's models keep the sizes it was made with, whatever model.DefaultConfig says.
func TestModelConfigIsPinned(t *testing.T) {
	c := modelConfig(&data.Dataset{DenseDims: []int{128, 128}})
	assert.Equal(t, 32, c.Dim)
	assert.Equal(t, []int{1 << 15, 1 << 15, 1 << 12}, []int{c.IDBuckets, c.TokenBuckets, c.AttrBuckets})
	assert.Equal(t, []int{128, 128}, c.DenseDims)
	def := model.DefaultConfig()
	assert.Equal(t, def.Heads, c.Heads)
	assert.Equal(t, def.TopK, c.TopK)
	assert.Equal(t, def.MLPHidden, c.MLPHidden)
}
