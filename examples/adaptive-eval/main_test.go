package main

import (
	"bytes"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestErrorFallsWithItems checks the example's claim: for every strategy
// the mean error over replications is lower at 64 items than at 8, and
// lower at 32 than at 8; and the report says so.
func TestErrorFallsWithItems(t *testing.T) {
	reps := 20
	if testing.Short() {
		reps = 2 // the claim holds by a wide margin; the floor check needs more
	}
	var out bytes.Buffer
	res, err := run(&out, reps, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for si, s := range strategies {
		e8, e32, e64 := stat.Mean(res.mae[si][0], nil), stat.Mean(res.mae[si][2], nil), stat.Mean(res.mae[si][3], nil)
		if !(e64 < e8 && e32 < e8) {
			t.Errorf("%s: error %.4f at 8 items, %.4f at 32, %.4f at 64", s.name, e8, e32, e64)
		}
		if f := stat.Mean(res.floor, nil); !testing.Short() && !(e64 > f) {
			t.Errorf("%s: error %.4f at 64 items is below the floor %.4f", s.name, e64, f)
		}
	}
	if !strings.Contains(out.String(), "error falls") {
		t.Errorf("the report does not say that error falls:\n%s", out.String())
	}
}
