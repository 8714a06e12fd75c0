package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Curve is one polyline: points (X[i], Y[i]).
type Curve struct {
	Name string
	X, Y []float64
}

// Panel is one chart: its curves share the axes.
type Panel struct {
	Title, XLabel, YLabel string
	Curves                []Curve
	// LogX and LogY draw an axis in log10 scale, for quantities that span decades (history
	// lengths, latencies); points that are not positive on such an axis are left out.
	LogX, LogY bool
}

// palette gives the curves of a panel distinct colours, in order.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {255, 127, 14, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255}, {0, 0, 0, 255},
}

// dpi converts the image size in pixels to the vector units gonum/plot lays out in.
const dpi = 96

// Draw writes the panels side by side as one PNG of the given size in pixels.
func Draw(w io.Writer, panels []Panel, width, height int) error {
	if len(panels) == 0 {
		return errors.New("chart: no panels")
	}
	if width/len(panels) < 150 || height < 150 {
		return fmt.Errorf("chart: %d×%d is too small for %d panels", width, height, len(panels))
	}
	plots := make([][]*plot.Plot, 1)
	for _, p := range panels {
		pl, err := panel(p)
		if err != nil {
			return err
		}
		plots[0] = append(plots[0], pl)
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(width)*vg.Inch/dpi, vg.Length(height)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for i, pl := range plots[0] {
		pl.Draw(canvases[0][i])
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return nil
}

// panel builds one chart; points that are not finite, or not positive on a log axis, are left
// out of their line.
func panel(p Panel) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text, pl.X.Label.Text, pl.Y.Label.Text = p.Title, p.XLabel, p.YLabel
	pl.Add(plotter.NewGrid())
	pl.Legend.Top = true
	drawn := false
	for i, c := range p.Curves {
		if len(c.X) != len(c.Y) {
			return nil, fmt.Errorf("chart: curve %q has %d x and %d y values", c.Name, len(c.X), len(c.Y))
		}
		var pts plotter.XYs
		for k := range c.X {
			if drawable(c.X[k], p.LogX) && drawable(c.Y[k], p.LogY) {
				pts = append(pts, plotter.XY{X: c.X[k], Y: c.Y[k]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: curve %q: %w", c.Name, err)
		}
		line.Color = palette[i%len(palette)]
		line.Width = vg.Points(1.5)
		pl.Add(line)
		pl.Legend.Add(c.Name, line)
		drawn = true
	}
	// gonum's log ticks panic on the empty range of a panel without points.
	if p.LogX && drawn {
		pl.X.Scale, pl.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if p.LogY && drawn {
		pl.Y.Scale, pl.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	return pl, nil
}

// drawable says whether v can be placed on an axis: finite, and positive on a log axis.
func drawable(v float64, log bool) bool {
	return !math.IsInf(v, 0) && !math.IsNaN(v) && (!log || v > 0)
}
