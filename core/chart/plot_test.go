package chart

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDrawPanelsWithCurvesAndLegend(t *testing.T) {
	decay := Curve{Name: "psu", X: []float64{0, 1, 2, 3}, Y: []float64{3, 2, 1.5, 1.2}}
	flat := Curve{Name: "rank", X: []float64{0, 3}, Y: []float64{1, 1}}
	var buf bytes.Buffer
	require.NoError(t, Draw(&buf, []Panel{
		{Title: "PSU", XLabel: "epoch", YLabel: "loss", Curves: []Curve{decay}},
		{Title: "Ranking", XLabel: "epoch", YLabel: "loss", Curves: []Curve{flat, decay}},
	}, 800, 300))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 800, 300), img.Bounds())
	colours := map[[3]uint32]bool{}
	for y := 0; y < 300; y++ {
		for x := 0; x < 800; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	for i := range 2 {
		c := palette[i]
		assert.True(t, colours[[3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)}], "curve colour %d drawn", i)
	}
	assert.True(t, colours[[3]uint32{0, 0, 0}], "axes and text drawn")
}

func TestDrawRejects(t *testing.T) {
	tests := []struct {
		name   string
		panels []Panel
		w, h   int
	}{
		{"no panels", nil, 400, 300},
		{"too small", []Panel{{}}, 50, 50},
		{"ragged curve", []Panel{{Curves: []Curve{{X: []float64{1, 2}, Y: []float64{1}}}}}, 400, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, Draw(&bytes.Buffer{}, tt.panels, tt.w, tt.h))
		})
	}
}

func TestDrawSkipsNonFinitePoints(t *testing.T) {
	c := Curve{Name: "nan", X: []float64{0, 1, 2}, Y: []float64{1, math.NaN(), 2}}
	require.NoError(t, Draw(&bytes.Buffer{}, []Panel{{Curves: []Curve{c}}, {}}, 600, 200))
}

func TestDrawLogAxes(t *testing.T) {
	tests := []struct {
		name  string
		panel Panel
	}{
		{"decades", Panel{LogX: true, LogY: true, Curves: []Curve{{Name: "rank", X: []float64{1e3, 1e4, 1e5}, Y: []float64{1.3, 14, 39}}}}},
		{"non-positive points left out", Panel{LogX: true, Curves: []Curve{{Name: "c", X: []float64{0, -1, 10, 100}, Y: []float64{1, 2, 3, 4}}}}},
		{"nothing drawable", Panel{LogY: true, Curves: []Curve{{Name: "zero", X: []float64{1, 2}, Y: []float64{0, 0}}}}},
		{"no curves", Panel{LogX: true, LogY: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, Draw(&buf, []Panel{tt.panel}, 400, 300))
			_, err := png.Decode(&buf)
			require.NoError(t, err)
		})
	}
}
