package host

import (
	"context"
	"testing"
)

func TestZZGC(t *testing.T) {
	ctx := context.Background()
	var stderr syncBuffer
	r := newTestRuntime(t, testModules, Options{Stderr: &stderr})
	inst := newTestInstance(t, r)
	for k := 0; k < 40; k++ {
		var live []uint32
		for j := 0; j < 3; j++ {
			p, err := inst.alloc(ctx, 1<<28-uint32(j)*8)
			if err != nil {
				t.Log(k, j, err)
				continue
			}
			live = append(live, p)
		}
		for _, p := range live {
			if err := inst.free(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		t.Log(k, inst.mem.Size()>>20, "MiB")
		if inst.Err() != nil {
			s := stderr.String()
			t.Fatal(s[:min(len(s), 400)])
		}
	}
}
