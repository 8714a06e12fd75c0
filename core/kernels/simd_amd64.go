//go:build goexperiment.simd && amd64

package kernels

import (
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether the exported kernels run SIMD code: on amd64, the AVX2 kernels below,
// chosen once at start-up when the CPU has AVX2 and FMA. Without them every kernel is the
// portable one.
var SIMD = archsimd.X86.AVX2() && archsimd.X86.FMA()

// Each exported kernel tests SIMD, a variable that never changes, so the branch is predicted
// and costs next to nothing against the call. After an AVX2 kernel it clears the upper halves
// of the vector registers (VZEROUPPER): Go's scalar float code is SSE, and with dirty upper
// halves every SSE instruction depends on them, which made training's scalar loops (math.Exp,
// Adam) run 2–4× slower in the AVX2 build than in the portable one. ReLU stays portable: it is
// a small share of the ranker and of training, and VMAXPS would not keep NaN and −0 as the
// portable loop does.

func dot(a, b []float32) float32 {
	if SIMD {
		d := dotAVX2(a, b)
		archsimd.ClearAVXUpperBits()
		return d
	}
	return dotPortable(a, b)
}

func axpy(alpha float32, x, y []float32) {
	if SIMD {
		axpyAVX2(alpha, x, y)
		archsimd.ClearAVXUpperBits()
		return
	}
	axpyPortable(alpha, x, y)
}

func matVec(dst, m, x []float32) {
	if SIMD {
		matVecAVX2(dst, m, x)
		archsimd.ClearAVXUpperBits()
		return
	}
	matVecPortable(dst, m, x)
}

func matVecs(dst, m, x []float32, n int) {
	if SIMD {
		matVecsAVX2(dst, m, x, n)
		archsimd.ClearAVXUpperBits()
		return
	}
	matVecsPortable(dst, m, x, n)
}

func matTVec(dst, m, x []float32) {
	if SIMD {
		matTVecAVX2(dst, m, x)
		archsimd.ClearAVXUpperBits()
		return
	}
	matTVecPortable(dst, m, x)
}

func matMul(dst, a, b []float32, m, n, k int) {
	if SIMD {
		matMulAVX2(dst, a, b, m, n, k)
		archsimd.ClearAVXUpperBits()
		return
	}
	matMulPortable(dst, a, b, m, n, k)
}

func matMulT(dst, a, b []float32, m, n, k int) {
	if SIMD {
		matMulTAVX2(dst, a, b, m, n, k)
		archsimd.ClearAVXUpperBits()
		return
	}
	matMulTPortable(dst, a, b, m, n, k)
}

func addRows(dst, m []float32, rows []int32) {
	if SIMD {
		addRowsAVX2(dst, m, rows)
		archsimd.ClearAVXUpperBits()
		return
	}
	addRowsPortable(dst, m, rows)
}

func scale(alpha float32, x []float32) {
	if SIMD {
		scaleAVX2(alpha, x)
		archsimd.ClearAVXUpperBits()
		return
	}
	scalePortable(alpha, x)
}

func add(dst, a, b []float32) {
	if SIMD {
		addAVX2(dst, a, b)
		archsimd.ClearAVXUpperBits()
		return
	}
	addPortable(dst, a, b)
}

func mul(dst, a, b []float32) {
	if SIMD {
		mulAVX2(dst, a, b)
		archsimd.ClearAVXUpperBits()
		return
	}
	mulPortable(dst, a, b)
}

func softmax(x []float32) {
	if SIMD {
		softmaxAVX2(x)
		archsimd.ClearAVXUpperBits()
		return
	}
	softmaxPortable(x)
}

func relu(x []float32) { reluPortable(x) }

func expShifted(x []float32, hi float32) float32 {
	if SIMD {
		sum := expShiftedAVX2(x, hi)
		archsimd.ClearAVXUpperBits()
		return sum
	}
	return expShiftedPortable(x, hi)
}

func adam(x, g, m, v []float32, s AdamStep) {
	if SIMD {
		adamAVX2(x, g, m, v, s)
		archsimd.ClearAVXUpperBits()
		return
	}
	adamPortable(x, g, m, v, s)
}

// The AVX2 kernels read and write through unsafe pointers after re-slicing their inputs to
// the exact lengths they touch (so a short operand panics before any pointer walk), as the
// SIMD128 ones do: an indexed load per vector would cost a bounds check each.
//
// Rounding: the dot-product family (dotAVX2, matVecAVX2, matVecsAVX2, matMulTAVX2) uses fused
// multiply-adds and its own summation order, so it agrees with the portable kernels within
// Higham's bound γ_n·Σ|a_i·b_i| (tested), not bit for bit. Everything documented as "the same
// float32 operations as a sequence of Axpy calls" (axpy, MatTVec, MatMul, AddRows) and the
// element-wise kernels multiply and add separately, element by element in the same order, so
// they are bit-identical to the portable code.

func load8(p unsafe.Pointer) archsimd.Float32x8 {
	return archsimd.LoadFloat32x8Array((*[8]float32)(p))
}

func store8(p unsafe.Pointer, v archsimd.Float32x8) { v.StoreArray((*[8]float32)(p)) }

func ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// hsum8 adds the eight lanes as the two halves first, then ((v0+v1)+(v2+v3)).
func hsum8(v archsimd.Float32x8) float32 {
	h := v.GetLo().Add(v.GetHi())
	return (h.GetElem(0) + h.GetElem(1)) + (h.GetElem(2) + h.GetElem(3))
}

// dotAVX2 keeps four accumulators (32 partial sums): an FMA has a latency of four cycles and
// two issue per cycle, so fewer chains would leave the units idle.
func dotAVX2(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	pa, pb := ptr(a), ptr(b)
	var s0, s1, s2, s3 archsimd.Float32x8
	i := 0
	for ; i+32 <= n; i += 32 {
		s0 = load8(pa).MulAdd(load8(pb), s0)
		s1 = load8(unsafe.Add(pa, 32)).MulAdd(load8(unsafe.Add(pb, 32)), s1)
		s2 = load8(unsafe.Add(pa, 64)).MulAdd(load8(unsafe.Add(pb, 64)), s2)
		s3 = load8(unsafe.Add(pa, 96)).MulAdd(load8(unsafe.Add(pb, 96)), s3)
		pa, pb = unsafe.Add(pa, 128), unsafe.Add(pb, 128)
	}
	for ; i+8 <= n; i += 8 {
		s0 = load8(pa).MulAdd(load8(pb), s0)
		pa, pb = unsafe.Add(pa, 32), unsafe.Add(pb, 32)
	}
	s := hsum8(s0.Add(s1).Add(s2.Add(s3)))
	for ; i < n; i++ {
		s += float32(a[i] * b[i])
	}
	return s
}

func axpyAVX2(alpha float32, x, y []float32) {
	n := len(x)
	y = y[:n]
	px, py := ptr(x), ptr(y)
	va := archsimd.BroadcastFloat32x8(alpha)
	i := 0
	for ; i+32 <= n; i += 32 {
		store8(py, load8(py).Add(va.Mul(load8(px))))
		store8(unsafe.Add(py, 32), load8(unsafe.Add(py, 32)).Add(va.Mul(load8(unsafe.Add(px, 32)))))
		store8(unsafe.Add(py, 64), load8(unsafe.Add(py, 64)).Add(va.Mul(load8(unsafe.Add(px, 64)))))
		store8(unsafe.Add(py, 96), load8(unsafe.Add(py, 96)).Add(va.Mul(load8(unsafe.Add(px, 96)))))
		px, py = unsafe.Add(px, 128), unsafe.Add(py, 128)
	}
	for ; i+8 <= n; i += 8 {
		store8(py, load8(py).Add(va.Mul(load8(px))))
		px, py = unsafe.Add(px, 32), unsafe.Add(py, 32)
	}
	for ; i < n; i++ {
		y[i] += float32(alpha * x[i])
	}
}

// matVecAVX2 takes four rows at a time, so each load of x serves four products, and sixteen
// columns per step with two accumulators per row: eight independent FMA chains.
func matVecAVX2(dst, m, x []float32) {
	rows, cols := len(dst), len(x)
	m = m[:rows*cols]
	stride := uintptr(cols) * 4
	r := 0
	for ; r+4 <= rows; r += 4 {
		p0 := unsafe.Add(ptr(m), uintptr(r)*stride)
		d0, d1, d2, d3 := rows4(p0, stride, ptr(x), cols)
		for c := cols &^ 7; c < cols; c++ {
			xc := x[c]
			d0 += float32(m[r*cols+c] * xc)
			d1 += float32(m[(r+1)*cols+c] * xc)
			d2 += float32(m[(r+2)*cols+c] * xc)
			d3 += float32(m[(r+3)*cols+c] * xc)
		}
		dst[r], dst[r+1], dst[r+2], dst[r+3] = d0, d1, d2, d3
	}
	for ; r < rows; r++ {
		dst[r] = dotAVX2(m[r*cols:r*cols+cols], x)
	}
}

// rows4 returns the dot products of the four rows at p0 (stride bytes apart) with the vector
// at q over the first cols&^7 columns; the caller adds the rest.
func rows4(p0 unsafe.Pointer, stride uintptr, q unsafe.Pointer, cols int) (d0, d1, d2, d3 float32) {
	p1 := unsafe.Add(p0, stride)
	p2 := unsafe.Add(p1, stride)
	p3 := unsafe.Add(p2, stride)
	var s0, s1, s2, s3, t0, t1, t2, t3 archsimd.Float32x8
	c := 0
	for ; c+16 <= cols; c += 16 {
		v, w := load8(q), load8(unsafe.Add(q, 32))
		s0 = load8(p0).MulAdd(v, s0)
		s1 = load8(p1).MulAdd(v, s1)
		s2 = load8(p2).MulAdd(v, s2)
		s3 = load8(p3).MulAdd(v, s3)
		t0 = load8(unsafe.Add(p0, 32)).MulAdd(w, t0)
		t1 = load8(unsafe.Add(p1, 32)).MulAdd(w, t1)
		t2 = load8(unsafe.Add(p2, 32)).MulAdd(w, t2)
		t3 = load8(unsafe.Add(p3, 32)).MulAdd(w, t3)
		p0, p1, p2, p3 = unsafe.Add(p0, 64), unsafe.Add(p1, 64), unsafe.Add(p2, 64), unsafe.Add(p3, 64)
		q = unsafe.Add(q, 64)
	}
	if c+8 <= cols {
		v := load8(q)
		s0 = load8(p0).MulAdd(v, s0)
		s1 = load8(p1).MulAdd(v, s1)
		s2 = load8(p2).MulAdd(v, s2)
		s3 = load8(p3).MulAdd(v, s3)
	}
	return hsum8(s0.Add(t0)), hsum8(s1.Add(t1)), hsum8(s2.Add(t2)), hsum8(s3.Add(t3))
}

// matVecsAVX2 is one matVecAVX2 per vector, so each product is bit-identical to MatVec's. It
// does not share row loads between vectors as the SIMD128 kernel does (loads are dear in wasm,
// cheaper natively); that is the simpler kernel, not a measured optimum: it runs ~3× the
// portable MatVecs where MatVec gains ~5×.
func matVecsAVX2(dst, m, x []float32, n int) {
	if n <= 0 {
		return
	}
	rows, cols := len(dst)/n, len(x)/n
	for i := range n {
		matVecAVX2(dst[i*rows:(i+1)*rows], m, x[i*cols:(i+1)*cols])
	}
}

// matTVecAVX2 adds four scaled rows per pass over dst, one after the other in row order, so
// each element sees the same float32 operations as a sequence of Axpy calls.
func matTVecAVX2(dst, m, x []float32) {
	rows, cols := len(x), len(dst)
	m = m[:rows*cols]
	clear(dst)
	stride := uintptr(cols) * 4
	r := 0
	for ; r+4 <= rows; r += 4 {
		x0, x1, x2, x3 := x[r], x[r+1], x[r+2], x[r+3]
		v0, v1 := archsimd.BroadcastFloat32x8(x0), archsimd.BroadcastFloat32x8(x1)
		v2, v3 := archsimd.BroadcastFloat32x8(x2), archsimd.BroadcastFloat32x8(x3)
		p0 := unsafe.Add(ptr(m), uintptr(r)*stride)
		p1 := unsafe.Add(p0, stride)
		p2 := unsafe.Add(p1, stride)
		p3 := unsafe.Add(p2, stride)
		q := ptr(dst)
		c := 0
		for ; c+16 <= cols; c += 16 {
			q1 := unsafe.Add(q, 32)
			acc := load8(q).Add(v0.Mul(load8(p0))).Add(v1.Mul(load8(p1))).Add(v2.Mul(load8(p2))).Add(v3.Mul(load8(p3)))
			bcc := load8(q1).Add(v0.Mul(load8(unsafe.Add(p0, 32)))).Add(v1.Mul(load8(unsafe.Add(p1, 32)))).
				Add(v2.Mul(load8(unsafe.Add(p2, 32)))).Add(v3.Mul(load8(unsafe.Add(p3, 32))))
			store8(q, acc)
			store8(q1, bcc)
			p0, p1, p2, p3 = unsafe.Add(p0, 64), unsafe.Add(p1, 64), unsafe.Add(p2, 64), unsafe.Add(p3, 64)
			q = unsafe.Add(q, 64)
		}
		if c+8 <= cols {
			store8(q, load8(q).Add(v0.Mul(load8(p0))).Add(v1.Mul(load8(p1))).Add(v2.Mul(load8(p2))).Add(v3.Mul(load8(p3))))
			c += 8
		}
		for ; c < cols; c++ {
			d := dst[c] + float32(x0*m[r*cols+c])
			d += float32(x1 * m[(r+1)*cols+c])
			d += float32(x2 * m[(r+2)*cols+c])
			dst[c] = d + float32(x3*m[(r+3)*cols+c])
		}
	}
	for ; r < rows; r++ {
		axpyAVX2(x[r], m[r*cols:r*cols+cols], dst)
	}
}

// matMulAVX2 keeps a 4×16 block of dst in eight accumulators while it walks the k rows of B,
// so each row segment of B loaded serves four rows of A (a larger block would not fit the
// sixteen vector registers). Every element adds its k products in row order, starting from
// zero, as matTVecAVX2 and a sequence of Axpy calls do.
func matMulAVX2(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:k*n]
	bstride, astride := uintptr(n)*4, uintptr(k)*4
	bc := archsimd.BroadcastFloat32x8
	i := 0
	for ; i+4 <= m; i += 4 {
		pa := unsafe.Add(ptr(a), uintptr(i)*astride)
		pd := unsafe.Add(ptr(dst), uintptr(i)*bstride)
		c := 0
		for ; c+16 <= n; c += 16 {
			var s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x8
			pb, q := unsafe.Add(ptr(b), uintptr(c)*4), pa
			for range k {
				b0, b1 := load8(pb), load8(unsafe.Add(pb, 32))
				v := bc(*(*float32)(q))
				s00, s01 = s00.Add(v.Mul(b0)), s01.Add(v.Mul(b1))
				v = bc(*(*float32)(unsafe.Add(q, astride)))
				s10, s11 = s10.Add(v.Mul(b0)), s11.Add(v.Mul(b1))
				v = bc(*(*float32)(unsafe.Add(q, 2*astride)))
				s20, s21 = s20.Add(v.Mul(b0)), s21.Add(v.Mul(b1))
				v = bc(*(*float32)(unsafe.Add(q, 3*astride)))
				s30, s31 = s30.Add(v.Mul(b0)), s31.Add(v.Mul(b1))
				pb, q = unsafe.Add(pb, bstride), unsafe.Add(q, 4)
			}
			o := unsafe.Add(pd, uintptr(c)*4)
			store8(o, s00)
			store8(unsafe.Add(o, 32), s01)
			o = unsafe.Add(o, bstride)
			store8(o, s10)
			store8(unsafe.Add(o, 32), s11)
			o = unsafe.Add(o, bstride)
			store8(o, s20)
			store8(unsafe.Add(o, 32), s21)
			o = unsafe.Add(o, bstride)
			store8(o, s30)
			store8(unsafe.Add(o, 32), s31)
		}
		if c+8 <= n {
			var s0, s1, s2, s3 archsimd.Float32x8
			pb, q := unsafe.Add(ptr(b), uintptr(c)*4), pa
			for range k {
				v := load8(pb)
				s0 = s0.Add(bc(*(*float32)(q)).Mul(v))
				s1 = s1.Add(bc(*(*float32)(unsafe.Add(q, astride))).Mul(v))
				s2 = s2.Add(bc(*(*float32)(unsafe.Add(q, 2*astride))).Mul(v))
				s3 = s3.Add(bc(*(*float32)(unsafe.Add(q, 3*astride))).Mul(v))
				pb, q = unsafe.Add(pb, bstride), unsafe.Add(q, 4)
			}
			o := unsafe.Add(pd, uintptr(c)*4)
			store8(o, s0)
			store8(unsafe.Add(o, bstride), s1)
			store8(unsafe.Add(o, 2*bstride), s2)
			store8(unsafe.Add(o, 3*bstride), s3)
			c += 8
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
		matTVecAVX2(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

// matMulTAVX2 computes a 4×2 block of dst at a time in eight FMA chains: each vector loaded
// from a row of A serves two rows of B and each one from B four rows of A.
func matMulTAVX2(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:n*k]
	stride := uintptr(k) * 4
	i := 0
	for ; i+4 <= m; i += 4 {
		pa := unsafe.Add(ptr(a), uintptr(i)*stride)
		j := 0
		for ; j+2 <= n; j += 2 {
			p0 := unsafe.Add(ptr(b), uintptr(j)*stride)
			p1 := unsafe.Add(p0, stride)
			q := pa
			var s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x8
			c := 0
			for ; c+8 <= k; c += 8 {
				b0, b1 := load8(p0), load8(p1)
				v := load8(q)
				s00, s01 = v.MulAdd(b0, s00), v.MulAdd(b1, s01)
				v = load8(unsafe.Add(q, stride))
				s10, s11 = v.MulAdd(b0, s10), v.MulAdd(b1, s11)
				v = load8(unsafe.Add(q, 2*stride))
				s20, s21 = v.MulAdd(b0, s20), v.MulAdd(b1, s21)
				v = load8(unsafe.Add(q, 3*stride))
				s30, s31 = v.MulAdd(b0, s30), v.MulAdd(b1, s31)
				p0, p1 = unsafe.Add(p0, 32), unsafe.Add(p1, 32)
				q = unsafe.Add(q, 32)
			}
			o := dst[i*n+j : (i+3)*n+j+2]
			o[0], o[1] = hsum8(s00), hsum8(s01)
			o[n], o[n+1] = hsum8(s10), hsum8(s11)
			o[2*n], o[2*n+1] = hsum8(s20), hsum8(s21)
			o[3*n], o[3*n+1] = hsum8(s30), hsum8(s31)
			for ; c < k; c++ {
				for r := range 4 {
					x := a[(i+r)*k+c]
					o[r*n] += float32(x * b[j*k+c])
					o[r*n+1] += float32(x * b[(j+1)*k+c])
				}
			}
		}
		if j < n {
			bj := b[j*k : (j+1)*k]
			for r := i; r < i+4; r++ {
				dst[r*n+j] = dotAVX2(a[r*k:(r+1)*k], bj)
			}
		}
	}
	for ; i < m; i++ {
		matVecAVX2(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

// addRowsAVX2 keeps 32 columns of dst in four accumulators while it walks the rows. Every row
// index is checked first, since the walk reads through pointers.
func addRowsAVX2(dst, m []float32, rows []int32) {
	cols := len(dst)
	for _, r := range rows {
		_ = m[int(r)*cols : int(r)*cols+cols]
	}
	stride := uintptr(cols) * 4
	base := ptr(m)
	c := 0
	for ; c+32 <= cols; c += 32 {
		o := unsafe.Add(ptr(dst), uintptr(c)*4)
		s0, s1, s2, s3 := load8(o), load8(unsafe.Add(o, 32)), load8(unsafe.Add(o, 64)), load8(unsafe.Add(o, 96))
		col := unsafe.Add(base, uintptr(c)*4)
		for _, r := range rows {
			p := unsafe.Add(col, uintptr(r)*stride)
			s0, s1 = s0.Add(load8(p)), s1.Add(load8(unsafe.Add(p, 32)))
			s2, s3 = s2.Add(load8(unsafe.Add(p, 64))), s3.Add(load8(unsafe.Add(p, 96)))
		}
		store8(o, s0)
		store8(unsafe.Add(o, 32), s1)
		store8(unsafe.Add(o, 64), s2)
		store8(unsafe.Add(o, 96), s3)
	}
	for ; c+8 <= cols; c += 8 {
		o := unsafe.Add(ptr(dst), uintptr(c)*4)
		s := load8(o)
		col := unsafe.Add(base, uintptr(c)*4)
		for _, r := range rows {
			s = s.Add(load8(unsafe.Add(col, uintptr(r)*stride)))
		}
		store8(o, s)
	}
	for ; c < cols; c++ {
		s := dst[c]
		for _, r := range rows {
			s += m[int(r)*cols+c]
		}
		dst[c] = s
	}
}

func scaleAVX2(alpha float32, x []float32) {
	n := len(x)
	p := ptr(x)
	va := archsimd.BroadcastFloat32x8(alpha)
	i := 0
	for ; i+16 <= n; i += 16 {
		store8(p, load8(p).Mul(va))
		store8(unsafe.Add(p, 32), load8(unsafe.Add(p, 32)).Mul(va))
		p = unsafe.Add(p, 64)
	}
	if i+8 <= n {
		store8(p, load8(p).Mul(va))
		i += 8
	}
	for ; i < n; i++ {
		x[i] *= alpha
	}
}

func addAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	pd, pa, pb := ptr(dst), ptr(a), ptr(b)
	i := 0
	for ; i+8 <= n; i += 8 {
		store8(pd, load8(pa).Add(load8(pb)))
		pd, pa, pb = unsafe.Add(pd, 32), unsafe.Add(pa, 32), unsafe.Add(pb, 32)
	}
	for ; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

func mulAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	pd, pa, pb := ptr(dst), ptr(a), ptr(b)
	i := 0
	for ; i+8 <= n; i += 8 {
		store8(pd, load8(pa).Mul(load8(pb)))
		pd, pa, pb = unsafe.Add(pd, 32), unsafe.Add(pa, 32), unsafe.Add(pb, 32)
	}
	for ; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}

// expShiftedAVX2 replaces x[i] by expNonPositive(x[i] − hi) and returns the sum of the
// results. Eight lanes at a time it performs expNonPositive's float32 operations in the same
// order (no fused multiply-add), so each element is bit-identical to the scalar one; only the
// sum's order differs.
func expShiftedAVX2(x []float32, hi float32) float32 {
	bc := archsimd.BroadcastFloat32x8
	vh, log2e, half := bc(hi), bc(expLog2e), bc(0.5)
	ln2Hi, ln2Lo, lowest, one := bc(expLn2Hi), bc(expLn2Lo), bc(expMin), bc(1)
	p0, p1, p2, p3, p4, p5 := bc(expP0), bc(expP1), bc(expP2), bc(expP3), bc(expP4), bc(expP5)
	bias := archsimd.BroadcastInt32x8(127)
	var zero, vs archsimd.Float32x8
	n := len(x)
	q := ptr(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		v := load8(q).Sub(vh)
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
		e := zero.IfElse(v.Less(lowest), y)
		store8(q, e)
		vs = vs.Add(e)
		q = unsafe.Add(q, 32)
	}
	sum := hsum8(vs)
	for ; i < n; i++ {
		e := expNonPositive(x[i] - hi)
		x[i] = e
		sum += e
	}
	return sum
}

// softmaxAVX2 takes the maximum eight lanes at a time (VMAXPS may pick either operand of a
// NaN, but a NaN anywhere makes every output NaN through the sum whatever the maximum).
func softmaxAVX2(x []float32) {
	n := len(x)
	if n == 0 {
		return
	}
	hi := x[0]
	i := 0
	if n >= 8 {
		p := ptr(x)
		vh := load8(p)
		for i = 8; i+8 <= n; i += 8 {
			vh = vh.Max(load8(unsafe.Add(p, 4*i)))
		}
		var lanes [8]float32
		vh.StoreArray(&lanes)
		hi = maxOf(lanes[:])
	}
	for ; i < n; i++ {
		if x[i] > hi {
			hi = x[i]
		}
	}
	scaleAVX2(1/expShiftedAVX2(x, hi), x)
}

// adamAVX2 is adamPortable eight elements at a time, with the same separately rounded float32
// operations (VSQRTPS and VDIVPS round correctly, as float32(math.Sqrt) and / do), so it is
// bit-identical to it.
func adamAVX2(x, g, m, v []float32, s AdamStep) {
	n := len(x)
	g, m, v = g[:n], m[:n], v[:n]
	bc := archsimd.BroadcastFloat32x8
	b1, b2, c1, c2 := bc(s.Beta1), bc(s.Beta2), bc(1-s.Beta1), bc(1-s.Beta2)
	eps, lr, wd, sc, inv1, inv2 := bc(s.Eps), bc(s.LR), bc(s.WeightDecay), bc(s.Scale), bc(s.Inv1), bc(s.Inv2)
	px, pg, pm, pv := ptr(x), ptr(g), ptr(m), ptr(v)
	i := 0
	for ; i+8 <= n; i += 8 {
		off := uintptr(4 * i)
		xi := load8(unsafe.Add(px, off))
		gi := load8(unsafe.Add(pg, off)).Mul(sc)
		mi := b1.Mul(load8(unsafe.Add(pm, off))).Add(c1.Mul(gi))
		vi := b2.Mul(load8(unsafe.Add(pv, off))).Add(c2.Mul(gi).Mul(gi))
		store8(unsafe.Add(pm, off), mi)
		store8(unsafe.Add(pv, off), vi)
		den := vi.Mul(inv2).Sqrt().Add(eps)
		step := mi.Mul(inv1).Div(den).Add(wd.Mul(xi))
		store8(unsafe.Add(px, off), xi.Sub(lr.Mul(step)))
	}
	adamPortable(x[i:], g[i:], m[i:], v[i:], s)
}
