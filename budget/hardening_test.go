package budget

import (
	"errors"
	"math"
	"testing"
	"time"
)

// TestAllocateWorkBound: gains of 1 with Max = MaxInt and a budget of 1e15
// ran for more than 20 s; now every solver refuses it with ErrTooLarge.
func TestAllocateWorkBound(t *testing.T) {
	one := GainFunc(func(int) float64 { return 1 })
	items := []Item{{Value: one, Max: math.MaxInt}, {Value: one, Max: math.MaxInt}}
	for _, opts := range []AllocateConfig{
		{}, {Solver: SolverGreedy}, {Solver: SolverRatioGreedy}, {Solver: SolverLagrangian}, {Solver: SolverDP},
		{Leftover: LeftoverSpread}, {Exact: true},
	} {
		start := time.Now()
		_, err := Allocate(items, 1e15, opts)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%+v: err = %v, want ErrTooLarge", opts, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%+v: took %v", opts, d)
		}
	}
	// Spreading leftovers beyond Max is bounded too.
	zero := []Item{{Value: GainFunc(func(int) float64 { return 0 }), Max: 1}}
	if _, err := Allocate(zero, 1e12, AllocateConfig{Leftover: LeftoverSpread}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("spread: %v", err)
	}
	// Within the limit the same instance solves.
	if a, err := Allocate(items, 1000, AllocateConfig{}); err != nil || a.Counts[0]+a.Counts[1] != 1000 {
		t.Errorf("small budget: %v, %v", a.Counts, err)
	}
	// Max beyond 2³¹ was truncated by the solvers' int32 counters: every
	// solver returned [0 0].
	for _, s := range []Solver{SolverAuto, SolverGreedy, SolverRatioGreedy, SolverLagrangian, SolverDP} {
		big := []Item{{Value: one, Max: 1 << 40}, {Value: Knapsack{P: 0.5}, Max: math.MaxInt}}
		if a, err := Allocate(big, 1000, AllocateConfig{Solver: s}); err != nil || a.Counts[0]+a.Counts[1] != 1000 {
			t.Errorf("%v with Max 2⁴⁰: %v, %v", s, a.Counts, err)
		}
	}
	if _, err := Allocate(items, 10, AllocateConfig{WorkLimit: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative WorkLimit: %v", err)
	}
}

// TestBalancedPartitionOverflow: counts summing past MaxInt wrapped
// negative; huge loads summed to +Inf.
func TestBalancedPartitionOverflow(t *testing.T) {
	if _, err := BalancedPartition([]int{math.MaxInt, 1}, nil, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("MaxInt counts: %v", err)
	}
	if _, err := BalancedPartition([]int{1}, nil, math.MaxInt); !errors.Is(err, ErrInvalid) {
		t.Errorf("MaxInt workers: %v", err)
	}
	shards, err := BalancedPartition([]int{3, 3}, []float64{1e308, 5e-324}, 2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range shards {
		n += len(s)
	}
	if n != 6 {
		t.Fatalf("shards %v", shards)
	}
}

// TestNeymanObjectiveFinite: the first rollout of a Neyman item has an
// infinite gain; Objective stays finite and Unbounded counts it.
func TestNeymanObjectiveFinite(t *testing.T) {
	items := []Item{{Value: Neyman{Sigma: 2}, Min: 0, Max: 10}, {Value: Neyman{Sigma: 1}, Min: 0, Max: 10}}
	a, err := Allocate(items, 6, AllocateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if math.IsInf(a.Objective, 0) || math.IsNaN(a.Objective) || a.Unbounded != 2 {
		t.Fatalf("Objective %v, Unbounded %d", a.Objective, a.Unbounded)
	}
	// Σ_{1≤k<n} σ²/(k(k+1)) = σ²(1 − 1/n).
	want := 4*(1-1/float64(a.Counts[0])) + 1*(1-1/float64(a.Counts[1]))
	if math.Abs(a.Objective-want) > 1e-12 {
		t.Fatalf("Objective %v, want %v (counts %v)", a.Objective, want, a.Counts)
	}
	if _, err := Allocate([]Item{{Value: Neyman{Sigma: 1e200}}}, 4, AllocateConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("σ² overflowing: %v", err)
	}
	if _, err := GVM(1e308, 1e-300, 0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("GVM overflowing: %v", err)
	}
}

// TestKnapsackRLLimits: MaxN = MaxInt overflowed the capacity sum.
func TestKnapsackRLLimits(t *testing.T) {
	stats := []PromptStat{{Valid: true, P: 0.5}, {Valid: true, P: 0.2}}
	for _, cfg := range []KnapsackRLConfig{{MaxN: math.MaxInt}, {N: math.MaxInt}, {Budget: math.MaxInt}, {NegativeN: math.MaxInt}} {
		if _, _, err := KnapsackRL(stats, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	// A huge budget beyond the prompts' capacity is spread, as the
	// reference does, without overflow.
	counts, _, err := KnapsackRL(stats, KnapsackRLConfig{Budget: 1 << 40})
	if err != nil || counts[0]+counts[1] != 1<<40 {
		t.Errorf("huge budget: %v, %v", counts, err)
	}
}
