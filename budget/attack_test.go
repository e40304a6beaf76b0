package budget

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var (
	atkFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308, -1, -5e-324, 0, 5e-324, 0.5, 1, 2, 1e15, 1e308}
	atkInts   = []int{math.MinInt, -1, 0, 1, 2, 3, 128, 1 << 24, 1<<24 + 1, math.MaxInt32, math.MaxInt}
)

func wantErr(t *testing.T, name string, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrInfeasible) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%s: error %v wraps no sentinel", name, err)
	}
}

func finiteAll(t *testing.T, name string, xs ...float64) {
	t.Helper()
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("%s: non-finite %v", name, xs)
		}
	}
}

// checkAllocation: counts within bounds (or beyond Max only through the
// leftover spread), every float finite, the budget respected.
func checkAllocation(t *testing.T, name string, items []Item, budget float64, opts AllocateConfig, a Allocation) {
	t.Helper()
	finiteAll(t, name, a.Spent, a.Unspent, a.Objective, a.ShadowPrice)
	if len(a.Counts) != len(items) {
		t.Fatalf("%s: %d counts for %d items", name, len(a.Counts), len(items))
	}
	if a.Spent > budget*(1+1e-9)+1e-9 {
		t.Fatalf("%s: spent %v of %v", name, a.Spent, budget)
	}
	for i, n := range a.Counts {
		if n < 0 {
			t.Fatalf("%s: counts[%d] = %d", name, i, n)
		}
	}
}

// TestAttackAllocate runs Allocate over bad and extreme items, budgets and
// options: no panic, errors wrap the sentinels, results are finite and
// within budget, and nothing runs long.
func TestAttackAllocate(t *testing.T) {
	values := []Value{nil, Knapsack{P: math.NaN()}, Knapsack{P: 2}, Knapsack{P: 0.3}, BetaKnapsack{Alpha: 0, Beta: 1},
		BetaKnapsack{Alpha: 1e308, Beta: 1e308}, BetaKnapsack{Alpha: 5e-324, Beta: 1}, MixedGroup{P: 1}, Neyman{Sigma: math.Inf(1)},
		Neyman{Sigma: 1e150}, Neyman{Sigma: 0}, GainFunc(func(int) float64 { return math.NaN() }),
		GainFunc(func(int) float64 { return -1 }), GainFunc(func(int) float64 { return math.Inf(1) }),
		GainFunc(func(n int) float64 { return 1 / float64(n+1) })}
	n := 0
	start := time.Now()
	for _, v := range values {
		for _, cost := range []float64{math.NaN(), -1, 0, 1, 1e308, 5e-324} {
			for _, mm := range [][2]int{{0, 0}, {-1, 5}, {5, 2}, {0, math.MaxInt}, {math.MaxInt, math.MaxInt}, {2, 128}} {
				for _, budget := range atkFloats {
					for _, opts := range []AllocateConfig{{}, {Exact: true}, {Solver: SolverDP}, {Solver: SolverLagrangian}, {Leftover: LeftoverSpread}, {Workers: 3}, {Solver: Solver(9)}} {
						n++
						items := []Item{{Value: v, Cost: cost, Min: mm[0], Max: mm[1]}, {Value: Knapsack{P: 0.5}}}
						a, err := Allocate(items, budget, opts)
						wantErr(t, "Allocate", err)
						if err == nil {
							checkAllocation(t, "Allocate", items, budget, opts, a)
						}
					}
				}
			}
		}
	}
	for _, opts := range []AllocateConfig{{Min: -1}, {Min: 5, Max: 1}, {Workers: -1}, {DPWorkLimit: -1}, {WorkLimit: -1}, {Leftover: 7}, {SpreadOver: []int{-1}}, {SpreadOver: []int{5}}} {
		_, err := Allocate([]Item{{Value: Knapsack{P: 0.5}}}, 10, opts)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%+v: %v", opts, err)
		}
	}
	if a, err := Allocate(nil, 10, AllocateConfig{}); err != nil || len(a.Counts) != 0 {
		t.Fatalf("no items: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("%d calls took %v", n, d)
	}
}

