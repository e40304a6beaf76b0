package budget

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

//go:generate sh -c "python3 testdata/duet_ref.py > testdata/duet_ref.json"

// TestDUETAgainstReference compares DUETAllocate and PropensityWeights with
// a port of the reference (testdata/duet_ref.py: DuetAllocator.allocate,
// the trainer's B_full, post-bisection trim and SNIPS weights) on 301
// instances: the bisected counts, the trimmed counts, the budget and the
// weights computed from the bisected counts must be identical.
func TestDUETAgainstReference(t *testing.T) {
	data, err := os.ReadFile("testdata/duet_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Signal, Length   []float64
		Fraction         float64
		BaseN            int `json:"base_n"`
		MinN             int `json:"min_n"`
		MaxN             int `json:"max_n"`
		Iterations       int
		Budget, Lambda   float64
		Bisected, Counts []int
		Weights          []float64
		Capped           bool
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 300 {
		t.Fatalf("%d cases", len(cases))
	}
	trimmed := 0
	for k, c := range cases {
		a, err := DUETAllocate(c.Signal, c.Length, DUETConfig{Fraction: c.Fraction, BaseN: c.BaseN, MinN: c.MinN, MaxN: c.MaxN, Iterations: c.Iterations})
		if err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		if a.Budget != c.Budget || math.Abs(a.Lambda-c.Lambda) > 4e-16*c.Lambda { // Go's math.Exp and glibc's exp may differ by an ulp
			t.Fatalf("case %d: budget %v λ %v, reference %v %v", k, a.Budget, a.Lambda, c.Budget, c.Lambda)
		}
		if diff := cmp.Diff(c.Bisected, a.Bisected); diff != "" {
			t.Fatalf("case %d: bisected counts (-ref +got):\n%s", k, diff)
		}
		if !c.Capped {
			if diff := cmp.Diff(c.Counts, a.Counts); diff != "" {
				t.Fatalf("case %d: trimmed counts (-ref +got):\n%s", k, diff)
			}
		}
		if !cmp.Equal(c.Bisected, c.Counts) {
			trimmed++
		}
		w, err := PropensityWeights(a.Bisected, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		for q := range w {
			if w[q] != c.Weights[q] && math.Abs(w[q]-c.Weights[q]) > 1e-15*c.Weights[q] {
				t.Fatalf("case %d: weight[%d] = %v, reference %v", k, q, w[q], c.Weights[q])
			}
		}
	}
	if trimmed < 50 {
		t.Fatalf("only %d cases exercise the trim", trimmed)
	}
}
