package fastscan

import (
	"os"
	"strconv"
	"testing"
)

func zzScores(b testing.TB) [][]uint16 {
	raw, err := os.ReadFile("/tmp/zz_s16.bin")
	if err != nil {
		b.Skip("no dump")
	}
	n := len(raw) / 2 / 8
	rows := make([][]uint16, 8)
	for l := range rows {
		rows[l] = make([]uint16, n)
		for i := range n {
			rows[l][i] = uint16(raw[2*(l*n+i)]) | uint16(raw[2*(l*n+i)+1])<<8
		}
	}
	return rows
}

func BenchmarkZZRealTopK16(b *testing.B) {
	rows := zzScores(b)
	for _, k := range []int{64, 256} {
		idx := make([]int32, 0, k)
		for _, impl := range implementations() {
			b.Run("k="+strconv.Itoa(k)+"/"+impl.name, func(b *testing.B) {
				i := 0
				for b.Loop() {
					idx = topK16(rows[i%8], k, idx, impl.simdTopK)
					i++
				}
			})
		}
	}
}
