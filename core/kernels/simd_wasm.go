//go:build goexperiment.simd && wasm

package kernels

import (
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether the exported kernels run SIMD128 code.
const SIMD = true

func dot(a, b []float32) float32                 { return dotSIMD(a, b) }
func axpy(alpha float32, x, y []float32)         { axpySIMD(alpha, x, y) }
func matVec(dst, m, x []float32)                 { matVecSIMD(dst, m, x) }
func matVecs(dst, m, x []float32, n int)         { matVecsSIMD(dst, m, x, n) }
func matTVec(dst, m, x []float32)                { matTVecSIMD(dst, m, x) }
func matMul(dst, a, b []float32, m, n, k int)    { matMulSIMD(dst, a, b, m, n, k) }
func matMulT(dst, a, b []float32, m, n, k int)   { matMulTSIMD(dst, a, b, m, n, k) }
func addRows(dst, m []float32, rows []int32)     { addRowsSIMD(dst, m, rows) }
func scale(alpha float32, x []float32)           { scaleSIMD(alpha, x) }
func add(dst, a, b []float32)                    { addSIMD(dst, a, b) }
func mul(dst, a, b []float32)                    { mulSIMD(dst, a, b) }
func relu(x []float32)                           { reluSIMD(x) }
func softmax(x []float32)                        { softmaxSIMD(x) }
func expShifted(x []float32, hi float32) float32 { return expShiftedSIMD(x, hi) }

// adam stays portable in wasm: training runs natively.
func adam(x, g, m, v []float32, s AdamStep) { adamPortable(x, g, m, v, s) }

// The kernels below read and write through unsafe pointers: in Go's wasm code every slice
// index costs a bounds check and 64-bit address arithmetic, which dominate short loops.
// Each function first re-slices its inputs to the exact lengths it touches, so the pointer
// walk stays inside them.

func load(p unsafe.Pointer) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(p))
}

func store(p unsafe.Pointer, v archsimd.Float32x4) { v.StoreArray((*[4]float32)(p)) }

func ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// hsum adds the four lanes as (v0+v1)+(v2+v3).
func hsum(v archsimd.Float32x4) float32 {
	return (v.GetElem(0) + v.GetElem(1)) + (v.GetElem(2) + v.GetElem(3))
}

// dotSIMD keeps four vector accumulators (16 partial sums) so consecutive adds do not wait
// on each other.
func dotSIMD(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	pa, pb := ptr(a), ptr(b)
	var s0, s1, s2, s3 archsimd.Float32x4
	i := 0
	for ; i+16 <= n; i += 16 {
		s0 = s0.Add(load(pa).Mul(load(pb)))
		s1 = s1.Add(load(unsafe.Add(pa, 16)).Mul(load(unsafe.Add(pb, 16))))
		s2 = s2.Add(load(unsafe.Add(pa, 32)).Mul(load(unsafe.Add(pb, 32))))
		s3 = s3.Add(load(unsafe.Add(pa, 48)).Mul(load(unsafe.Add(pb, 48))))
		pa, pb = unsafe.Add(pa, 64), unsafe.Add(pb, 64)
	}
	for ; i+4 <= n; i += 4 {
		s0 = s0.Add(load(pa).Mul(load(pb)))
		pa, pb = unsafe.Add(pa, 16), unsafe.Add(pb, 16)
	}
	s := hsum(s0.Add(s1).Add(s2.Add(s3)))
	for ; i < n; i++ {
		s += float32(a[i] * b[i])
	}
	return s
}

func axpySIMD(alpha float32, x, y []float32) {
	n := len(x)
	y = y[:n]
	px, py := ptr(x), ptr(y)
	va := archsimd.BroadcastFloat32x4(alpha)
	i := 0
	for ; i+16 <= n; i += 16 {
		store(py, load(py).Add(va.Mul(load(px))))
		store(unsafe.Add(py, 16), load(unsafe.Add(py, 16)).Add(va.Mul(load(unsafe.Add(px, 16)))))
		store(unsafe.Add(py, 32), load(unsafe.Add(py, 32)).Add(va.Mul(load(unsafe.Add(px, 32)))))
		store(unsafe.Add(py, 48), load(unsafe.Add(py, 48)).Add(va.Mul(load(unsafe.Add(px, 48)))))
		px, py = unsafe.Add(px, 64), unsafe.Add(py, 64)
	}
	for ; i+4 <= n; i += 4 {
		store(py, load(py).Add(va.Mul(load(px))))
		px, py = unsafe.Add(px, 16), unsafe.Add(py, 16)
	}
	for ; i < n; i++ {
		y[i] += float32(alpha * x[i])
	}
}

