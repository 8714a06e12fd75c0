//go:build goexperiment.simd && wasm

package fastscan

import (
	"simd/archsimd"
	"unsafe"
	"testing"
)

func TestZZStats(t *testing.T) {
	rows := zzScores(t)
	for _, k := range []int{64, 256} {
		for l, sc := range rows[:3] {
			n := len(sc)
			maxBlocks := max(1, min(maxGroups, 4*k)/8)
			blockLen := 32 * ((n + 32*maxBlocks - 1) / (32 * maxBlocks))
			blocks := (n + blockLen - 1) / blockLen
			groups := 8 * blocks
			gmax := make([]uint16, groups)
			lo, hi := uint16(65535), uint16(0)
			for i, v := range sc {
				b := i / blockLen
				g := 8*b + (i-b*blockLen)%8
				gmax[g] = max(gmax[g], v)
			}
			for _, v := range gmax {
				lo, hi = min(lo, v), max(hi, v)
			}
			T := kthLargest16(gmax, lo, hi, k)
			cnt := 0
			for _, v := range sc {
				if v >= T {
					cnt++
				}
			}
			t.Logf("k=%d row=%d groups=%d lo=%d hi=%d T=%d count>=T=%d", k, l, groups, lo, hi, T, cnt)
		}
	}
}

func zzGmax(scores []uint16, k int, gmax *[maxGroups]uint16) int {
	n := len(scores)
	maxBlocks := max(1, min(maxGroups, 4*k)/8)
	blockLen := 32 * ((n + 32*maxBlocks - 1) / (32 * maxBlocks))
	blocks := (n + blockLen - 1) / blockLen
	p := unsafe.Pointer(unsafe.SliceData(scores))
	g := unsafe.Pointer(gmax)
	for b := range blocks {
		start, end := b*blockLen, min(n, (b+1)*blockLen)
		var v archsimd.Uint16x8
		i := start
		for ; i+32 <= end; i += 32 {
			q := unsafe.Add(p, 2*i)
			v = v.Max(loadU16(q).Max(loadU16(unsafe.Add(q, 16)))).Max(loadU16(unsafe.Add(q, 32)).Max(loadU16(unsafe.Add(q, 48))))
		}
		storeU16(unsafe.Add(g, 16*b), v)
	}
	return blocks * 8
}

func zzCompare(scores []uint16, t uint16) int {
	n := len(scores)
	p := unsafe.Pointer(unsafe.SliceData(scores))
	th := archsimd.BroadcastUint16x8(t)
	c := 0
	for i := 0; i+32 <= n; i += 32 {
		q := unsafe.Add(p, 2*i)
		m0 := loadU16(q).GreaterEqual(th)
		m1 := loadU16(unsafe.Add(q, 16)).GreaterEqual(th)
		m2 := loadU16(unsafe.Add(q, 32)).GreaterEqual(th)
		m3 := loadU16(unsafe.Add(q, 48)).GreaterEqual(th)
		any := m0.Or(m1).Or(m2.Or(m3)).ToInt16x8().ToBits().ReshapeToUint64s()
		if any.GetElem(0)|any.GetElem(1) == 0 {
			continue
		}
		c++
	}
	return c
}

func BenchmarkZZPieces(b *testing.B) {
	rows := zzScores(b)
	var gmax [maxGroups]uint16
	b.Run("gmax", func(b *testing.B) {
		for b.Loop() {
			zzGmax(rows[0], 256, &gmax)
		}
	})
	g := zzGmax(rows[0], 256, &gmax)
	b.Run("kth", func(b *testing.B) {
		for b.Loop() {
			kthLargest16(gmax[:g], 1181, 1826, 256)
		}
	})
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			zzCompare(rows[0], 1620)
		}
	})
	b.Run("full", func(b *testing.B) {
		idx := make([]int32, 0, 256)
		for b.Loop() {
			idx = topK16(rows[0], 256, idx, true)
		}
	})
	b.Run("full-row1", func(b *testing.B) {
		idx := make([]int32, 0, 256)
		for b.Loop() {
			idx = topK16(rows[1], 256, idx, true)
		}
	})
	var st [stackLen]uint64
	buf := st[:1600]
	for i := range buf {
		buf[i] = uint64(rows[0][i])<<32 | uint64(^uint32(i))
	}
	b.Run("kthLargest800", func(b *testing.B) {
		for b.Loop() {
			kthLargest(buf[:800], buf[800:1600], 256)
		}
	})
}
