package router

import (
	"fmt"
	"slices"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// CascadeRecord is one calibration query for FitCascade: for each candidate
// model m, the confidence score of m's answer (in [0, 1]), the answer's
// quality (1 = correct; any finite value) and the call's cost (≥ 0).
type CascadeRecord struct {
	Confidence, Quality, Cost []float64
}

// FitConfig configures FitCascade. Zero fields mean the defaults.
type FitConfig struct {
	// Order is the stage order as model indices into the records (default
	// 0, 1, …, M−1). Ignored when SearchOrder is set.
	Order []int
	// GridPoints is the number of quantile levels per stage (default 40,
	// scipy.optimize.brute's Ns in the reference).
	GridPoints int
	// SearchOrder fits every ordered subset of 1…MaxStages distinct models
	// and keeps the best (FrugalGPT's model-list search).
	SearchOrder bool
	// MaxStages bounds the cascade length when SearchOrder is set (default
	// 3, the reference's cascade_depth).
	MaxStages int
	// Compat restricts the search to non-decreasing quantile levels
	// q₁ ≤ q₂ ≤ …, as the reference optimizer (FrugalGPT's optimizer.py)
	// does. The restriction can miss the optimum (a later stage often
	// needs a lower level than an earlier one), so the default searches
	// every tuple of levels; set Compat to reproduce the reference's fits.
	Compat bool
}

// CascadeFit is a fitted cascade.
type CascadeFit struct {
	// Order lists the stages as model indices.
	Order []int
	// Thresholds are the confidence thresholds (len(Order) − 1) and
	// Quantiles the quantile levels they were derived from.
	Thresholds, Quantiles []float64
	// Quality and Cost are the mean quality and mean cost per query of the
	// fitted cascade on the records.
	Quality, Cost float64
}

// Cascade builds the fitted cascade over models (indexed as in the records).
func (f CascadeFit) Cascade(models []Model, scorer ConfidenceScorer) (*Cascade, error) {
	stages := make([]Model, len(f.Order))
	for j, m := range f.Order {
		if m < 0 || m >= len(models) {
			return nil, fmt.Errorf("%w: fit order[%d] = %d with %d models", ErrInvalid, j, m, len(models))
		}
		stages[j] = models[m]
	}
	return NewCascade(stages, f.Thresholds, scorer)
}

// FitCascade fits FrugalGPT's cascade thresholds with the default FitConfig.
func FitCascade(records []CascadeRecord, budgetPerQuery float64) (CascadeFit, error) {
	return FitConfig{}.Fit(records, budgetPerQuery)
}

// Fit fits a cascade's thresholds to maximise mean quality on the records
// subject to mean cost ≤ budgetPerQuery, on FrugalGPT's grid: stage j's
// threshold is parametrised by a quantile level qⱼ on
//
//	qⱼ ∈ {10⁻⁵ + k·(1 − 2·10⁻⁵)/(G − 1) : k = 0…G−1},
//
// and set to τⱼ = Quantile(confidences at stage j of the queries that
// reached stage j, qⱼ) with linear interpolation, so a fraction ≈ qⱼ of
// them escalates. Every tuple of grid levels is evaluated (the reference
// evaluates only non-decreasing ones, q₁ ≤ q₂ ≤ …; FitConfig.Compat
// restores that restriction) and the best feasible one returned; ties go
// to the cheaper, then to the first in grid order. A query that stops at
// stage j pays Σ_{i ≤ j} costs. Two levels that accept the same queries at
// a stage are equivalent, so only the first is explored, and a branch is
// cut as soon as its cost exceeds the budget (costs only grow deeper in the
// cascade). When at most G queries reach each stage every distinct
// acceptance set except "all of them" is on the grid, so with SearchOrder
// (which also tries the shorter cascades that "all of them" amounts to) Fit
// finds the exact optimum over all thresholds and orders of ≤ MaxStages.
//
// Differences from the reference (stanford-futuredata/FrugalGPT,
// optimizer.py): by default the levels are not required to be
// non-decreasing (see Compat); the reference polishes the grid optimum
// with Nelder–Mead (scipy brute's finish=fmin), which cannot improve a
// piecewise-constant objective and is omitted; its last stage accepts only
// answers with score > 0, so a zero-score answer at the last stage is
// counted as neither paid nor correct — here the last stage always accepts
// and is paid for; it accepts on score > 1 − δ, here on confidence ≥ τ.
//
// It returns an error wrapping ErrInfeasible if no grid point meets the
// budget. Complexity O(G^(L−1)·n·log n) for L stages and n records
// (O(C(G+L−2, L−1)·n·log n) with Compat), per order searched; the search
// allocates O(L·n) per order, not per grid point.
func (cfg FitConfig) Fit(records []CascadeRecord, budgetPerQuery float64) (CascadeFit, error) {
	if len(records) == 0 {
		return CascadeFit{}, fmt.Errorf("%w: no records", ErrInvalid)
	}
	if !num.IsFinite(budgetPerQuery) || budgetPerQuery <= 0 {
		return CascadeFit{}, fmt.Errorf("%w: budgetPerQuery = %v (must be finite and > 0)", ErrInvalid, budgetPerQuery)
	}
	m := len(records[0].Confidence)
	if m == 0 {
		return CascadeFit{}, fmt.Errorf("%w: records[0] has no models", ErrInvalid)
	}
	for i, r := range records {
		if len(r.Confidence) != m || len(r.Quality) != m || len(r.Cost) != m {
			return CascadeFit{}, fmt.Errorf("%w: records[%d] has %d/%d/%d confidence/quality/cost values, want %d", ErrInvalid, i, len(r.Confidence), len(r.Quality), len(r.Cost), m)
		}
		for k := 0; k < m; k++ {
			if !(r.Confidence[k] >= 0 && r.Confidence[k] <= 1) {
				return CascadeFit{}, fmt.Errorf("%w: records[%d].Confidence[%d] = %v (must be in [0, 1])", ErrInvalid, i, k, r.Confidence[k])
			}
			if !num.IsFinite(r.Quality[k]) {
				return CascadeFit{}, fmt.Errorf("%w: records[%d].Quality[%d] = %v (must be finite)", ErrInvalid, i, k, r.Quality[k])
			}
			if !num.IsFinite(r.Cost[k]) || r.Cost[k] < 0 {
				return CascadeFit{}, fmt.Errorf("%w: records[%d].Cost[%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, k, r.Cost[k])
			}
		}
	}
	g := cfg.GridPoints
	if g == 0 {
		g = 40
	}
	if g < 2 || g > 1000 {
		return CascadeFit{}, fmt.Errorf("%w: GridPoints = %d (must be in [2, 1000])", ErrInvalid, cfg.GridPoints)
	}
	grid := make([]float64, g)
	const lo, hi = 1e-5, 1 - 1e-5
	for k := range grid {
		grid[k] = lo + float64(k)*(hi-lo)/float64(g-1)
	}
	var orders [][]int
	if cfg.SearchOrder {
		depth := cfg.MaxStages
		if depth == 0 {
			depth = 3
		}
		if depth < 1 {
			return CascadeFit{}, fmt.Errorf("%w: MaxStages = %d (must be ≥ 1)", ErrInvalid, cfg.MaxStages)
		}
		depth = min(depth, m)
		used := make([]bool, m)
		var cur []int
		var gen func()
		gen = func() {
			if len(cur) > 0 {
				orders = append(orders, slices.Clone(cur))
			}
			if len(cur) == depth {
				return
			}
			for k := 0; k < m; k++ {
				if !used[k] {
					used[k] = true
					cur = append(cur, k)
					gen()
					cur = cur[:len(cur)-1]
					used[k] = false
				}
			}
		}
		gen()
	} else {
		order := cfg.Order
		if order == nil {
			order = make([]int, m)
			for k := range order {
				order[k] = k
			}
		}
		seen := make([]bool, m)
		for j, k := range order {
			if k < 0 || k >= m || seen[k] {
				return CascadeFit{}, fmt.Errorf("%w: Order[%d] = %d (must be a distinct model index in [0, %d))", ErrInvalid, j, k, m)
			}
			seen[k] = true
		}
		if len(order) == 0 {
			return CascadeFit{}, fmt.Errorf("%w: empty Order", ErrInvalid)
		}
		orders = [][]int{order}
	}
	var best CascadeFit
	found := false
	for _, order := range orders {
		f, ok := fitOrder(records, order, grid, budgetPerQuery, cfg.Compat)
		if ok && (!found || f.Quality > best.Quality || (f.Quality == best.Quality && f.Cost < best.Cost)) {
			best, found = f, true
		}
	}
	if !found {
		return CascadeFit{}, fmt.Errorf("%w: no cascade meets mean cost ≤ %v", ErrInfeasible, budgetPerQuery)
	}
	return best, nil
}

type cascadeFitter struct {
	conf, qual, cum [][]float64 // [stage][record]
	grid            []float64
	limit           float64 // budget·n
	compat          bool
	qs, taus        []float64
	vals            [][]float64 // per-stage scratch: sorted confidences
	reach           [][]int     // per-stage scratch: records reaching stage j+1
	best            CascadeFit
	found           bool
}

func fitOrder(records []CascadeRecord, order []int, grid []float64, budget float64, compat bool) (CascadeFit, bool) {
	n, l := len(records), len(order)
	f := &cascadeFitter{grid: grid, limit: budget * float64(n), compat: compat, qs: make([]float64, l-1), taus: make([]float64, l-1)}
	f.conf = make([][]float64, l)
	f.qual = make([][]float64, l)
	f.cum = make([][]float64, l)
	f.vals = make([][]float64, l)
	f.reach = make([][]int, l)
	for j, m := range order {
		f.conf[j] = make([]float64, n)
		f.qual[j] = make([]float64, n)
		f.cum[j] = make([]float64, n)
		f.vals[j] = make([]float64, 0, n)
		f.reach[j] = make([]int, 0, n)
		for i, r := range records {
			f.conf[j][i] = r.Confidence[m]
			f.qual[j][i] = r.Quality[m]
			f.cum[j][i] = r.Cost[m]
			if j > 0 {
				f.cum[j][i] += f.cum[j-1][i]
			}
		}
	}
	rem := make([]int, n)
	for i := range rem {
		rem[i] = i
	}
	f.rec(0, rem, 0, 0, 0)
	if !f.found {
		return CascadeFit{}, false
	}
	f.best.Order = slices.Clone(order)
	f.best.Quality /= float64(n)
	f.best.Cost /= float64(n)
	return f.best, true
}

// rec searches stages j… for the records rem that reach stage j, with
// quality acc and cost spent so far; kmin is the lowest level allowed
// (the previous stage's level with Compat, else 0).
func (f *cascadeFitter) rec(j int, rem []int, kmin int, acc, cost float64) {
	last := len(f.conf) - 1
	if j == last {
		for _, i := range rem {
			acc += f.qual[j][i]
			cost += f.cum[j][i]
		}
		if cost > f.limit {
			return
		}
		if !f.found || acc > f.best.Quality || (acc == f.best.Quality && cost < f.best.Cost) {
			f.found = true
			f.best = CascadeFit{Thresholds: slices.Clone(f.taus), Quantiles: slices.Clone(f.qs), Quality: acc, Cost: cost}
		}
		return
	}
	vals := f.vals[j][:0]
	for _, i := range rem {
		vals = append(vals, f.conf[j][i])
	}
	sort.Float64s(vals)
	prevAccepted := -1
	for k := kmin; k < len(f.grid); k++ {
		tau := 1.0
		accepted := 0
		if len(vals) > 0 {
			tau = num.QuantileSorted(vals, f.grid[k])
			accepted = len(vals) - sort.SearchFloat64s(vals, tau)
		}
		// The same acceptance set as the previous level gives the same
		// subtree (with Compat, a subset of it, since kmin only grows), and
		// ties go to the first level: skip it.
		if accepted == prevAccepted {
			continue
		}
		prevAccepted = accepted
		a, c := acc, cost
		next := f.reach[j][:0]
		for _, i := range rem {
			if f.conf[j][i] >= tau {
				a += f.qual[j][i]
				c += f.cum[j][i]
			} else {
				next = append(next, i)
			}
		}
		if c > f.limit {
			continue // costs only grow deeper in the cascade
		}
		f.qs[j], f.taus[j] = f.grid[k], tau
		lo := 0
		if f.compat {
			lo = k
		}
		f.rec(j+1, next, lo, a, c)
		if len(vals) == 0 {
			return // nothing reaches this stage: every level is equivalent
		}
	}
}
