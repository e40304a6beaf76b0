package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestAdaptiveSamplersTeachMore checks the example's claim seed by seed:
// DUMP and Thompson put more groups in the mixed regime than uniform
// sampling and end with a higher mean pass rate; and run writes the
// picture.
func TestAdaptiveSamplersTeachMore(t *testing.T) {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.name
	}
	seeds := uint64(3)
	if testing.Short() {
		seeds = 1
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		var res []runResult
		for _, m := range methods {
			s, err := m.newSampler(names)
			if err != nil {
				t.Fatal(err)
			}
			r, err := simulate(s, m.useful, seed, 200)
			if err != nil {
				t.Fatal(err)
			}
			res = append(res, r)
		}
		for _, mi := range []int{1, 3} {
			if !(res[mi].mixed > res[0].mixed && res[mi].finalP > res[0].finalP) {
				t.Errorf("seed %d: %s mixed %.3f, final %.3f; uniform %.3f, %.3f", seed, methods[mi].name,
					res[mi].mixed, res[mi].finalP, res[0].mixed, res[0].finalP)
			}
		}
	}
	var out bytes.Buffer
	if err := run(&out, 1, 60, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "curriculum_probs.png") {
		t.Errorf("no picture written:\n%s", out.String())
	}
}
