package router

import (
	"math"
	"slices"
	"testing"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// issue13Records is the instance from issue 13 on which the reference's
// non-decreasing quantile constraint misses the optimum.
func issue13Records() []CascadeRecord {
	conf := [][]float64{{0.9, 0.6, 0.2}, {0.4, 0.7, 0.8}, {0.4, 0.6, 0.4}, {0.1, 0.8, 0.2}, {0.2, 0.6, 0.1}}
	qual := [][]float64{{0, 0, 1}, {0, 1, 0}, {1, 0, 0}, {0, 1, 0}, {0, 1, 1}}
	out := make([]CascadeRecord, len(conf))
	for i := range conf {
		out[i] = CascadeRecord{Confidence: conf[i], Quality: qual[i], Cost: []float64{1, 3, 10}}
	}
	return out
}

func TestFitCascadeIssue13Example(t *testing.T) {
	records := issue13Records()
	fit, err := FitConfig{SearchOrder: true}.Fit(records, 8)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.Quality-0.8) > 1e-12 || fit.Cost > 8 {
		t.Errorf("Fit = %+v, want quality 0.80 within cost 8", fit)
	}
	if q, c := evalCascade(records, fit.Order, fit.Thresholds); math.Abs(q-fit.Quality) > 1e-12 || math.Abs(c-fit.Cost) > 1e-12 {
		t.Errorf("thresholds %v on order %v give %v/%v, fit says %v/%v", fit.Thresholds, fit.Order, q, c, fit.Quality, fit.Cost)
	}
	best, _ := exactCascadeOptimum(records, 8, 3)
	if math.Abs(best-0.8) > 1e-12 {
		t.Errorf("brute force optimum %v, want 0.80", best)
	}
	// The reference's constrained search stops at 0.60 on this instance.
	compat, err := FitConfig{SearchOrder: true, Compat: true}.Fit(records, 8)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(compat.Quality-0.6) > 1e-12 {
		t.Errorf("Compat quality = %v, want the reference's 0.60", compat.Quality)
	}
	if compat.Quantiles != nil && !slices.IsSorted(compat.Quantiles) {
		t.Errorf("Compat quantiles %v decrease", compat.Quantiles)
	}
}

// exactCascadeOptimum is the best mean quality with mean cost ≤ budget over
// every ordered subset of ≤ depth models and every threshold at every
// stage: τ ranges over the distinct confidences of the records reaching
// the stage and +∞ (accept none), which realises every acceptance set a
// threshold can.
func exactCascadeOptimum(records []CascadeRecord, budget float64, depth int) (float64, bool) {
	m := len(records[0].Confidence)
	n := float64(len(records))
	best, found := 0.0, false
	var stages func(order []int, j int, rem []int, q, c float64)
	stages = func(order []int, j int, rem []int, q, c float64) {
		k := order[j]
		if j == len(order)-1 {
			for _, i := range rem {
				q += records[i].Quality[k]
				c += records[i].Cost[k]
			}
			if c <= budget*n*(1+1e-12) && (!found || q/n > best) {
				best, found = q/n, true
			}
			return
		}
		taus := []float64{math.Inf(1)}
		for _, i := range rem {
			taus = append(taus, records[i].Confidence[k])
		}
		slices.Sort(taus)
		taus = slices.Compact(taus)
		for _, tau := range taus {
			a, s := q, c
			var next []int
			for _, i := range rem {
				s += records[i].Cost[k]
				if records[i].Confidence[k] >= tau {
					a += records[i].Quality[k]
				} else {
					next = append(next, i)
				}
			}
			stages(order, j+1, next, a, s)
		}
	}
	all := make([]int, len(records))
	for i := range all {
		all[i] = i
	}
	used := make([]bool, m)
	var orders func(order []int)
	orders = func(order []int) {
		if len(order) > 0 {
			stages(order, 0, all, 0, 0)
		}
		if len(order) == depth {
			return
		}
		for k := 0; k < m; k++ {
			if !used[k] {
				used[k] = true
				orders(append(order, k))
				used[k] = false
			}
		}
	}
	orders(nil)
	return best, found
}

// smallCascadeInstance draws n records over m models with confidences on a
// 0.1 grid (ties on purpose), 0/1 qualities and increasing random costs, and
// a budget between the cheapest and the dearest model's mean cost.
func smallCascadeInstance(seed uint64, n, m int) ([]CascadeRecord, float64) {
	r := randx.New(seed, 13)
	cost := make([]float64, m)
	for k := range cost {
		cost[k] = math.Round(math.Pow(3, float64(k))*(0.5+r.Float64())*100) / 100
	}
	out := make([]CascadeRecord, n)
	for i := range out {
		rec := CascadeRecord{Confidence: make([]float64, m), Quality: make([]float64, m), Cost: slices.Clone(cost)}
		for k := 0; k < m; k++ {
			rec.Confidence[k] = float64(r.IntN(11)) / 10
			if r.Float64() < 0.3+0.15*float64(k) {
				rec.Quality[k] = 1
			}
		}
		out[i] = rec
	}
	lo, hi := slices.Min(cost), slices.Max(cost)
	return out, lo + r.Float64()*(hi+cost[0]-lo)
}

