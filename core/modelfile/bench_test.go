package modelfile

import (
	"testing"

	"github.com/seminar-ranker/seminar/core/model"
)

// BenchmarkLoad loads a file of the default configuration, which is what a device does at
// start: the checksum, every tensor's decoding and its finiteness check. Inside wasm, run it
// with a small fixed -benchtime (e.g. 5x).
func BenchmarkLoad(b *testing.B) {
	m := newModel(b, model.DefaultConfig())
	file := marshal(b, m, map[string][]byte{"pq": make([]byte, 100<<10)})
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(file); err != nil {
			b.Fatal(err)
		}
	}
}
