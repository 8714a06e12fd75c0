// Package progress shows the progress of long runs (training, evaluation) on the command
// line's standard error: a redrawn bar per stage on a terminal, and in a pipe or a CI log one
// plain line every few seconds instead, since a log keeps every redraw of a bar.
package progress