// matVecSIMD takes two rows at a time so that each load of x serves two products, and eight
// columns per step, with two accumulators per row, to halve the loop's back-edges. Rows come in
// pairs up to the last multiple of 4 (the rest go through dotSIMD), so every sum keeps the order
// of the earlier four-row shape; four rows' accumulators and loads outgrew the registers.
func matVecSIMD(dst, m, x []float32) {
	rows, cols := len(dst), len(x)
	m = m[:rows*cols]
	px := ptr(x)
	stride := uintptr(cols) * 4
	blocked := rows &^ 3
	r := 0
	for ; r < blocked; r += 2 {
		p0 := unsafe.Add(ptr(m), uintptr(r)*stride)
		p1 := unsafe.Add(p0, stride)
		q := px
		var s0, s1, t0, t1 archsimd.Float32x4
		c := 0
		for ; c+8 <= cols; c += 8 {
			v, w := load(q), load(unsafe.Add(q, 16))
			s0 = s0.Add(load(p0).Mul(v))
			s1 = s1.Add(load(p1).Mul(v))
			t0 = t0.Add(load(unsafe.Add(p0, 16)).Mul(w))
			t1 = t1.Add(load(unsafe.Add(p1, 16)).Mul(w))
			p0, p1 = unsafe.Add(p0, 32), unsafe.Add(p1, 32)
			q = unsafe.Add(q, 32)
		}
		for ; c+4 <= cols; c += 4 {
			v := load(q)
			s0 = s0.Add(load(p0).Mul(v))
			s1 = s1.Add(load(p1).Mul(v))
			p0, p1 = unsafe.Add(p0, 16), unsafe.Add(p1, 16)
			q = unsafe.Add(q, 16)
		}
		d0, d1 := hsum(s0.Add(t0)), hsum(s1.Add(t1))
		for ; c < cols; c++ {
			xc := x[c]
			d0 += float32(m[r*cols+c] * xc)
			d1 += float32(m[(r+1)*cols+c] * xc)
		}
		dst[r], dst[r+1] = d0, d1
	}
	for ; r < rows; r++ {
		dst[r] = dotSIMD(m[r*cols:r*cols+cols], x)
	}
}

