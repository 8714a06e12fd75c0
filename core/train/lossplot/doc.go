// Package lossplot draws training-loss curves as a PNG image with the standard library alone:
// panels with axes, tick labels, one polyline per curve and a legend, lettered in a built-in
// 5×7 pixel font.
package lossplot
