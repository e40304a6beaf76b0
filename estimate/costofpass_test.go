package estimate

import (
	"errors"
	"math"
	"testing"
)

func TestCostOfPass(t *testing.T) {
	// Mean cost 0.002 and accuracy 0.4 give 0.002/0.4 = 0.005.
	got, err := CostOfPass([]float64{0.001, 0.003, 0.002, 0.002, 0.002}, []float64{1, 0, 1, 0, 0})
	if err != nil || math.Abs(got-0.005) > 1e-15 {
		t.Fatalf("CostOfPass = %v, %v; want 0.005", got, err)
	}
	got, err = CostOfPass([]float64{1, 2}, []float64{0, 0})
	if err != nil || !math.IsInf(got, 1) {
		t.Fatalf("no pass: %v, %v; want +Inf", got, err)
	}
	for _, c := range []struct{ costs, scores []float64 }{
		{nil, nil},
		{[]float64{1}, []float64{1, 0}},
		{[]float64{math.NaN()}, []float64{1}},
		{[]float64{-1}, []float64{1}},
		{[]float64{1}, []float64{1.5}},
		{[]float64{1}, []float64{math.NaN()}},
	} {
		if _, err := CostOfPass(c.costs, c.scores); !errors.Is(err, ErrInvalid) {
			t.Errorf("CostOfPass(%v, %v) err = %v, want ErrInvalid", c.costs, c.scores, err)
		}
	}
}

func TestFrontierGolden(t *testing.T) {
	// Issue golden: frontier of {0.005, 0.004, human 20} = 0.004.
	got, err := Frontier([]float64{0.005, 0.004}, 20)
	if err != nil || got != 0.004 {
		t.Fatalf("Frontier = %v, %v; want 0.004", got, err)
	}
	if got, _ := Frontier([]float64{math.Inf(1)}, math.Inf(1)); !math.IsInf(got, 1) {
		t.Errorf("nothing passes: %v", got)
	}
	if got, _ := Frontier([]float64{math.Inf(1), 30}, 20); got != 20 {
		t.Errorf("human wins: %v", got)
	}
	for _, c := range []struct {
		v []float64
		h float64
	}{{[]float64{math.NaN()}, 1}, {[]float64{-1}, 1}, {nil, math.NaN()}, {nil, -2}} {
		if _, err := Frontier(c.v, c.h); !errors.Is(err, ErrInvalid) {
			t.Errorf("Frontier(%v, %v) err = %v", c.v, c.h, err)
		}
	}
}

func TestCostOfPassTable(t *testing.T) {
	inf := math.Inf(1)
	tab := CostOfPassTable{
		Models:   []string{"a-small", "a-large", "b"},
		Families: []string{"a", "a", "b"},
		Values: [][]float64{
			{0.01, 0.02, 0.05},
			{inf, 0.10, 0.08},
			{inf, inf, inf},
		},
		Human: []float64{5, 5, 2},
	}
	// Per-problem frontiers 0.01, 0.08, 2 → mean 2.09/3.
	got, err := tab.TaskFrontier()
	if err != nil || math.Abs(got-2.09/3) > 1e-15 {
		t.Errorf("TaskFrontier = %v, %v", got, err)
	}
	// Without family a: 0.05, 0.08, 2 → 2.13/3.
	got, _ = tab.TaskFrontier("a")
	if math.Abs(got-2.13/3) > 1e-15 {
		t.Errorf("without a = %v", got)
	}
	abs, rel, err := tab.FamilyGain("a")
	if err != nil || math.Abs(abs-0.04/3) > 1e-15 || math.Abs(rel-0.04/2.13) > 1e-12 {
		t.Errorf("FamilyGain(a) = %v, %v, %v", abs, rel, err)
	}
	tab.Human = nil
	abs, rel, _ = tab.FamilyGain("b")
	if !math.IsInf(abs, 1) && abs != 0 {
		t.Errorf("FamilyGain(b) without human = %v, %v", abs, rel)
	}
	bad := tab
	bad.Values = [][]float64{{1, 2}}
	if _, err := bad.TaskFrontier(); !errors.Is(err, ErrInvalid) {
		t.Errorf("ragged table err = %v", err)
	}
}

func TestTokenCost(t *testing.T) {
	// 1,000 input tokens at $3/M and 500 output tokens at $15/M = $0.0105.
	got, err := TokenCost(1000, 500, 3, 15)
	if err != nil || math.Abs(got-0.0105) > 1e-15 {
		t.Errorf("TokenCost = %v, %v", got, err)
	}
	if _, err := TokenCost(-1, 0, 1, 1); !errors.Is(err, ErrInvalid) {
		t.Error("negative tokens accepted")
	}
}

// Issue 14: sums of large finite costs overflowed to +Inf, which read as
// "never passes".
func TestCostOfPassNoOverflow(t *testing.T) {
	v, err := CostOfPass([]float64{1e308, 1e308}, []float64{1, 1})
	if err != nil || v != 1e308 {
		t.Errorf("CostOfPass(1e308, 1e308) = %v, %v; want 1e308", v, err)
	}
	if _, err := CostOfPass([]float64{1e308}, []float64{1e-10}); !errors.Is(err, ErrInvalid) {
		t.Errorf("overflowing ratio: %v", err)
	}
	if _, err := TokenCost(1e308, 0, 1e308, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("TokenCost overflow: %v", err)
	}
	tab := CostOfPassTable{Models: []string{"m"}, Values: [][]float64{{1e308}, {1e308}}}
	if f, err := tab.TaskFrontier(); err != nil || f != 1e308 {
		t.Errorf("TaskFrontier = %v, %v", f, err)
	}
}

// FuzzCostOfPass feeds fuzzed costs, scores and prices to the cost-of-pass
// functions: an error wrapping ErrInvalid, or a value that is not NaN.
func FuzzCostOfPass(f *testing.F) {
	f.Add(0.002, 1.0, 0.004, 0.0, 20.0)
	f.Fuzz(func(t *testing.T, c1, s1, c2, s2, human float64) {
		check := func(v float64, err error) {
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatal(err)
				}
				return
			}
			if math.IsNaN(v) || v < 0 {
				t.Fatalf("value %v", v)
			}
		}
		v1, err := CostOfPass([]float64{c1, c2}, []float64{s1, s2})
		check(v1, err)
		check(Frontier([]float64{c1, c2}, human))
		check(TokenCost(c1, c2, s1, human))
		tab := CostOfPassTable{Models: []string{"a", "b"}, Families: []string{"x", "y"}, Values: [][]float64{{c1, c2}}, Human: []float64{human}}
		check(tab.TaskFrontier("y"))
		abs, rel, err := tab.FamilyGain("x")
		check(abs, err)
		check(rel, err)
	})
}
