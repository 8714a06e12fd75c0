package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		errMsg string
	}{
		{"default", func(*Config) {}, ""},
		{"no MLP hidden layers", func(c *Config) { c.MLPHidden = nil }, ""},
		{"dense slots", func(c *Config) { c.DenseDims = []int{512, 1} }, ""},
		{"no age buckets", func(c *Config) { c.AgeBuckets = 0 }, ""},
		{"negative age buckets", func(c *Config) { c.AgeBuckets = -1 }, "AgeBuckets must be in [0, 64], got -1"},
		{"too many age buckets", func(c *Config) { c.AgeBuckets = 65 }, "AgeBuckets must be in [0, 64], got 65"},
		{"zero dim", func(c *Config) { c.Dim = 0 }, "Dim must be in [1, 1024], got 0"},
		{"huge dim", func(c *Config) { c.Dim = 2048 }, "Dim must be in [1, 1024], got 2048"},
		{"zero heads", func(c *Config) { c.Heads = 0 }, "Heads must be in [1, 64], got 0"},
		{"heads do not divide dim", func(c *Config) { c.Heads = 5 }, "Dim 64 is not a multiple of Heads 5"},
		{"zero top k", func(c *Config) { c.TopK = 0 }, "TopK must be in [1, 65536], got 0"},
		{"negative id buckets", func(c *Config) { c.IDBuckets = -1 }, "IDBuckets must be in [1, 16777216], got -1"},
		{"huge token buckets", func(c *Config) { c.TokenBuckets = 1 << 25 }, "TokenBuckets must be in"},
		{"zero attr buckets", func(c *Config) { c.AttrBuckets = 0 }, "AttrBuckets must be in"},
		{"zero dense width", func(c *Config) { c.DenseDims = []int{4, 0} }, "DenseDims[1] must be in [1, 16384], got 0"},
		{"too many dense slots", func(c *Config) { c.DenseDims = make([]int, 17) }, "len(DenseDims) must be in [0, 16], got 17"},
		{"zero hidden width", func(c *Config) { c.MLPHidden = []int{8, 0} }, "MLPHidden[1] must be in [1, 4096], got 0"},
		{"too many layers", func(c *Config) { c.MLPHidden = []int{1, 1, 1, 1, 1, 1, 1, 1, 1} }, "len(MLPHidden) must be in [0, 8]"},
		{"too many parameters", func(c *Config) { c.Dim, c.IDBuckets = 1024, 1<<24 }, "parameters exceed the limit of 134217728"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.modify(&c)
			err := c.Validate()
			if tt.errMsg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errMsg)
			_, err = New(c)
			assert.Error(t, err, "New must refuse what Validate refuses")
		})
	}
}

func TestTensors(t *testing.T) {
	c := smallConfig()
	m, err := New(c)
	require.NoError(t, err)
	ts := m.Tensors()
	names := map[string]bool{}
	total := 0
	for _, tn := range ts {
		assert.False(t, names[tn.Name], "duplicate tensor %s", tn.Name)
		names[tn.Name] = true
		n := 1
		for _, s := range tn.Shape {
			n *= s
		}
		assert.Len(t, tn.Data, n, tn.Name)
		total += n
	}
	assert.Equal(t, c.NumParams(), total)
	assert.Len(t, m.Flat(), total)
	for _, name := range []string{"emb.id", "emb.token", "emb.attr", "dense.0.w", "dense.0.b", "dense.1.w",
		"dense.1.b", "query.none", "fusion.gate", "fusion.proj", "pair.alpha", "gsu.q", "gsu.k",
		"esu.q", "esu.k", "esu.v", "esu.o", "esu.age", "mlp.0.w", "mlp.0.b", "mlp.1.w", "mlp.1.b", "mlp.2.w", "mlp.2.b"} {
		assert.True(t, names[name], "missing tensor %s", name)
	}
	assert.Equal(t, 24, len(ts))

	// Tensors, Flat and Params share storage.
	ts[0].Data[3] = 42
	assert.Equal(t, float32(42), m.Params.IDEmb[3])
	assert.Equal(t, float32(42), m.Flat()[3])
	assert.Equal(t, "fusion.proj", ts[9].Name)
	assert.Equal(t, []int{5, 16, 16}, ts[9].Shape, "fusion.proj is NumModalities×d×d")
}

func TestInit(t *testing.T) {
	c := smallConfig()
	a, err := New(c)
	require.NoError(t, err)
	b, err := New(c)
	require.NoError(t, err)
	assert.Equal(t, a.Flat(), b.Flat(), "same seed, same model")

	c.Seed++
	other, err := New(c)
	require.NoError(t, err)
	assert.NotEqual(t, a.Flat(), other.Flat(), "another seed, another model")

	d := c.Dim
	for mod := range c.NumModalities() {
		for i := range d {
			for j := range d {
				want := float32(0)
				if i == j {
					want = 1
				}
				require.Equal(t, want, a.Params.Proj[mod*d*d+i*d+j], "G_%d starts as the identity", mod)
			}
		}
	}
	assert.Equal(t, float32(0.5), a.Alpha())
	assert.Equal(t, []float32{0, 0, 0, 0, 0}, a.Params.GateLogits)
	assert.InDelta(t, 0.1, std(a.Params.TokenEmb), 0.01, "embeddings ~ N(0, 0.1²)")
	assert.InDelta(t, 0.25, std(a.Params.GSUQ), 0.05, "Xavier scale for d×d maps")
}

func std(v []float32) float64 {
	var s, s2 float64
	for _, x := range v {
		s += float64(x)
		s2 += float64(x) * float64(x)
	}
	n := float64(len(v))
	return sqrt(s2/n - (s/n)*(s/n))
}

func TestAgeBucket(t *testing.T) {
	tests := []struct {
		age, buckets, want int
	}{
		{0, 16, 0}, {1, 16, 1}, {2, 16, 2}, {3, 16, 2}, {4, 16, 3}, {7, 16, 3}, {8, 16, 4},
		{1<<14 - 1, 16, 14}, {1 << 14, 16, 15}, {1 << 20, 16, 15},
		{0, 1, 0}, {5, 1, 0}, {1, 2, 1}, {100, 4, 3},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, AgeBucket(tt.age, tt.buckets), "age %d, %d buckets", tt.age, tt.buckets)
	}
}
