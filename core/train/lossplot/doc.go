// Package lossplot draws training-loss curves as one PNG image: panels side by side, each with
// its axes, one line per curve and a legend. It keeps the report's small description of a chart
// (Panel, Curve) and leaves the drawing to gonum.org/v1/plot.
package lossplot
