package abi_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
)

// fill sets every field of v, recursively, to a value that is not zero and valid for the ABI,
// so that a field the codec forgets cannot go unnoticed.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	case reflect.String:
		if v.Type() == reflect.TypeFor[abi.Part]() {
			v.SetString(string(abi.Parts[rng.IntN(len(abi.Parts))]))
			return
		}
		v.SetString([]string{"a", "red shoe", "é", "x y z"}[rng.IntN(4)])
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1 + rng.Int64N(1000))
	case reflect.Uint32:
		v.SetUint(1 + rng.Uint64N(1<<32-1))
	case reflect.Uint8:
		switch v.Type() {
		case reflect.TypeFor[abi.Kind](), reflect.TypeFor[abi.Heads]():
			v.SetUint(1)
		case reflect.TypeFor[abi.Bits]():
			v.SetUint([]uint64{4, 8}[rng.IntN(2)])
		default:
			v.SetUint(1 + rng.Uint64N(2))
		}
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(float32(rng.NormFloat64())))
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + rng.IntN(3) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(rng, k)
			fill(rng, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("fill: " + v.Kind().String())
	}
}

func filled[T any](seed uint64) T {
	var v T
	fill(rand.New(rand.NewPCG(seed, 7)), reflect.ValueOf(&v).Elem())
	return v
}

// encoded writes a message with the abi codec.
func encoded(fn func(w *msgp.Writer)) []byte {
	w := msgp.NewWriter(nil)
	fn(w)
	return w.Bytes()
}

// Every message, with every field set, survives the abi encoder then msgpack/v5's reflection
// decoder, and msgpack/v5's encoder then the abi decoder: the codec and the struct tags agree.
func TestCodecAgreesWithMsgpack(t *testing.T) {
	for seed := range uint64(20) {
		dec := abi.Decoder{}
		t.Run("events", func(t *testing.T) {
			want := filled[abi.LoadEvents](seed)
			b := encoded(func(w *msgp.Writer) { abi.AppendLoadEvents(w, &want) })
			var got abi.LoadEvents
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.Equal(t, want, got)

			b, err := msgpack.Marshal(&want)
			require.NoError(t, err)
			opts, evs, err := dec.LoadEvents(b)
			require.NoError(t, err)
			assert.Equal(t, want.StoreOptions, opts)
			var ev abi.Event
			var back []abi.Event
			require.NoError(t, evs.Each(&ev, func(_ int, ev *abi.Event) error {
				back = append(back, clone(*ev))
				return nil
			}))
			assert.Equal(t, want.Events, back)
		})
		t.Run("rank request", func(t *testing.T) {
			want := filled[abi.RankRequest](seed)
			b := encoded(func(w *msgp.Writer) { abi.AppendRankRequest(w, &want) })
			var got abi.RankRequest
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.Equal(t, want, got)

			b, err := msgpack.Marshal(&want)
			require.NoError(t, err)
			require.NoError(t, dec.RankRequest(b, &got))
			assert.Equal(t, want, got)
		})
		t.Run("rank reply", func(t *testing.T) {
			want := filled[abi.RankReply](seed)
			b := encoded(func(w *msgp.Writer) { abi.AppendRankReply(w, &want) })
			var got abi.RankReply
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.Equal(t, want, got)

			b, err := msgpack.Marshal(&want)
			require.NoError(t, err)
			require.NoError(t, dec.RankReply(b, &got))
			assert.Equal(t, want, got)
		})
		t.Run("model info", func(t *testing.T) {
			want := filled[abi.ModelInfo](seed)
			b := encoded(func(w *msgp.Writer) { abi.AppendModelInfo(w, &want) })
			var got abi.ModelInfo
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.Equal(t, want, got)

			b, err := msgpack.Marshal(&want)
			require.NoError(t, err)
			require.NoError(t, dec.ModelInfo(b, &got))
			assert.Equal(t, want, got)
		})
		t.Run("event count", func(t *testing.T) {
			b := encoded(func(w *msgp.Writer) { abi.AppendEventCount(w, int(seed)) })
			var got abi.EventCount
			require.NoError(t, msgpack.Unmarshal(b, &got))
			assert.Equal(t, int(seed), got.Events)
			n, err := dec.EventCount(b)
			require.NoError(t, err)
			assert.Equal(t, int(seed), n)
		})
	}
}

// clone copies an event out of the decoder's reused buffers.
func clone(ev abi.Event) abi.Event {
	ev.Item.Attrs = append([]abi.Attr(nil), ev.Item.Attrs...)
	dense := make([][]float32, len(ev.Item.Dense))
	for i, x := range ev.Item.Dense {
		dense[i] = append([]float32(nil), x...)
	}
	if len(dense) > 0 {
		ev.Item.Dense = dense
	}
	return ev
}

// Zero values are left out, so that the defaults cost no bytes and a zero RankOptions is the
// default: a request with no options is a map of one key.
func TestZeroValuesLeftOut(t *testing.T) {
	b := encoded(func(w *msgp.Writer) { abi.AppendRankRequest(w, &abi.RankRequest{Candidates: []abi.Item{{}}}) })
	assert.Equal(t, "\x81\xaacandidates\x91\x81\xa2id\xa0", string(b))
	b = encoded(func(w *msgp.Writer) { abi.AppendRankOptions(w, &abi.RankOptions{}) })
	assert.Equal(t, "\x80", string(b))
}

// Decoding a rank request into the same message again allocates nothing once its buffers have
// grown, strings aliasing the input.
func TestDecodeRankRequestAllocs(t *testing.T) {
	req := filled[abi.RankRequest](3)
	b := encoded(func(w *msgp.Writer) { abi.AppendRankRequest(w, &req) })
	dec := abi.Decoder{Alias: true}
	var got abi.RankRequest
	require.NoError(t, dec.RankRequest(b, &got))
	allocs := testing.AllocsPerRun(50, func() {
		if err := dec.RankRequest(b, &got); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 1.0, "the Reader")
}
