package kernels

import "math"

func dotPortable(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float32(a[i] * b[i])
		s1 += float32(a[i+1] * b[i+1])
		s2 += float32(a[i+2] * b[i+2])
		s3 += float32(a[i+3] * b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float32(a[i] * b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyPortable(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float32(alpha * v)
	}
}

func matVecPortable(dst, m, x []float32) {
	cols := len(x)
	for r := range dst {
		dst[r] = dotPortable(m[r*cols:r*cols+cols], x)
	}
}

func matVecsPortable(dst, m, x []float32, n int) {
	if n <= 0 {
		return
	}
	rows, cols := len(dst)/n, len(x)/n
	for i := range n {
		matVecPortable(dst[i*rows:(i+1)*rows], m, x[i*cols:(i+1)*cols])
	}
}

func matTVecPortable(dst, m, x []float32) {
	cols := len(dst)
	clear(dst)
	for r, xr := range x {
		axpyPortable(xr, m[r*cols:r*cols+cols], dst)
	}
}

func matMulPortable(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:k*n]
	for i := range m {
		matTVecPortable(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

func matMulTPortable(dst, a, b []float32, m, n, k int) {
	dst, a, b = dst[:m*n], a[:m*k], b[:n*k]
	for i := range m {
		matVecPortable(dst[i*n:(i+1)*n], b, a[i*k:(i+1)*k])
	}
}

func addRowsPortable(dst, m []float32, rows []int32) {
	cols := len(dst)
	for _, r := range rows {
		addPortable(dst, dst, m[int(r)*cols:int(r)*cols+cols])
	}
}

func scalePortable(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

func addPortable(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func mulPortable(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func reluPortable(x []float32) {
	for i, v := range x {
		// Not max(v, 0), which Go's wasm port turns into a runtime call; the compare gives
		// the same results: NaN stays NaN and −0 becomes +0.
		if !(v > 0) && v == v {
			x[i] = 0
		}
	}
}

func softmaxPortable(x []float32) {
	if len(x) == 0 {
		return
	}
	scalePortable(1/expShiftedPortable(x, maxOf(x)), x)
}

func expShiftedPortable(x []float32, hi float32) float32 {
	var sum float32
	for i, v := range x {
		e := expNonPositive(v - hi)
		x[i] = e
		sum += e
	}
	return sum
}

// adamPortable rounds every operation to float32 on its own (explicit conversions), so that no
// compiler fuses a multiply–add and the AVX2 version can match it bit for bit.
func adamPortable(x, g, m, v []float32, s AdamStep) {
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	c1, c2 := 1-s.Beta1, 1-s.Beta2
	for i, xi := range x {
		gi := g[i] * s.Scale
		mi := float32(s.Beta1*m[i]) + float32(c1*gi)
		vi := float32(s.Beta2*v[i]) + float32(float32(c2*gi)*gi)
		m[i], v[i] = mi, vi
		den := float32(math.Sqrt(float64(vi*s.Inv2))) + s.Eps
		x[i] = xi - s.LR*(float32(float32(mi*s.Inv1)/den)+float32(s.WeightDecay*xi))
	}
}

// maxOf returns the largest element of a non-empty x, ignoring NaNs (a NaN makes the softmax
// NaN through its sum anyway). Compares rather than max: see reluPortable.
func maxOf(x []float32) float32 {
	hi := x[0]
	for _, v := range x[1:] {
		if v > hi {
			hi = v
		}
	}
	return hi
}