// matVecsSIMD runs matVecSIMD for two vectors at a time: every row segment loaded serves both,
// and each product keeps matVecSIMD's accumulators and order (rows past the last multiple of 4
// go through dotSIMD, as there). Two rows per step keep the eight accumulators and the loads
// in registers. An odd last vector goes alone.
func matVecsSIMD(dst, m, x []float32, n int) {
	if n <= 0 {
		return
	}
	rows, cols := len(dst)/n, len(x)/n
	dst, m, x = dst[:n*rows], m[:rows*cols], x[:n*cols]
	stride := uintptr(cols) * 4
	blocked := rows &^ 3
	i := 0
	for ; i+2 <= n; i += 2 {
		xa, xb := x[i*cols:(i+1)*cols], x[(i+1)*cols:(i+2)*cols]
		da, db := dst[i*rows:(i+1)*rows], dst[(i+1)*rows:(i+2)*rows]
		r := 0
		for ; r < blocked; r += 2 {
			p0 := unsafe.Add(ptr(m), uintptr(r)*stride)
			p1 := unsafe.Add(p0, stride)
			qa, qb := ptr(xa), ptr(xb)
			var a0, a1, e0, e1, b0, b1, f0, f1 archsimd.Float32x4
			c := 0
			for ; c+8 <= cols; c += 8 {
				m0, m1 := load(p0), load(p1)
				v, w := load(qa), load(qb)
				a0, a1, b0, b1 = a0.Add(m0.Mul(v)), a1.Add(m1.Mul(v)), b0.Add(m0.Mul(w)), b1.Add(m1.Mul(w))
				m0, m1 = load(unsafe.Add(p0, 16)), load(unsafe.Add(p1, 16))
				v, w = load(unsafe.Add(qa, 16)), load(unsafe.Add(qb, 16))
				e0, e1, f0, f1 = e0.Add(m0.Mul(v)), e1.Add(m1.Mul(v)), f0.Add(m0.Mul(w)), f1.Add(m1.Mul(w))
				p0, p1 = unsafe.Add(p0, 32), unsafe.Add(p1, 32)
				qa, qb = unsafe.Add(qa, 32), unsafe.Add(qb, 32)
			}
			for ; c+4 <= cols; c += 4 {
				m0, m1 := load(p0), load(p1)
				v, w := load(qa), load(qb)
				a0, a1, b0, b1 = a0.Add(m0.Mul(v)), a1.Add(m1.Mul(v)), b0.Add(m0.Mul(w)), b1.Add(m1.Mul(w))
				p0, p1 = unsafe.Add(p0, 16), unsafe.Add(p1, 16)
				qa, qb = unsafe.Add(qa, 16), unsafe.Add(qb, 16)
			}
			s0, s1 := hsum(a0.Add(e0)), hsum(a1.Add(e1))
			t0, t1 := hsum(b0.Add(f0)), hsum(b1.Add(f1))
			for ; c < cols; c++ {
				ya, yb := xa[c], xb[c]
				w0, w1 := m[r*cols+c], m[(r+1)*cols+c]
				s0 += float32(w0 * ya)
				s1 += float32(w1 * ya)
				t0 += float32(w0 * yb)
				t1 += float32(w1 * yb)
			}
			da[r], da[r+1] = s0, s1
			db[r], db[r+1] = t0, t1
		}
		for ; r < rows; r++ {
			da[r] = dotSIMD(m[r*cols:r*cols+cols], xa)
			db[r] = dotSIMD(m[r*cols:r*cols+cols], xb)
		}
	}
	if i < n {
		matVecSIMD(dst[i*rows:(i+1)*rows], m, x[i*cols:(i+1)*cols])
	}
}

// matTVecSIMD adds four scaled rows per pass over dst, one after the other in row order, so
// each element sees the same float32 operations as a sequence of Axpy calls.
func matTVecSIMD(dst, m, x []float32) {
	rows, cols := len(x), len(dst)
	m = m[:rows*cols]
	clear(dst)
	pd := ptr(dst)
	stride := uintptr(cols) * 4
	r := 0
	for ; r+4 <= rows; r += 4 {
		x0, x1, x2, x3 := x[r], x[r+1], x[r+2], x[r+3]
		v0, v1 := archsimd.BroadcastFloat32x4(x0), archsimd.BroadcastFloat32x4(x1)
		v2, v3 := archsimd.BroadcastFloat32x4(x2), archsimd.BroadcastFloat32x4(x3)
		p0 := unsafe.Add(ptr(m), uintptr(r)*stride)
		p1 := unsafe.Add(p0, stride)
		p2 := unsafe.Add(p1, stride)
		p3 := unsafe.Add(p2, stride)
		q := pd
		c := 0
		for ; c+8 <= cols; c += 8 {
			acc := load(q).Add(v0.Mul(load(p0))).Add(v1.Mul(load(p1))).Add(v2.Mul(load(p2))).Add(v3.Mul(load(p3)))
			store(q, acc)
			q1 := unsafe.Add(q, 16)
			acc = load(q1).Add(v0.Mul(load(unsafe.Add(p0, 16)))).Add(v1.Mul(load(unsafe.Add(p1, 16)))).
				Add(v2.Mul(load(unsafe.Add(p2, 16)))).Add(v3.Mul(load(unsafe.Add(p3, 16))))
			store(q1, acc)
			p0, p1, p2, p3 = unsafe.Add(p0, 32), unsafe.Add(p1, 32), unsafe.Add(p2, 32), unsafe.Add(p3, 32)
			q = unsafe.Add(q, 32)
		}
		for ; c+4 <= cols; c += 4 {
			acc := load(q).Add(v0.Mul(load(p0))).Add(v1.Mul(load(p1))).Add(v2.Mul(load(p2))).Add(v3.Mul(load(p3)))
			store(q, acc)
			p0, p1, p2, p3 = unsafe.Add(p0, 16), unsafe.Add(p1, 16), unsafe.Add(p2, 16), unsafe.Add(p3, 16)
			q = unsafe.Add(q, 16)
		}
		for ; c < cols; c++ {
			d := dst[c] + float32(x0*m[r*cols+c])
			d += float32(x1 * m[(r+1)*cols+c])
			d += float32(x2 * m[(r+2)*cols+c])
			dst[c] = d + float32(x3*m[(r+3)*cols+c])
		}
	}
	for ; r < rows; r++ {
		axpySIMD(x[r], m[r*cols:r*cols+cols], dst)
	}
}

