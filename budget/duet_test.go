package budget

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDUETAllocate(t *testing.T) {
	s := []float64{0.8, 1.2, 0.5, 1.5}
	l := []float64{300, 400, 250, 600}
	a, err := DUETAllocate(s, l, DUETConfig{Fraction: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// B = 0.5 · 8 · 4 · 387.5 = 6200 tokens.
	if a.Budget != 6200 || a.Used > a.Budget {
		t.Fatalf("budget %v used %v", a.Budget, a.Used)
	}
	// Independently: n_q = clip(round(s/√(λL)), 1, 32) at the reported λ
	// (before any repair, which this instance does not need).
	var used float64
	for q := range s {
		n := math.RoundToEven(s[q] / math.Sqrt(a.Lambda*l[q]))
		n = math.Max(1, math.Min(32, n))
		if int(n) != a.Counts[q] {
			t.Fatalf("n[%d] = %d, want %v", q, a.Counts[q], n)
		}
		used += n * l[q]
	}
	if used != a.Used {
		t.Fatalf("Used = %v, want %v", a.Used, used)
	}
	// The allocation is near the budget: adding one rollout to the cheapest
	// prompt would overspend only if bisection converged.
	if a.Used+250 <= a.Budget {
		t.Errorf("budget under-used: %v of %v", a.Used, a.Budget)
	}
	// n ∝ ŝ/√L̂ in the continuous limit: compare ratios on a large batch.
	r := rand.New(rand.NewPCG(15, 16))
	m := 2000
	s2, l2 := make([]float64, m), make([]float64, m)
	for q := range s2 {
		s2[q] = 0.2 + r.Float64()
		l2[q] = 200 + 800*r.Float64()
	}
	b, err := DUETAllocate(s2, l2, DUETConfig{MaxN: 1000, BaseN: 64})
	if err != nil {
		t.Fatal(err)
	}
	for q := 0; q < m; q += 97 {
		want := s2[q] / math.Sqrt(b.Lambda*l2[q])
		if math.Abs(float64(b.Counts[q])-want) > 0.5+1e-9 && b.Counts[q] > 1 {
			t.Fatalf("n[%d] = %d, continuous optimum %v", q, b.Counts[q], want)
		}
	}
}

func TestDUETRepairTrimsLongest(t *testing.T) {
	// One bisection step: λ = 1 fits, so the final midpoint is λ = e⁻¹⁰,
	// where every prompt wants ≥ 23 rollouts and the budget (140 tokens) is
	// overspent; the repair trims the longest prompt first.
	s := []float64{1, 1, 1}
	l := []float64{10, 20, 40}
	a, err := DUETAllocate(s, l, DUETConfig{Iterations: 1, BaseN: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a.Used > a.Budget {
		t.Fatalf("repair left %v > %v", a.Used, a.Budget)
	}
	noRepair, _ := DUETAllocate(s, l, DUETConfig{Iterations: 1, BaseN: 2, NoRepair: true})
	if noRepair.Used <= noRepair.Budget {
		t.Fatal("instance does not exercise the repair")
	}
	// Longest first: 40 → 1 (1000 tokens), 20 → 1 (380), then 10·n + 60 ≤ 140.
	if diff := cmp.Diff([]int{8, 1, 1}, a.Counts); diff != "" {
		t.Fatalf("repair from %v (-want +got):\n%s", noRepair.Counts, diff)
	}
}

func TestPropensityWeights(t *testing.T) {
	// mean(n) = (1+4+16+3)/4 = 6; n/6 = 1/6, 2/3, 8/3, 1/2 → clip to [0.05, 1].
	w, err := PropensityWeights([]int{1, 4, 16, 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{6, 1.5, 1, 2}
	if !cmp.Equal(w, want, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })) {
		t.Fatalf("weights %v, want %v", w, want)
	}
	// ε floors the propensity: n = 0 with mean 10 gives 1/0.05 = 20.
	w, _ = PropensityWeights([]int{0, 20}, 0.05)
	if w[0] != 20 || w[1] != 1 {
		t.Fatalf("weights %v", w)
	}
	if _, err := PropensityWeights([]int{-1}, 0); !errors.Is(err, ErrInvalid) {
		t.Fatal("negative count accepted")
	}
	if _, err := PropensityWeights([]int{1}, 2); !errors.Is(err, ErrInvalid) {
		t.Fatal("eps = 2 accepted")
	}
}

func TestDUETBadInput(t *testing.T) {
	for name, c := range map[string]struct {
		s, l []float64
		cfg  DUETConfig
	}{
		"mismatch": {[]float64{1}, []float64{1, 2}, DUETConfig{}},
		"empty":    {nil, nil, DUETConfig{}},
		"NaN s":    {[]float64{math.NaN()}, []float64{1}, DUETConfig{}},
		"zero L":   {[]float64{1}, []float64{0}, DUETConfig{}},
		"fraction": {[]float64{1}, []float64{1}, DUETConfig{Fraction: 1.5}},
		"bounds":   {[]float64{1}, []float64{1}, DUETConfig{MinN: 5, MaxN: 2}},
	} {
		if _, err := DUETAllocate(c.s, c.l, c.cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestBalancedPartition(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 100; trial++ {
		m := 1 + r.IntN(30)
		counts := make([]int, m)
		load := make([]float64, m)
		total := 0
		for i := range counts {
			counts[i] = r.IntN(10)
			load[i] = 1 + 100*r.Float64()
			total += counts[i]
		}
		w := 1 + r.IntN(8)
		shards, err := BalancedPartition(counts, load, w)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, m)
		loads := make([]float64, w)
		maxItem := 0.0
		for k, sh := range shards {
			for _, i := range sh {
				got[i]++
				loads[k] += load[i]
				maxItem = math.Max(maxItem, load[i])
			}
		}
		if !cmp.Equal(got, counts) {
			t.Fatalf("rollouts lost or duplicated: %v vs %v", got, counts)
		}
		sort.Float64s(loads)
		var sum float64
		for _, x := range loads {
			sum += x
		}
		// LPT: makespan ≤ mean load + largest single load.
		if loads[w-1] > sum/float64(w)+maxItem+1e-9 {
			t.Fatalf("makespan %v, mean %v, largest %v", loads[w-1], sum/float64(w), maxItem)
		}
		// Equal loads: shard sizes differ by at most one.
		eq, _ := BalancedPartition(counts, nil, w)
		lo, hi := total, 0
		for _, sh := range eq {
			lo, hi = min(lo, len(sh)), max(hi, len(sh))
		}
		if hi-lo > 1 {
			t.Fatalf("equal loads: sizes from %d to %d", lo, hi)
		}
	}
	if _, err := BalancedPartition([]int{1}, nil, 0); !errors.Is(err, ErrInvalid) {
		t.Fatal("zero workers accepted")
	}
	if _, err := BalancedPartition([]int{1}, []float64{1, 2}, 2); !errors.Is(err, ErrInvalid) {
		t.Fatal("mismatched load accepted")
	}
}
