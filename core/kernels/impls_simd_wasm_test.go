//go:build goexperiment.simd && wasm

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// implementations lists the kernel sets this build can run: portable and SIMD128.
func implementations() []impl {
	return []impl{portableImpl, {
		name:    "simd",
		dot:     dotSIMD,
		axpy:    axpySIMD,
		matVec:  matVecSIMD,
		matVecs: matVecsSIMD,
		matTVec: matTVecSIMD,
		matMul:  matMulSIMD,
		matMulT: matMulTSIMD,
		addRows: addRowsSIMD,
		scale:   scaleSIMD,
		add:     addSIMD,
		mul:     mulSIMD,
		relu:    reluSIMD,
		softmax: softmaxSIMD,
	}}
}

func TestExpShiftedSIMDMatchesScalarBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	xs := []float32{0, float32(math.Copysign(0, -1)), -1e-30, -0.5, -1, expMin, expMin - 1e-4,
		-88, -100, float32(math.Inf(-1))}
	for range 4001 {
		xs = append(xs, -90*r.Float32())
	}
	for _, hi := range []float32{0, 3.5} {
		got := make([]float32, len(xs))
		want := make([]float32, len(xs))
		var sum float64
		for i, v := range xs {
			got[i] = v + hi
			want[i] = expNonPositive(got[i] - hi)
			sum += float64(want[i])
		}
		gotSum := expShiftedSIMD(got, hi)
		requireSameFloats(t, want, got, "exp lanes")
		require.InDelta(t, sum, float64(gotSum), float64(len(xs))*unitRoundoff*sum)
	}

	withNaN := []float32{-1, float32(math.NaN()), -2, -3, -4}
	require.True(t, math.IsNaN(float64(expShiftedSIMD(withNaN, 0))))
	require.True(t, math.IsNaN(float64(withNaN[1])))
}