// matMulSIMD keeps a 4×16 block of dst in sixteen vector accumulators while it walks the k
// rows of B, so each row segment loaded serves four rows of A. Every element adds its k
// products in row order, as matTVecSIMD and a sequence of Axpy calls do.
func matMulSIMD(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:k*n]
	bstride, astride := uintptr(n)*4, uintptr(k)*4
	i := 0
	for ; i+4 <= m; i += 4 {
		pa := unsafe.Add(ptr(a), uintptr(i)*astride)
		pd := unsafe.Add(ptr(dst), uintptr(i)*bstride)
		c := 0
		for ; c+16 <= n; c += 16 {
			var s00, s01, s02, s03, s10, s11, s12, s13 archsimd.Float32x4
			var s20, s21, s22, s23, s30, s31, s32, s33 archsimd.Float32x4
			pb, q := unsafe.Add(ptr(b), uintptr(c)*4), pa
			for range k {
				b0, b1 := load(pb), load(unsafe.Add(pb, 16))
				b2, b3 := load(unsafe.Add(pb, 32)), load(unsafe.Add(pb, 48))
				v := archsimd.BroadcastFloat32x4(*(*float32)(q))
				s00, s01, s02, s03 = s00.Add(v.Mul(b0)), s01.Add(v.Mul(b1)), s02.Add(v.Mul(b2)), s03.Add(v.Mul(b3))
				v = archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, astride)))
				s10, s11, s12, s13 = s10.Add(v.Mul(b0)), s11.Add(v.Mul(b1)), s12.Add(v.Mul(b2)), s13.Add(v.Mul(b3))
				v = archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, 2*astride)))
				s20, s21, s22, s23 = s20.Add(v.Mul(b0)), s21.Add(v.Mul(b1)), s22.Add(v.Mul(b2)), s23.Add(v.Mul(b3))
				v = archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, 3*astride)))
				s30, s31, s32, s33 = s30.Add(v.Mul(b0)), s31.Add(v.Mul(b1)), s32.Add(v.Mul(b2)), s33.Add(v.Mul(b3))
				pb, q = unsafe.Add(pb, bstride), unsafe.Add(q, 4)
			}
			o := unsafe.Add(pd, uintptr(c)*4)
			store(o, s00)
			store(unsafe.Add(o, 16), s01)
			store(unsafe.Add(o, 32), s02)
			store(unsafe.Add(o, 48), s03)
			o = unsafe.Add(o, bstride)
			store(o, s10)
			store(unsafe.Add(o, 16), s11)
			store(unsafe.Add(o, 32), s12)
			store(unsafe.Add(o, 48), s13)
			o = unsafe.Add(o, bstride)
			store(o, s20)
			store(unsafe.Add(o, 16), s21)
			store(unsafe.Add(o, 32), s22)
			store(unsafe.Add(o, 48), s23)
			o = unsafe.Add(o, bstride)
			store(o, s30)
			store(unsafe.Add(o, 16), s31)
			store(unsafe.Add(o, 32), s32)
			store(unsafe.Add(o, 48), s33)
		}
		for ; c+4 <= n; c += 4 {
			var s0, s1, s2, s3 archsimd.Float32x4
			pb, q := unsafe.Add(ptr(b), uintptr(c)*4), pa
			for range k {
				v := load(pb)
				s0 = s0.Add(archsimd.BroadcastFloat32x4(*(*float32)(q)).Mul(v))
				s1 = s1.Add(archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, astride))).Mul(v))
				s2 = s2.Add(archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, 2*astride))).Mul(v))
				s3 = s3.Add(archsimd.BroadcastFloat32x4(*(*float32)(unsafe.Add(q, 3*astride))).Mul(v))
				pb, q = unsafe.Add(pb, bstride), unsafe.Add(q, 4)
			}
			o := unsafe.Add(pd, uintptr(c)*4)
			store(o, s0)
			store(unsafe.Add(o, bstride), s1)
			store(unsafe.Add(o, 2*bstride), s2)
			store(unsafe.Add(o, 3*bstride), s3)
		}
		for ; c < n; c++ {
			for r := i; r < i+4; r++ {
				var s float32
				for j := range k {
					s += float32(a[r*k+j] * b[j*n+c])
				}
				dst[r*n+c] = s
			}
		}
	}
	for ; i < m; i++ {
		matTVecSIMD(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

// matMulTSIMD computes a 4×4 block of dst at a time in sixteen vector accumulators: each
// vector loaded from a row of A serves four rows of B and the other way round, which halves the
// loads per product of a matrix–vector product.
func matMulTSIMD(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:n*k]
	stride := uintptr(k) * 4
	i := 0
	for ; i+4 <= m; i += 4 {
		pa := unsafe.Add(ptr(a), uintptr(i)*stride)
		j := 0
		for ; j+4 <= n; j += 4 {
			p0 := unsafe.Add(ptr(b), uintptr(j)*stride)
			p1 := unsafe.Add(p0, stride)
			p2 := unsafe.Add(p1, stride)
			p3 := unsafe.Add(p2, stride)
			q := pa
			var s00, s01, s02, s03, s10, s11, s12, s13 archsimd.Float32x4
			var s20, s21, s22, s23, s30, s31, s32, s33 archsimd.Float32x4
			c := 0
			for ; c+4 <= k; c += 4 {
				b0, b1, b2, b3 := load(p0), load(p1), load(p2), load(p3)
				v := load(q)
				s00, s01, s02, s03 = s00.Add(v.Mul(b0)), s01.Add(v.Mul(b1)), s02.Add(v.Mul(b2)), s03.Add(v.Mul(b3))
				v = load(unsafe.Add(q, stride))
				s10, s11, s12, s13 = s10.Add(v.Mul(b0)), s11.Add(v.Mul(b1)), s12.Add(v.Mul(b2)), s13.Add(v.Mul(b3))
				v = load(unsafe.Add(q, 2*stride))
				s20, s21, s22, s23 = s20.Add(v.Mul(b0)), s21.Add(v.Mul(b1)), s22.Add(v.Mul(b2)), s23.Add(v.Mul(b3))
				v = load(unsafe.Add(q, 3*stride))
				s30, s31, s32, s33 = s30.Add(v.Mul(b0)), s31.Add(v.Mul(b1)), s32.Add(v.Mul(b2)), s33.Add(v.Mul(b3))
				p0, p1, p2, p3 = unsafe.Add(p0, 16), unsafe.Add(p1, 16), unsafe.Add(p2, 16), unsafe.Add(p3, 16)
				q = unsafe.Add(q, 16)
			}
			o := dst[i*n+j : (i+3)*n+j+4]
			o[0], o[1], o[2], o[3] = hsum(s00), hsum(s01), hsum(s02), hsum(s03)
			o[n], o[n+1], o[n+2], o[n+3] = hsum(s10), hsum(s11), hsum(s12), hsum(s13)
			o[2*n], o[2*n+1], o[2*n+2], o[2*n+3] = hsum(s20), hsum(s21), hsum(s22), hsum(s23)
			o[3*n], o[3*n+1], o[3*n+2], o[3*n+3] = hsum(s30), hsum(s31), hsum(s32), hsum(s33)
			for ; c < k; c++ {
				for r := range 4 {
					x := a[(i+r)*k+c]
					for e := range 4 {
						o[r*n+e] += float32(x * b[(j+e)*k+c])
					}
				}
			}
		}
		for ; j < n; j++ {
			bj := b[j*k : (j+1)*k]
			for r := i; r < i+4; r++ {
				dst[r*n+j] = dotSIMD(a[r*k:(r+1)*k], bj)
			}
		}
	}
	for ; i < m; i++ {
		matVecSIMD(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

// addRowsSIMD keeps 32 columns of dst in eight vector accumulators while it walks the rows.
// Every row index is checked first, since the walk reads through pointers.
func addRowsSIMD(dst, m []float32, rows []int32) {
	cols := len(dst)
	for _, r := range rows {
		_ = m[int(r)*cols : int(r)*cols+cols]
	}
	stride := uintptr(cols) * 4
	base := ptr(m)
	c := 0
	for ; c+32 <= cols; c += 32 {
		o := unsafe.Add(ptr(dst), uintptr(c)*4)
		s0, s1, s2, s3 := load(o), load(unsafe.Add(o, 16)), load(unsafe.Add(o, 32)), load(unsafe.Add(o, 48))
		s4, s5, s6, s7 := load(unsafe.Add(o, 64)), load(unsafe.Add(o, 80)), load(unsafe.Add(o, 96)), load(unsafe.Add(o, 112))
		col := unsafe.Add(base, uintptr(c)*4)
		for _, r := range rows {
			p := unsafe.Add(col, uintptr(r)*stride)
			s0, s1 = s0.Add(load(p)), s1.Add(load(unsafe.Add(p, 16)))
			s2, s3 = s2.Add(load(unsafe.Add(p, 32))), s3.Add(load(unsafe.Add(p, 48)))
			s4, s5 = s4.Add(load(unsafe.Add(p, 64))), s5.Add(load(unsafe.Add(p, 80)))
			s6, s7 = s6.Add(load(unsafe.Add(p, 96))), s7.Add(load(unsafe.Add(p, 112)))
		}
		store(o, s0)
		store(unsafe.Add(o, 16), s1)
		store(unsafe.Add(o, 32), s2)
		store(unsafe.Add(o, 48), s3)
		store(unsafe.Add(o, 64), s4)
		store(unsafe.Add(o, 80), s5)
		store(unsafe.Add(o, 96), s6)
		store(unsafe.Add(o, 112), s7)
	}
	for ; c+4 <= cols; c += 4 {
		o := unsafe.Add(ptr(dst), uintptr(c)*4)
		s := load(o)
		col := unsafe.Add(base, uintptr(c)*4)
		for _, r := range rows {
			s = s.Add(load(unsafe.Add(col, uintptr(r)*stride)))
		}
		store(o, s)
	}
	for ; c < cols; c++ {
		s := dst[c]
		for _, r := range rows {
			s += m[int(r)*cols+c]
		}
		dst[c] = s
	}
}

func scaleSIMD(alpha float32, x []float32) {
	n := len(x)
	p := ptr(x)
	va := archsimd.BroadcastFloat32x4(alpha)
	i := 0
	for ; i+16 <= n; i += 16 {
		store(p, load(p).Mul(va))
		store(unsafe.Add(p, 16), load(unsafe.Add(p, 16)).Mul(va))
		store(unsafe.Add(p, 32), load(unsafe.Add(p, 32)).Mul(va))
		store(unsafe.Add(p, 48), load(unsafe.Add(p, 48)).Mul(va))
		p = unsafe.Add(p, 64)
	}
	for ; i+4 <= n; i += 4 {
		store(p, load(p).Mul(va))
		p = unsafe.Add(p, 16)
	}
	for ; i < n; i++ {
		x[i] *= alpha
	}
}

func addSIMD(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	pd, pa, pb := ptr(dst), ptr(a), ptr(b)
	i := 0
	for ; i+8 <= n; i += 8 {
		store(pd, load(pa).Add(load(pb)))
		store(unsafe.Add(pd, 16), load(unsafe.Add(pa, 16)).Add(load(unsafe.Add(pb, 16))))
		pd, pa, pb = unsafe.Add(pd, 32), unsafe.Add(pa, 32), unsafe.Add(pb, 32)
	}
	for ; i+4 <= n; i += 4 {
		store(pd, load(pa).Add(load(pb)))
		pd, pa, pb = unsafe.Add(pd, 16), unsafe.Add(pa, 16), unsafe.Add(pb, 16)
	}
	for ; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

func mulSIMD(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	pd, pa, pb := ptr(dst), ptr(a), ptr(b)
	i := 0
	for ; i+8 <= n; i += 8 {
		store(pd, load(pa).Mul(load(pb)))
		store(unsafe.Add(pd, 16), load(unsafe.Add(pa, 16)).Mul(load(unsafe.Add(pb, 16))))
		pd, pa, pb = unsafe.Add(pd, 32), unsafe.Add(pa, 32), unsafe.Add(pb, 32)
	}
	for ; i+4 <= n; i += 4 {
		store(pd, load(pa).Mul(load(pb)))
		pd, pa, pb = unsafe.Add(pd, 16), unsafe.Add(pa, 16), unsafe.Add(pb, 16)
	}
	for ; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}

func reluSIMD(x []float32) {
	n := len(x)
	p := ptr(x)
	var zero archsimd.Float32x4
	i := 0
	for ; i+8 <= n; i += 8 {
		store(p, load(p).Max(zero))
		store(unsafe.Add(p, 16), load(unsafe.Add(p, 16)).Max(zero))
		p = unsafe.Add(p, 32)
	}
	for ; i+4 <= n; i += 4 {
		store(p, load(p).Max(zero))
		p = unsafe.Add(p, 16)
	}
	for ; i < n; i++ {
		x[i] = max(x[i], 0)
	}
}

// expShiftedSIMD replaces x[i] by expNonPositive(x[i] − hi) and returns the sum of the
// results. Four lanes at a time it performs expNonPositive's float32 operations in the same
// order, so each element is bit-identical to the scalar one; only the sum's order differs.
func expShiftedSIMD(x []float32, hi float32) float32 {
	bc := archsimd.BroadcastFloat32x4
	vh, log2e, half := bc(hi), bc(expLog2e), bc(0.5)
	ln2Hi, ln2Lo, lowest, one := bc(expLn2Hi), bc(expLn2Lo), bc(expMin), bc(1)
	p0, p1, p2, p3, p4, p5 := bc(expP0), bc(expP1), bc(expP2), bc(expP3), bc(expP4), bc(expP5)
	bias := archsimd.BroadcastInt32x4(127)
	var vs archsimd.Float32x4
	n := len(x)
	q := ptr(x)
	i := 0
	for ; i+4 <= n; i += 4 {
		v := load(q).Sub(vh)
		k := v.Mul(log2e).Add(half).Floor()
		r := v.Sub(k.Mul(ln2Hi))
		r = r.Sub(k.Mul(ln2Lo))
		z := r.Mul(r)
		p := p0.Mul(r).Add(p1)
		p = p.Mul(r).Add(p2)
		p = p.Mul(r).Add(p3)
		p = p.Mul(r).Add(p4)
		p = p.Mul(r).Add(p5)
		y := p.Mul(z).Add(r).Add(one)
		y = y.Mul(k.ConvertToInt32().Add(bias).ShiftAllLeft(23).ToBits().BitsToFloat32())
		// Lanes below expMin become 0; NaN lanes compare false and stay NaN.
		small := v.Less(lowest).ToInt32x4().ToBits()
		e := y.ToBits().AndNot(small).BitsToFloat32()
		store(q, e)
		vs = vs.Add(e)
		q = unsafe.Add(q, 16)
	}
	sum := hsum(vs)
	for ; i < n; i++ {
		e := expNonPositive(x[i] - hi)
		x[i] = e
		sum += e
	}
	return sum
}

func softmaxSIMD(x []float32) {
	n := len(x)
	if n == 0 {
		return
	}
	hi := x[0]
	i := 0
	if n >= 4 {
		p := ptr(x)
		vh := load(p)
		for i = 4; i+4 <= n; i += 4 {
			vh = vh.Max(load(unsafe.Add(p, 4*i)))
		}
		hi = maxOf([]float32{vh.GetElem(0), vh.GetElem(1), vh.GetElem(2), vh.GetElem(3)})
	}
	for ; i < n; i++ {
		if x[i] > hi {
			hi = x[i]
		}
	}
	scaleSIMD(1/expShiftedSIMD(x, hi), x)
}