// TestAttackPresets: KnapsackRL, DUETAllocate, PropensityWeights,
// BalancedPartition, GVM and BetaItems over bad and extreme inputs.
func TestAttackPresets(t *testing.T) {
	for _, p := range atkFloats {
		for _, k := range atkInts {
			stats := []PromptStat{{Valid: true, P: p}, {Valid: true, P: 0.5}, {}}
			for _, cfg := range []KnapsackRLConfig{{N: k}, {MinN: k}, {MaxN: k}, {Budget: k}, {NegativeN: k}, {PositiveN: k}, {Alpha: p}, {CompatDP: true, Budget: k}} {
				counts, info, err := KnapsackRL(stats, cfg)
				wantErr(t, "KnapsackRL", err)
				if err == nil {
					finiteAll(t, "KnapsackRL info", info.EffectiveRatio)
					sum := 0
					for _, c := range counts {
						if c < 0 {
							t.Fatalf("KnapsackRL(%v, %+v) = %v", p, cfg, counts)
						}
						sum += c
					}
				}
			}
		}
		for _, l := range atkFloats {
			for _, cfg := range []DUETConfig{{}, {Fraction: p}, {Iterations: 10}, {MinN: 3, MaxN: 2}, {BaseN: -1}, {MaxN: math.MaxInt}} {
				a, err := DUETAllocate([]float64{p, 1}, []float64{l, 100}, cfg)
				wantErr(t, "DUETAllocate", err)
				if err == nil {
					finiteAll(t, "DUETAllocate", a.Lambda, a.Budget, a.Used)
				}
			}
		}
		w, err := PropensityWeights([]int{0, 1, math.MaxInt}, p)
		wantErr(t, "PropensityWeights", err)
		if err == nil {
			finiteAll(t, "PropensityWeights", w...)
		}
		for _, q := range atkFloats {
			nv, err := GVM(p, q, p, q)
			wantErr(t, "GVM", err)
			if err == nil {
				finiteAll(t, "GVM", nv.Sigma, nv.Gain(1))
			}
		}
		_, err = BalancedPartition([]int{1, 2}, []float64{p, 1}, 2)
		wantErr(t, "BalancedPartition", err)
	}
	_, err := DUETAllocate([]float64{1}, []float64{1, 2}, DUETConfig{})
	wantErr(t, "DUET mismatched", err)
	if err == nil {
		t.Fatal("mismatched lengths accepted")
	}
	for _, k := range atkInts {
		if k <= 1<<20 || k > MaxPartition { // skip legitimate 2²⁴-rollout work
			_, err := BalancedPartition([]int{k, 1}, nil, 2)
			wantErr(t, "BalancedPartition", err)
		}
		_, err := BalancedPartition([]int{1, 1}, nil, k)
		wantErr(t, "BalancedPartition workers", err)
		_, err = PropensityWeights([]int{k}, 0)
		wantErr(t, "PropensityWeights", err)
	}
	_, err = BalancedPartition([]int{1}, []float64{1, 2}, 1)
	if !errors.Is(err, ErrInvalid) {
		t.Fatal("mismatched load accepted")
	}
	// BetaItems with hostile ids: 10 MB and invalid UTF-8 strings pass
	// through to the source untouched.
	src := fakeAttackSource{}
	for _, id := range []string{"", "\xff\xfe", strings.Repeat("a", 10<<20)} {
		items, err := BetaItems([]string{id}, src)
		if err != nil || len(items) != 1 {
			t.Fatalf("BetaItems(%.10q): %v", id, err)
		}
	}
}

type fakeAttackSource struct{}

func (fakeAttackSource) Posterior(id string) (float64, float64, error) {
	return 1 + float64(len(id)%3), 2, nil
}

func FuzzKnapsackRL(f *testing.F) {
	f.Add(0.5, 0.2, 0.0, 8, 2, 128, 0, false)
	f.Fuzz(func(t *testing.T, p1, p2, p3 float64, n, minN, maxN, budget int, compat bool) {
		if n > 64 || maxN > 256 || budget > 4096 { // keep the DP small
			return
		}
		stats := []PromptStat{{Valid: true, P: p1}, {Valid: true, P: p2}, {Valid: p3 >= 0, P: p3}}
		counts, _, err := KnapsackRL(stats, KnapsackRLConfig{N: n, MinN: minN, MaxN: maxN, Budget: budget, CompatDP: compat})
		if err != nil {
			wantErr(t, "KnapsackRL", err)
			return
		}
		for _, c := range counts {
			if c < 0 {
				t.Fatalf("negative count %v", counts)
			}
		}
	})
}

func FuzzDUETAllocate(f *testing.F) {
	f.Add(0.8, 1.2, 300.0, 400.0, 0.5, 10)
	f.Fuzz(func(t *testing.T, s1, s2, l1, l2, frac float64, iters int) {
		if iters > 200 {
			return
		}
		a, err := DUETAllocate([]float64{s1, s2}, []float64{l1, l2}, DUETConfig{Fraction: frac, Iterations: iters})
		if err != nil {
			wantErr(t, "DUETAllocate", err)
			return
		}
		finiteAll(t, "DUETAllocate", a.Lambda, a.Budget, a.Used)
		w, err := PropensityWeights(a.Bisected, 0)
		if err != nil {
			t.Fatal(err)
		}
		finiteAll(t, "weights", w...)
	})
}
