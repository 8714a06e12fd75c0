// Package chart draws the reports' line charts as one PNG image: panels side by side, each with
// its axes (linear or logarithmic), one line per curve and a legend. It keeps the reports' small
// description of a chart (Panel, Curve) and leaves the drawing to gonum.org/v1/plot.
package chart
