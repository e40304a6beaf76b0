package main

import (
	"bytes"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestErrorFallsWithItems checks the example's claim: for every strategy
// the mean error over replications is lower at 64 items than at 8, and
// lower at 32 than at 8; that max-information is below random at 8 items
// (issue 15's check, paired over the replications); and the report says so.
func TestErrorFallsWithItems(t *testing.T) {
	reps := 20
	if testing.Short() {
		reps = 2 // the claim holds by a wide margin
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
	}
	if !testing.Short() {
		var d float64
		for r := range res.mae[1][0] {
			d += res.mae[1][0][r] - res.mae[0][0][r]
		}
		if d >= 0 {
			t.Errorf("max-information's error at 8 items is not below random's (summed paired difference %+.4f)", d)
		}
	}
	if !strings.Contains(out.String(), "error falls") {
		t.Errorf("the report does not say that error falls:\n%s", out.String())
	}
}
