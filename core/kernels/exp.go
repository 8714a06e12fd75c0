package kernels

import "math"

// Constants of the float32 exponential shared by the portable and SIMD softmax: range
// reduction x = n·ln2 + r with ln2 split in two (Cody–Waite) so n·ln2Hi is exact, then a
// degree-6 polynomial for e^r on |r| ≤ ln2/2 (Cephes expf coefficients, ≤ 2 ulp).
const (
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693359375
	expLn2Lo = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
	// expMin is the smallest argument whose result is a normal float32; below it the
	// exponential is flushed to 0.
	expMin = -87.3
)

// expNonPositive returns e^x for x ≤ 0, 0 below expMin. Every product is rounded to float32
// before the following addition, so the SIMD lanes compute bit-identical results.
func expNonPositive(x float32) float32 {
	if !(x >= expMin) {
		if x != x {
			return x
		}
		return 0
	}
	n := float32(math.Floor(float64(float32(x*expLog2e) + 0.5)))
	r := x - float32(n*expLn2Hi)
	r -= float32(n * expLn2Lo)
	z := float32(r * r)
	p := float32(expP0*r) + expP1
	p = float32(p*r) + expP2
	p = float32(p*r) + expP3
	p = float32(p*r) + expP4
	p = float32(p*r) + expP5
	y := float32(p*z) + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
