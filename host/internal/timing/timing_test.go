package timing

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantile(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"empty", nil, 0.5, 0},
		{"one", []float64{3}, 0.9, 3},
		{"median odd", []float64{5, 1, 3}, 0.5, 3},
		{"median even takes the lower middle", []float64{4, 1, 3, 2}, 0.5, 2},
		{"p90 of ten", []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0.9, 9},
		{"p90 of seven is the largest", []float64{1, 2, 3, 4, 5, 6, 7}, 0.9, 7},
		{"minimum", []float64{2, 1}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]float64(nil), tt.xs...)
			assert.Equal(t, tt.want, Quantile(tt.xs, tt.q))
			assert.Equal(t, before, tt.xs, "Quantile must not reorder its input")
		})
	}
}

func TestInterleaved(t *testing.T) {
	calls := []int{0, 0}
	took, err := Interleaved([]func() error{
		func() error { calls[0]++; return nil },
		func() error { calls[1]++; return nil },
	})
	require.NoError(t, err)
	assert.Len(t, took, 2)
	assert.Positive(t, calls[0])
	assert.Positive(t, calls[1])
	boom := errors.New("boom")
	_, err = Interleaved([]func() error{func() error { return boom }})
	require.ErrorIs(t, err, boom)
}
