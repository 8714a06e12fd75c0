package main

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestZZWasm(t *testing.T) {
	ctx := context.Background()
	rep := &studyReport{}
	sd, err := setupSynth(ctx, studyFlags{}, rep)
	if err != nil {
		t.Fatal(err)
	}
	lh, err := newLongHistory(sd, 10000, 10)
	if err != nil {
		t.Fatal(err)
	}
	studyLengths = []int{10000}
	err = wasmStudy(ctx, studyFlags{}, sd, []*longHistory{lh}, rep, func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
	if err != nil {
		t.Fatal(err)
	}
	rep.judge()
	t.Log(rep.text())
}
