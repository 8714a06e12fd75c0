package lossplot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"unicode"
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
}

// palette gives the curves of a panel distinct colours, in order.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {255, 127, 14, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255}, {0, 0, 0, 255},
}

var (
	white = color.RGBA{255, 255, 255, 255}
	ink   = color.RGBA{40, 40, 40, 255}
	grid  = color.RGBA{225, 225, 225, 255}
)

// Layout of a panel, in pixels.
const (
	marginLeft   = 70
	marginRight  = 20
	marginTop    = 40
	marginBottom = 50
	ticks        = 5
)

// Draw writes the panels side by side as one PNG of the given size.
func Draw(w io.Writer, panels []Panel, width, height int) error {
	if len(panels) == 0 {
		return errors.New("lossplot: no panels")
	}
	pw := width / len(panels)
	if pw < marginLeft+marginRight+50 || height < marginTop+marginBottom+50 {
		return fmt.Errorf("lossplot: %d×%d is too small for %d panels", width, height, len(panels))
	}
	for _, p := range panels {
		for _, c := range p.Curves {
			if len(c.X) != len(c.Y) {
				return fmt.Errorf("lossplot: curve %q has %d x and %d y values", c.Name, len(c.X), len(c.Y))
			}
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fill(img, img.Bounds(), white)
	for i, p := range panels {
		drawPanel(img, image.Rect(i*pw, 0, (i+1)*pw, height), p)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("lossplot: %w", err)
	}
	return nil
}

func drawPanel(img *image.RGBA, r image.Rectangle, p Panel) {
	plot := image.Rect(r.Min.X+marginLeft, r.Min.Y+marginTop, r.Max.X-marginRight, r.Max.Y-marginBottom)
	xmin, xmax, ymin, ymax := bounds(p.Curves)
	xmin = min(xmin, 0) // curves over training time start at its origin
	ymin, ymax = pad(ymin, ymax)
	if xmin == xmax {
		xmax = xmin + 1
	}
	px := func(x float64) int {
		return plot.Min.X + int(math.Round((x-xmin)/(xmax-xmin)*float64(plot.Dx()-1)))
	}
	py := func(y float64) int {
		return plot.Max.Y - 1 - int(math.Round((y-ymin)/(ymax-ymin)*float64(plot.Dy()-1)))
	}
	for i := range ticks + 1 {
		f := float64(i) / ticks
		x, y := xmin+f*(xmax-xmin), ymin+f*(ymax-ymin)
		line(img, px(x), plot.Min.Y, px(x), plot.Max.Y-1, grid, 1)
		line(img, plot.Min.X, py(y), plot.Max.X-1, py(y), grid, 1)
		lx := label(x)
		text(img, px(x)-textWidth(lx, 1)/2, plot.Max.Y+6, lx, ink, 1)
		ly := label(y)
		text(img, plot.Min.X-8-textWidth(ly, 1), py(y)-glyphH/2, ly, ink, 1)
	}
	line(img, plot.Min.X, plot.Max.Y-1, plot.Max.X-1, plot.Max.Y-1, ink, 1)
	line(img, plot.Min.X, plot.Min.Y, plot.Min.X, plot.Max.Y-1, ink, 1)
	text(img, plot.Min.X+(plot.Dx()-textWidth(p.Title, 2))/2, r.Min.Y+10, p.Title, ink, 2)
	text(img, plot.Min.X+(plot.Dx()-textWidth(p.XLabel, 1))/2, plot.Max.Y+24, p.XLabel, ink, 1)
	textUp(img, r.Min.X+8, plot.Min.Y+(plot.Dy()+textWidth(p.YLabel, 1))/2, p.YLabel, ink)
	for i, c := range p.Curves {
		col := palette[i%len(palette)]
		for k := 1; k < len(c.X); k++ {
			if finite(c.Y[k-1]) && finite(c.Y[k]) {
				line(img, px(c.X[k-1]), py(c.Y[k-1]), px(c.X[k]), py(c.Y[k]), col, 2)
			}
		}
	}
	legend(img, plot, p.Curves)
}

// legend lists the curves in a framed box in the top right corner of the plot area.
func legend(img *image.RGBA, plot image.Rectangle, curves []Curve) {
	if len(curves) == 0 {
		return
	}
	wmax := 0
	for _, c := range curves {
		wmax = max(wmax, textWidth(c.Name, 1))
	}
	const row, swatch = 12, 18
	box := image.Rect(plot.Max.X-wmax-swatch-20, plot.Min.Y+6, plot.Max.X-6, plot.Min.Y+12+row*len(curves))
	fill(img, box, white)
	rect(img, box, ink)
	for i, c := range curves {
		y := box.Min.Y + 6 + i*row
		line(img, box.Min.X+5, y+3, box.Min.X+5+swatch-4, y+3, palette[i%len(palette)], 2)
		text(img, box.Min.X+5+swatch, y, c.Name, ink, 1)
	}
}

func bounds(curves []Curve) (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, c := range curves {
		for i, x := range c.X {
			if y := c.Y[i]; finite(x) && finite(y) {
				xmin, xmax = min(xmin, x), max(xmax, x)
				ymin, ymax = min(ymin, y), max(ymax, y)
			}
		}
	}
	if math.IsInf(xmin, 1) {
		return 0, 1, 0, 1
	}
	return xmin, xmax, ymin, ymax
}

// pad widens [lo, hi] by 5% on each side (to a unit range when it is empty).
func pad(lo, hi float64) (float64, float64) {
	if lo == hi {
		return lo - 0.5, hi + 0.5
	}
	m := (hi - lo) * 0.05
	return lo - m, hi + m
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func label(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func rect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	line(img, r.Min.X, r.Min.Y, r.Max.X-1, r.Min.Y, c, 1)
	line(img, r.Min.X, r.Max.Y-1, r.Max.X-1, r.Max.Y-1, c, 1)
	line(img, r.Min.X, r.Min.Y, r.Min.X, r.Max.Y-1, c, 1)
	line(img, r.Max.X-1, r.Min.Y, r.Max.X-1, r.Max.Y-1, c, 1)
}

// line draws from (x0, y0) to (x1, y1) with Bresenham's algorithm, width pixels wide.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, width int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		for i := range width {
			for j := range width {
				if (image.Point{x0 + i, y0 + j}).In(img.Bounds()) {
					img.SetRGBA(x0+i, y0+j, c)
				}
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func textWidth(s string, scale int) int {
	n := 0
	for range s {
		n++
	}
	return n * advance * scale
}

// text draws s with its top-left corner at (x, y), each font pixel scale×scale.
func text(img *image.RGBA, x, y int, s string, c color.RGBA, scale int) {
	for _, r := range s {
		g := glyphs[unicode.ToLower(r)]
		for row, bits := range g {
			for col := range glyphW {
				if bits&(1<<(glyphW-1-col)) != 0 {
					fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += advance * scale
	}
}

// textUp draws s rotated a quarter turn counter-clockwise, starting at (x, y) and going up.
func textUp(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range s {
		g := glyphs[unicode.ToLower(r)]
		for row, bits := range g {
			for col := range glyphW {
				if bits&(1<<(glyphW-1-col)) != 0 {
					p := image.Point{x + row, y - col}
					if p.In(img.Bounds()) {
						img.SetRGBA(p.X, p.Y, c)
					}
				}
			}
		}
		y -= advance
	}
}
