package retrieval

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
