package budget

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

// randomValue draws one of the concave built-in values.
func randomValue(r *rand.Rand, kind int) Value {
	switch kind {
	case 0:
		return Knapsack{P: r.Float64()}
	case 1:
		return BetaKnapsack{Alpha: 0.2 + 5*r.Float64(), Beta: 0.2 + 5*r.Float64()}
	case 2:
		return MixedGroup{P: r.Float64()}
	default:
		return Neyman{Sigma: 3 * r.Float64()}
	}
}

// brute enumerates every allocation of a tiny instance.
func brute(items []Item, budget float64, exact bool) (best float64, found bool) {
	best = math.Inf(-1)
	counts := make([]int, len(items))
	var rec func(i int, spent float64)
	rec = func(i int, spent float64) {
		if spent > budget+1e-9 {
			return
		}
		if i == len(items) {
			if exact && math.Abs(spent-budget) > 1e-9 {
				return
			}
			var obj float64
			for j, it := range items {
				for k := it.Min; k < counts[j]; k++ {
					obj += it.Value.Gain(k)
				}
			}
			found = true
			best = math.Max(best, obj)
			return
		}
		c := items[i].Cost
		if c == 0 {
			c = 1
		}
		for n := items[i].Min; n <= items[i].Max; n++ {
			counts[i] = n
			rec(i+1, spent+c*float64(n))
		}
	}
	rec(0, 0)
	return best, found
}

func approxEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func TestGreedyMatchesDP(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for kind := 0; kind < 4; kind++ {
		for trial := 0; trial < 200; trial++ {
			m := 1 + r.IntN(12)
			items := make([]Item, m)
			var minSpend float64
			for i := range items {
				lo := 1 + r.IntN(3) // ≥ 1 keeps Neyman gains finite
				items[i] = Item{Value: randomValue(r, kind), Min: lo, Max: lo + r.IntN(20)}
				minSpend += float64(lo)
			}
			budget := minSpend + float64(r.IntN(60))
			g, err := Allocate(items, budget, AllocateConfig{Solver: SolverGreedy})
			if err != nil {
				t.Fatal(err)
			}
			d, err := Allocate(items, budget, AllocateConfig{Solver: SolverDP})
			if err != nil {
				t.Fatal(err)
			}
			l, err := Allocate(items, budget, AllocateConfig{Solver: SolverLagrangian})
			if err != nil {
				t.Fatal(err)
			}
			if !approxEqual(g.Objective, d.Objective) || !approxEqual(l.Objective, d.Objective) {
				t.Fatalf("kind %d trial %d: greedy %v, lagrangian %v, DP %v", kind, trial, g.Objective, l.Objective, d.Objective)
			}
			checkInvariants(t, items, budget, g, false)
			checkInvariants(t, items, budget, d, false)
			checkInvariants(t, items, budget, l, false)
		}
	}
}

func checkInvariants(t *testing.T, items []Item, budget float64, a Allocation, exact bool) {
	t.Helper()
	var spent float64
	for i, it := range items {
		c := it.Cost
		if c == 0 {
			c = 1
		}
		lo, hi := it.Min, it.Max
		if lo == 0 && hi == 0 {
			lo, hi = 2, 128
		}
		if a.Counts[i] < lo || a.Counts[i] > hi {
			t.Fatalf("counts[%d] = %d outside [%d, %d]", i, a.Counts[i], lo, hi)
		}
		spent += c * float64(a.Counts[i])
	}
	if spent > budget+1e-9 || !approxEqual(spent, a.Spent) || !approxEqual(a.Spent+a.Unspent, budget) {
		t.Fatalf("spent %v (reported %v, unspent %v) vs budget %v", spent, a.Spent, a.Unspent, budget)
	}
	if exact && !approxEqual(spent, budget) {
		t.Fatalf("exact mode spent %v of %v", spent, budget)
	}
}

func TestDPMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nonConcave := GainFunc(func(n int) float64 { return float64((n*7)%5) + 0.5 })
	for trial := 0; trial < 300; trial++ {
		m := 1 + r.IntN(4)
		items := make([]Item, m)
		var minSpend float64
		for i := range items {
			lo := r.IntN(3)
			v := randomValue(r, r.IntN(3))
			if r.IntN(4) == 0 {
				v = nonConcave
			}
			items[i] = Item{Value: v, Cost: float64(1 + r.IntN(3)), Min: lo, Max: lo + 1 + r.IntN(5)}
			minSpend += items[i].Cost * float64(lo)
		}
		budget := minSpend + float64(r.IntN(15))
		for _, exact := range []bool{false, true} {
			want, found := brute(items, budget, exact)
			d, err := Allocate(items, budget, AllocateConfig{Solver: SolverDP, Exact: exact})
			if !found {
				if !errors.Is(err, ErrInfeasible) {
					t.Fatalf("trial %d exact=%v: infeasible instance gave %v, %v", trial, exact, d, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("trial %d exact=%v: %v", trial, exact, err)
			}
			if !approxEqual(d.Objective, want) {
				t.Fatalf("trial %d exact=%v: DP %v, brute force %v (%v)", trial, exact, d.Objective, want, d.Counts)
			}
			checkInvariants(t, items, budget, d, exact)
			// Ratio greedy is within the largest single gain of the optimum.
			if !exact {
				rg, err := Allocate(items, budget, AllocateConfig{Solver: SolverRatioGreedy})
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, items, budget, rg, false)
				if rg.Objective > want+1e-9 {
					t.Fatalf("ratio greedy %v beats the optimum %v", rg.Objective, want)
				}
			}
		}
	}
}

func TestRatioGreedyGap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 300; trial++ {
		m := 1 + r.IntN(4)
		items := make([]Item, m)
		maxGain := 0.0
		for i := range items {
			items[i] = Item{Value: randomValue(r, r.IntN(3)), Cost: float64(1 + r.IntN(4)), Min: 1, Max: 2 + r.IntN(5)}
			maxGain = math.Max(maxGain, items[i].Value.Gain(1))
		}
		budget := float64(m) * 4
		want, _ := brute(items, budget, false)
		rg, err := Allocate(items, budget, AllocateConfig{Solver: SolverRatioGreedy})
		if err != nil {
			t.Fatal(err)
		}
		if rg.Objective < want-maxGain-1e-12 {
			t.Fatalf("ratio greedy %v, optimum %v, largest gain %v", rg.Objective, want, maxGain)
		}
	}
}

func TestKnapsackGainsClosedForm(t *testing.T) {
	for _, p := range []float64{0, 1e-3, 0.1, 1.0 / 3, 0.5, 0.9, 0.999, 1} {
		v := Knapsack{P: p}
		g, st := v.first(2)
		for n := 2; n < 130; n++ {
			if n > 2 {
				g = v.next(&st)
			}
			direct := v.Value(n+1) - v.Value(n)
			if math.Abs(g-direct) > 1e-15 || math.Abs(v.Gain(n)-g) > 1e-15*math.Max(1, g) {
				t.Fatalf("p=%v n=%d: incremental %v, Gain %v, V(n+1)−V(n) %v", p, n, g, v.Gain(n), direct)
			}
		}
	}
	// MixedGroup: V(N) = 1 − p^N − q^N.
	for _, p := range []float64{0.2, 0.7} {
		v := MixedGroup{P: p}
		V := func(n int) float64 { return 1 - math.Pow(p, float64(n)) - math.Pow(1-p, float64(n)) }
		g, st := v.first(0)
		for n := 0; n < 40; n++ {
			if n > 0 {
				g = v.next(&st)
			}
			if math.Abs(g-(V(n+1)-V(n))) > 1e-15 {
				t.Fatalf("MixedGroup p=%v n=%d: %v vs %v", p, n, g, V(n+1)-V(n))
			}
		}
	}
}

func TestBetaKnapsackAgainstIntegration(t *testing.T) {
	for _, ab := range [][2]float64{{1, 1}, {0.5, 0.5}, {3, 7}, {12, 2}, {1.5, 40}} {
		v := BetaKnapsack{Alpha: ab[0], Beta: ab[1]}
		dens := distuv.Beta{Alpha: ab[0], Beta: ab[1]}
		g, st := v.first(0)
		for n := 0; n < 64; n++ {
			if n > 0 {
				g = v.next(&st)
			}
			if n%7 != 0 {
				continue
			}
			m := float64(n)
			f := func(p float64) float64 {
				q := 1 - p
				return (math.Pow(p, m+1)*q*q*q + p*p*math.Pow(q, m+2)) * dens.Prob(p)
			}
			want := quad.Fixed(f, 0, 1, 2000, quad.Legendre{}, 0)
			if math.Abs(g-want) > 1e-9 {
				t.Fatalf("Beta(%v,%v) n=%d: %v, integral %v", ab[0], ab[1], n, g, want)
			}
			if math.Abs(v.Gain(n)-g) > 1e-12*g {
				t.Fatalf("Gain(%d) = %v, incremental %v", n, v.Gain(n), g)
			}
		}
	}
}

func TestAllocateOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	items := make([]Item, 50)
	for i := range items {
		items[i] = Item{Value: Knapsack{P: r.Float64()}}
	}
	a, err := Allocate(items, 400, AllocateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	perm := r.Perm(len(items))
	shuffled := make([]Item, len(items))
	for i, j := range perm {
		shuffled[i] = items[j]
	}
	b, err := Allocate(shuffled, 400, AllocateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range perm {
		if b.Counts[i] != a.Counts[j] {
			t.Fatalf("item %d got %d shuffled, %d in order", j, b.Counts[i], a.Counts[j])
		}
	}
}

func TestAllocateOptions(t *testing.T) {
	items := []Item{{Value: Knapsack{P: 0.5}}, {Value: Knapsack{P: 1}}, {Value: Knapsack{P: 0}}}
	// Defaults: Min 2, Max 128; p ∈ {0, 1} have zero gain and stay at 2.
	a, err := Allocate(items, 30, AllocateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{26, 2, 2}, a.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	// Non-exact mode stops at zero gain: cap the mixed prompt at 10.
	items[0].Min, items[0].Max = 2, 10
	a, err = Allocate(items, 30, AllocateConfig{})
	if err != nil || a.Unspent != 16 || a.Counts[0] != 10 {
		t.Fatalf("got %+v, %v; want 16 unspent", a, err)
	}
	// Exact mode takes the zero-gain rollouts too (ties by index).
	a, err = Allocate(items, 30, AllocateConfig{Exact: true})
	if err != nil || a.Unspent != 0 {
		t.Fatalf("exact: %+v, %v", a, err)
	}
	// LeftoverSpread hands the surplus to item 2 only, beyond Max.
	a, err = Allocate(items, 30, AllocateConfig{Leftover: LeftoverSpread, SpreadOver: []int{2}})
	if err != nil || !cmp.Equal(a.Counts, []int{10, 2, 18}) {
		t.Fatalf("spread: %+v, %v", a, err)
	}
	// Workers: 10 + 2 + 2 = 14 rollouts, trimmed to 12 for 4 workers.
	a, err = Allocate(items, 30, AllocateConfig{Workers: 4})
	if err != nil || !cmp.Equal(a.Counts, []int{8, 2, 2}) {
		t.Fatalf("workers: %+v, %v", a, err)
	}
	// Shadow price: gain per cost of the last rollout taken.
	if want := (Knapsack{P: 0.5}).Gain(7); !approxEqual(a.ShadowPrice, want) {
		t.Errorf("ShadowPrice = %v, want %v", a.ShadowPrice, want)
	}
}

func TestAllocateBadInput(t *testing.T) {
	ok := Item{Value: Knapsack{P: 0.5}}
	cases := []struct {
		name   string
		items  []Item
		budget float64
		opts   AllocateConfig
		want   error
	}{
		{"NaN p", []Item{{Value: Knapsack{P: math.NaN()}}}, 10, AllocateConfig{}, ErrInvalid},
		{"p > 1", []Item{{Value: Knapsack{P: 1.5}}}, 10, AllocateConfig{}, ErrInvalid},
		{"nil value", []Item{{}}, 10, AllocateConfig{}, ErrInvalid},
		{"NaN cost", []Item{{Value: Knapsack{P: 0.5}, Cost: math.NaN()}}, 10, AllocateConfig{}, ErrInvalid},
		{"negative cost", []Item{{Value: Knapsack{P: 0.5}, Cost: -1}}, 10, AllocateConfig{}, ErrInvalid},
		{"Min > Max", []Item{{Value: Knapsack{P: 0.5}, Min: 5, Max: 3}}, 10, AllocateConfig{}, ErrInvalid},
		{"NaN budget", []Item{ok}, math.NaN(), AllocateConfig{}, ErrInvalid},
		{"negative budget", []Item{ok}, -1, AllocateConfig{}, ErrInvalid},
		{"infeasible", []Item{ok, ok}, 3, AllocateConfig{}, ErrInfeasible},
		{"exact too large", []Item{{Value: Knapsack{P: 0.5}, Min: 1, Max: 2}}, 3, AllocateConfig{Exact: true}, ErrInfeasible},
		{"negative workers", []Item{ok}, 10, AllocateConfig{Workers: -1}, ErrInvalid},
		{"spread index", []Item{ok}, 10, AllocateConfig{SpreadOver: []int{3}}, ErrInvalid},
		{"bad gain", []Item{{Value: GainFunc(func(int) float64 { return math.NaN() })}}, 10, AllocateConfig{}, ErrInvalid},
		{"negative gain", []Item{{Value: GainFunc(func(int) float64 { return -1 })}}, 10, AllocateConfig{Solver: SolverRatioGreedy}, ErrInvalid},
		{"greedy unequal", []Item{ok, {Value: Knapsack{P: 0.5}, Cost: 2}}, 10, AllocateConfig{Solver: SolverGreedy}, ErrInvalid},
		{"dp limit", []Item{ok}, 1000, AllocateConfig{Solver: SolverDP, DPWorkLimit: 10}, ErrTooLarge},
		{"unknown solver", []Item{ok}, 10, AllocateConfig{Solver: 99}, ErrInvalid},
	}
	for _, c := range cases {
		if _, err := Allocate(c.items, c.budget, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	a, err := Allocate(nil, 10, AllocateConfig{})
	if err != nil || len(a.Counts) != 0 || a.Unspent != 10 {
		t.Errorf("empty: %+v, %v", a, err)
	}
}

func TestGVM(t *testing.T) {
	v, err := GVM(2, 0.25, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// w = 2/√(0.25 + 1e-3/0.25) = 2/√0.254.
	if want := 2 / math.Sqrt(0.254); !approxEqual(v.Sigma, want) {
		t.Fatalf("Sigma = %v, want %v", v.Sigma, want)
	}
	if v, _ := GVM(0, 0.5, 0, 0); v.Sigma != 0 {
		t.Fatal("g = 0 must give weight 0")
	}
	if v, _ := GVM(1, 0, 0, 0); v.Sigma != 0 {
		t.Fatal("p = 0 must give weight 0")
	}
	if _, err := GVM(1, 2, 0, 0); !errors.Is(err, ErrInvalid) {
		t.Fatal("p = 2 accepted")
	}
	// n ∝ w: two prompts with weights 1 and 3 split 40 rollouts 10 : 30.
	a, err := Allocate([]Item{{Value: Neyman{Sigma: 1}, Min: 1, Max: 100}, {Value: Neyman{Sigma: 3}, Min: 1, Max: 100}}, 40, AllocateConfig{})
	if err != nil || !cmp.Equal(a.Counts, []int{10, 30}) {
		t.Fatalf("Neyman split: %+v, %v", a, err)
	}
}

func FuzzAllocate(f *testing.F) {
	f.Add(0.3, 0.7, 1.0, 2.0, 2, 10, 40.0, uint8(0), false)
	f.Add(0.0, 1.0, 0.0, 3.0, 0, 0, 5.0, uint8(3), true)
	f.Fuzz(func(t *testing.T, p1, p2, c1, c2 float64, lo, hi int, budget float64, solver uint8, exact bool) {
		if hi > 300 || lo > 300 || budget > 1e5 {
			return
		}
		items := []Item{
			{Value: Knapsack{P: p1}, Cost: c1, Min: lo, Max: hi},
			{Value: BetaKnapsack{Alpha: p2 + 1, Beta: c2 + 1}, Cost: c2, Min: lo, Max: hi},
		}
		a, err := Allocate(items, budget, AllocateConfig{Solver: Solver(solver % 6), Exact: exact, DPWorkLimit: 1e6})
		if err != nil {
			return
		}
		if a.Spent > budget*(1+1e-9)+1e-9 {
			t.Fatalf("overspent: %+v with budget %v", a, budget)
		}
	})
}

func TestGreedyWarmStartIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 40; trial++ {
		m := 20 + r.IntN(300)
		items := make([]Item, m)
		for i := range items {
			var v Value = Knapsack{P: r.Float64()}
			switch r.IntN(3) {
			case 1:
				v = BetaKnapsack{Alpha: 0.5 + 4*r.Float64(), Beta: 0.5 + 4*r.Float64()}
			case 2:
				v = MixedGroup{P: float64(r.IntN(5)) / 4} // includes 0 and 1, and ties
			}
			items[i] = Item{Value: v, Min: r.IntN(3), Max: 3 + r.IntN(60)}
		}
		budget := float64(m * (3 + r.IntN(30)))
		for _, exact := range []bool{false, true} {
			opts := AllocateConfig{Solver: SolverGreedy, Exact: exact}
			warm, err1 := Allocate(items, budget, opts)
			noWarm = true
			cold, err2 := Allocate(items, budget, opts)
			noWarm = false
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("errors differ: %v vs %v", err1, err2)
			}
			if err1 != nil {
				continue
			}
			if diff := cmp.Diff(cold.Counts, warm.Counts); diff != "" {
				t.Fatalf("trial %d exact=%v: warm start changed the greedy (-cold +warm):\n%s", trial, exact, diff)
			}
			lag, err := Allocate(items, budget, AllocateConfig{Solver: SolverLagrangian, Exact: exact})
			if err != nil || !approxEqual(lag.Objective, warm.Objective) {
				t.Fatalf("lagrangian %v (%v) vs greedy %v", lag.Objective, err, warm.Objective)
			}
		}
	}
}
