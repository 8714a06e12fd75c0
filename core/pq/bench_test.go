package pq

import (
	"context"
	"testing"
)

func BenchmarkTrainCodebook(b *testing.B) {
	const dim, m = 64, 16
	benchmarks := []struct {
		name string
		n    int
		bits int
	}{
		{name: "n=10000/bits=4", n: 10_000, bits: 4},
		{name: "n=10000/bits=8", n: 10_000, bits: 8},
		{name: "n=100000/bits=8", n: 100_000, bits: 8}, // mini-batch
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			data := gaussian(newRand(50), bm.n, dim)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := TrainCodebook(context.Background(), data, bm.n, dim, m, bm.bits, KMeansOptions{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, bits := range []int{4, 8} {
		b.Run("bits="+itoa(bits), func(b *testing.B) {
			rng := newRand(51)
			cb := randomCodebook(b, rng, 64, 16, bits)
			v := gaussian(rng, 1, 64)
			codes := make([]byte, 16)
			b.ReportAllocs()
			for b.Loop() {
				if err := cb.Encode(codes, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeEvent encodes one event of five d = 64 parts, M = 16: the whole cost of
// appending an event to a history, whatever its length.
func BenchmarkEncodeEvent(b *testing.B) {
	for _, bits := range []int{4, 8} {
		b.Run("parts=5/M=16/bits="+itoa(bits), func(b *testing.B) {
			rng := newRand(52)
			mc := randomMulti(b, rng, fiveParts, 64, 16, bits)
			parts := make([][]float32, 5)
			for p := range parts {
				parts[p] = gaussian(rng, 1, 64)
			}
			codes := make([]byte, mc.CodesPerEvent())
			b.ReportAllocs()
			for b.Loop() {
				if err := mc.EncodeEvent(codes, parts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	for _, bits := range []int{4, 8} {
		b.Run("parts=5/M=16/bits="+itoa(bits), func(b *testing.B) {
			rng := newRand(53)
			mc := randomMulti(b, rng, fiveParts, 64, 16, bits)
			codes := randomCodes(rng, mc.CodesPerEvent(), mc.K())
			weights := []float32{1, 0.5, 0.5, 0.25, 2}
			out := make([]float32, 64)
			b.ReportAllocs()
			for b.Loop() {
				if err := mc.DecodeEvent(out, codes, weights); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuildLUT(b *testing.B) {
	for _, bits := range []int{4, 8} {
		b.Run("parts=5/M=16/bits="+itoa(bits), func(b *testing.B) {
			rng := newRand(54)
			mc := randomMulti(b, rng, fiveParts, 64, 16, bits)
			q := gaussian(rng, 1, 64)
			weights := []float32{1, 0.5, 0.5, 0.25, 2}
			lut := make([]float32, mc.LUTSize())
			b.ReportAllocs()
			for b.Loop() {
				if err := mc.BuildLUT(lut, q, weights); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildLUTTwoStage builds the tables of the default two-stage codec for one target:
// coarse parts of 32 sub-spaces (2 dimensions) and 4 (16 dimensions) at 4 bits, weighted,
// and the fine codebook of 16 sub-spaces of 4 dimensions at 8 bits.
func BenchmarkBuildLUTTwoStage(b *testing.B) {
	rng := newRand(55)
	coarse, err := NewMultiCodebook([]string{"all", "query"}, []*Codebook{
		randomCodebook(b, rng, 64, 32, 4), randomCodebook(b, rng, 64, 4, 4),
	})
	if err != nil {
		b.Fatal(err)
	}
	fine := randomCodebook(b, rng, 64, 16, 8)
	q := gaussian(rng, 1, 64)
	weights := []float32{1, 0.5}
	lut, fineLUT := make([]float32, coarse.LUTSize()), make([]float32, fine.LUTSize())
	b.Run("coarse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := coarse.BuildLUT(lut, q, weights); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := fine.BuildLUT(fineLUT, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
