package kernels

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Each benchmark runs every implementation the build has (portable; and simd inside wasm)
// at a small and a large width, so the SIMD/portable ratio shows in one run.
var benchWidths = []int{64, 1024}

func benchImpls(b *testing.B, run func(b *testing.B, k impl, n int)) {
	for _, n := range benchWidths {
		for _, k := range implementations() {
			b.Run("d="+strconv.Itoa(n)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				run(b, k, n)
			})
		}
	}
}

func BenchmarkDot(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x, y := randVec(r, n), randVec(r, n)
		var s float32
		for b.Loop() {
			s += k.dot(x, y)
		}
		_ = s
	})
}

func BenchmarkAxpy(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x, y := randVec(r, n), randVec(r, n)
		for b.Loop() {
			k.axpy(1e-3, x, y)
		}
	})
}

func BenchmarkScale(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x := randVec(r, n)
		for b.Loop() {
			k.scale(1, x)
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x, y, z := randVec(r, n), randVec(r, n), make([]float32, n)
		for b.Loop() {
			k.add(z, x, y)
		}
	})
}

func BenchmarkMul(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x, y, z := randVec(r, n), randVec(r, n), make([]float32, n)
		for b.Loop() {
			k.mul(z, x, y)
		}
	})
}

func BenchmarkReLU(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x := randVec(r, n)
		for b.Loop() {
			k.relu(x)
		}
	})
}

func BenchmarkSoftmax(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	benchImpls(b, func(b *testing.B, k impl, n int) {
		x := randVec(r, n)
		y := make([]float32, n)
		for b.Loop() {
			copy(y, x)
			k.softmax(y)
		}
	})
}

// BenchmarkMatVec multiplies a d×d matrix by a vector, the shape of the model's projections.
func BenchmarkMatVec(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, d := range []int{64, 256} {
		for _, k := range implementations() {
			b.Run("d="+strconv.Itoa(d)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				m, x, dst := randVec(r, d*d), randVec(r, d), make([]float32, d)
				for b.Loop() {
					k.matVec(dst, m, x)
				}
			})
		}
	}
}

// BenchmarkMatVecs multiplies a 64×64 matrix by 8 vectors, a chunk of candidates: compare its
// time with 8 × BenchmarkMatVec's d=64.
func BenchmarkMatVecs(b *testing.B) {
	r := rand.New(rand.NewPCG(10, 10))
	const d, n = 64, 8
	for _, k := range implementations() {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			m, x, dst := randVec(r, d*d), randVec(r, n*d), make([]float32, n*d)
			for b.Loop() {
				k.matVecs(dst, m, x, n)
			}
		})
	}
}

func BenchmarkMatTVec(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, d := range []int{64, 256} {
		for _, k := range implementations() {
			b.Run("d="+strconv.Itoa(d)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				m, x, dst := randVec(r, d*d), randVec(r, d), make([]float32, d)
				for b.Loop() {
					k.matTVec(dst, m, x)
				}
			})
		}
	}
}

// BenchmarkMatMul forms the attention-weighted means of the ESU: 4 heads' weights over n events
// of width 64.
func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(10, 10))
	for _, n := range []int{64, 256} {
		for _, k := range implementations() {
			b.Run("n="+strconv.Itoa(n)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				p, s, dst := randVec(r, 4*n), randVec(r, n*64), make([]float32, 4*64)
				for b.Loop() {
					k.matMul(dst, p, s, 4, 64, n)
				}
			})
		}
	}
}

// BenchmarkMatMulT forms the ESU's attention logits: 4 heads' queries against n events of width 64.
func BenchmarkMatMulT(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, n := range []int{64, 256} {
		for _, k := range implementations() {
			b.Run("n="+strconv.Itoa(n)+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				q, s, dst := randVec(r, 4*64), randVec(r, n*64), make([]float32, 4*n)
				for b.Loop() {
					k.matMulT(dst, q, s, 4, n, 64)
				}
			})
		}
	}
}

// BenchmarkAddRows adds 20 random rows of a 4096×64 table, a text's token embeddings.
func BenchmarkAddRows(b *testing.B) {
	r := rand.New(rand.NewPCG(12, 12))
	for _, k := range implementations() {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			m, dst := randVec(r, 4096*64), make([]float32, 64)
			rows := make([]int32, 20)
			for i := range rows {
				rows[i] = int32(r.IntN(4096))
			}
			for b.Loop() {
				k.addRows(dst, m, rows)
			}
		})
	}
}
