// Package report formats the figures of the command line's reports: numbers as people read
// them, aligned text tables and padded Markdown tables, so that every report of the project
// prints them alike.
package report