// TestFitCascadeOptimalOnSmallInstances is issue 13's acceptance test: on
// small random instances the default search (with SearchOrder) reaches the
// exact optimum over all orders and thresholds on ≥ 99% of them. With at
// most GridPoints records every acceptance set is on the grid, so it should
// in fact reach it on all of them; the reference's constraint (Compat) does
// not.
func TestFitCascadeOptimalOnSmallInstances(t *testing.T) {
	const trials = 300
	hits, compatHits, feasible := 0, 0, 0
	for seed := uint64(1); seed <= trials; seed++ {
		n := 3 + int(seed%10)
		records, budget := smallCascadeInstance(seed, n, 3)
		want, ok := exactCascadeOptimum(records, budget, 3)
		fit, err := FitConfig{SearchOrder: true}.Fit(records, budget)
		if !ok {
			if err == nil {
				t.Errorf("seed %d: brute force infeasible, Fit = %+v", seed, fit)
			}
			continue
		}
		feasible++
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if fit.Quality > want+1e-9 {
			t.Fatalf("seed %d: Fit %v beats the exact optimum %v", seed, fit.Quality, want)
		}
		q, c := evalCascade(records, fit.Order, fit.Thresholds)
		if math.Abs(q-fit.Quality) > 1e-9 || math.Abs(c-fit.Cost) > 1e-9 || c > budget*(1+1e-12) {
			t.Errorf("seed %d: thresholds give %v/%v, fit says %v/%v (budget %v)", seed, q, c, fit.Quality, fit.Cost, budget)
		}
		if fit.Quality >= want-1e-9 {
			hits++
		} else {
			t.Logf("seed %d: Fit %v < optimum %v", seed, fit.Quality, want)
		}
		if cf, err := (FitConfig{SearchOrder: true, Compat: true}).Fit(records, budget); err == nil && cf.Quality >= want-1e-9 {
			compatHits++
		}
	}
	t.Logf("optimum reached on %d/%d feasible instances (Compat: %d/%d)", hits, feasible, compatHits, feasible)
	if feasible < trials/2 {
		t.Fatalf("only %d feasible instances", feasible)
	}
	if float64(hits) < 0.99*float64(feasible) {
		t.Errorf("optimum on %d/%d < 99%%", hits, feasible)
	}
	if compatHits == feasible {
		t.Errorf("Compat reached the optimum everywhere: the instances do not exercise the constraint")
	}
}

// TestFitCascadeGridBruteForce checks the default search on a fixed order
// against an independent enumeration of every tuple of grid levels (no
// monotonicity), on records with many ties.
func TestFitCascadeGridBruteForce(t *testing.T) {
	const g = 7
	grid := make([]float64, g)
	for k := range grid {
		grid[k] = 1e-5 + float64(k)*(1-2e-5)/float64(g-1)
	}
	for seed := uint64(1); seed <= 6; seed++ {
		records := randomRecords(seed, 40, 3)
		for _, budget := range []float64{2, 5, 12, 100} {
			fit, err := FitConfig{GridPoints: g}.Fit(records, budget)
			bestQ, found := 0.0, false
			for a := 0; a < g; a++ {
				var c0 []float64
				for _, r := range records {
					c0 = append(c0, r.Confidence[0])
				}
				t0, _ := Quantile(c0, grid[a])
				var c1 []float64
				for _, r := range records {
					if r.Confidence[0] < t0 {
						c1 = append(c1, r.Confidence[1])
					}
				}
				for b := 0; b < g; b++ {
					t1 := 1.0
					if len(c1) > 0 {
						t1, _ = Quantile(c1, grid[b])
					}
					q, c := evalCascade(records, []int{0, 1, 2}, []float64{t0, t1})
					if c <= budget*(1+1e-12) && (!found || q > bestQ) {
						bestQ, found = q, true
					}
				}
			}
			if !found {
				if err == nil {
					t.Errorf("seed %d budget %v: brute force infeasible, Fit = %+v", seed, budget, fit)
				}
				continue
			}
			if err != nil {
				t.Fatalf("seed %d budget %v: %v", seed, budget, err)
			}
			if math.Abs(fit.Quality-bestQ) > 1e-9 {
				t.Errorf("seed %d budget %v: Fit %v, brute force %v", seed, budget, fit.Quality, bestQ)
			}
			compat, err := FitConfig{GridPoints: g, Compat: true}.Fit(records, budget)
			if err == nil && compat.Quality > fit.Quality+1e-12 {
				t.Errorf("seed %d budget %v: Compat %v beats the unconstrained search %v", seed, budget, compat.Quality, fit.Quality)
			}
		}
	}
}

var fitSink CascadeFit

func BenchmarkFitCascade(b *testing.B) {
	for _, c := range []struct {
		name string
		n, m int
		cfg  FitConfig
	}{
		{"n=1000/m=3", 1000, 3, FitConfig{}},
		{"n=1000/m=3/Compat", 1000, 3, FitConfig{Compat: true}},
		{"n=200/m=4/SearchOrder", 200, 4, FitConfig{SearchOrder: true}},
		{"n=200/m=4/SearchOrder/Compat", 200, 4, FitConfig{SearchOrder: true, Compat: true}},
	} {
		records := randomRecords(7, c.n, c.m)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := c.cfg.Fit(records, 6)
				if err != nil {
					b.Fatal(err)
				}
				fitSink = f
			}
		})
	}
}
