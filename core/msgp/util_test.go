package msgp

import "strconv"

func itoa(n int) string             { return strconv.Itoa(n) }
func itoa64(n int64) string         { return strconv.FormatInt(n, 10) }
func strconvUint(n uint64) string   { return strconv.FormatUint(n, 10) }
func strconvFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
