package retrieval

import "github.com/seminar-ranker/seminar/core/fastscan"

// adc4 is event j's score under a float table of m rows × 16 (q·decode(code) up to rounding),
// its codes read from fastscan's blocked 4-bit layout.
func adc4(lut []float32, packed []byte, m, j int) float32 {
	const half = fastscan.BlockSize / 2
	block := packed[j/fastscan.BlockSize*half*m:][:half*m]
	lane := j % fastscan.BlockSize
	var s float32
	for p := 0; p < m/2; p++ {
		b := block[p*fastscan.BlockSize+lane]
		row := lut[32*p : 32*p+32]
		s += row[b&15] + row[16+(b>>4)]
	}
	return s
}

// adc8 is the score of an event's 8-bit codes under a float table of len(code) rows × 256.
func adc8(lut []float32, code []byte) float32 {
	var s float32
	for c, k := range code {
		s += lut[256*c+int(k)]
	}
	return s
}

// dotInt8Portable is q·(scale·v), summed as dotInt8SIMD sums: four running sums, sum l over
// the indices i ≡ l (mod 4), each product rounded to float32 before it is added (so that no
// compiler fuses a multiply-add), then (s0+s1)+(s2+s3), times scale. A tail of len(q) mod 4
// values goes to s0.
func dotInt8Portable(q []float32, v []int8, scale float32) float32 {
	v = v[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		s0 += float32(q[i] * float32(v[i]))
		s1 += float32(q[i+1] * float32(v[i+1]))
		s2 += float32(q[i+2] * float32(v[i+2]))
		s3 += float32(q[i+3] * float32(v[i+3]))
	}
	for ; i < len(q); i++ {
		s0 += float32(q[i] * float32(v[i]))
	}
	return ((s0 + s1) + (s2 + s3)) * scale
}
