package router

import (
	"fmt"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Assignment is AssignBatch's result.
type Assignment struct {
	// Choice[i] is the model assigned to query i.
	Choice []int
	// Quality and Cost are the totals Σ quality[i][Choice[i]] and
	// Σ cost[i][Choice[i]]; Cost ≤ the budget.
	Quality, Cost float64
	// Lambda is the dual price λ* (quality per unit cost) at which the
	// Lagrangian choice meets the budget; 0 when the budget does not bind.
	Lambda float64
	// Bound is the LP-relaxation upper bound on the total quality of any
	// assignment within budget, and Gap = Bound − Quality ≥ 0 the
	// certified optimality gap: the exact optimum lies in [Quality, Bound].
	Bound, Gap float64
}

// AssignBatch assigns each of n queries one of M models to maximise total
// predicted quality under a total cost budget — the multiple-choice
// knapsack problem
//
//	max Σᵢ quality[i][xᵢ]  s.t.  Σᵢ cost[i][xᵢ] ≤ budget
//
// (FORC's cost-oriented assignment; MMR-Bench's budgeted routing). Its LP
// relaxation is solved through the Lagrangian
//
//	D(λ) = λ·budget + Σᵢ maxₘ (quality[i][m] − λ·cost[i][m]),  λ ≥ 0,
//
// whose minimiser λ* is the price at which the per-query argmax meets the
// budget. Rather than bisecting on λ, AssignBatch finds λ* exactly, which is
// where bisection converges: each query's options are reduced to the upper
// convex hull of (cost, quality), and the hull segments, taken in order of
// decreasing slope Δq/Δc from the all-cheapest assignment, trace the argmax
// as λ falls (Sinha & Zoltners, "The Multiple-Choice Knapsack Problem",
// Operations Research 1979). The first segment that does not fit sets λ*
// (its slope) and the LP optimum (that segment taken fractionally), which
// is reported as Bound. The repair step keeps scanning the remaining
// segments in slope order, taking those that still fit, so the leftover
// budget buys the best upgrades per dollar. Gap = Bound − Quality certifies
// the result: the integer optimum lies in [Quality, Bound], and Gap is at
// most one query's quality spread.
//
// quality and cost are n×M with finite entries, costs ≥ 0, budget > 0. It
// returns ErrInfeasible if even the cheapest model for every query exceeds
// the budget. Ties go to the cheaper model. Complexity O(nM log M + S log S)
// for S ≤ n(M−1) hull segments.
func AssignBatch(quality, cost [][]float64, budget float64) (Assignment, error) {
	n := len(quality)
	if n == 0 {
		return Assignment{}, fmt.Errorf("%w: no queries", ErrInvalid)
	}
	if len(cost) != n {
		return Assignment{}, fmt.Errorf("%w: %d quality rows and %d cost rows", ErrInvalid, n, len(cost))
	}
	if !num.IsFinite(budget) || budget <= 0 {
		return Assignment{}, fmt.Errorf("%w: budget = %v (must be finite and > 0)", ErrInvalid, budget)
	}
	m := len(quality[0])
	if m == 0 {
		return Assignment{}, fmt.Errorf("%w: no models", ErrInvalid)
	}
	for i := range quality {
		if len(quality[i]) != m || len(cost[i]) != m {
			return Assignment{}, fmt.Errorf("%w: row %d has %d qualities and %d costs, want %d", ErrInvalid, i, len(quality[i]), len(cost[i]), m)
		}
		for k := 0; k < m; k++ {
			if !num.IsFinite(quality[i][k]) {
				return Assignment{}, fmt.Errorf("%w: quality[%d][%d] = %v (must be finite)", ErrInvalid, i, k, quality[i][k])
			}
			if c := cost[i][k]; !num.IsFinite(c) || c < 0 {
				return Assignment{}, fmt.Errorf("%w: cost[%d][%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, k, c)
			}
		}
	}

	a, _, err := solveMCKP(quality, cost, budget)
	return a, err
}

// solveMCKP is AssignBatch on validated input. It also returns the largest
// hull slope, the price above which every query takes its cheapest option
// (the dual price of an infeasible budget); Pacer's warm start reads it.
func solveMCKP(quality, cost [][]float64, budget float64) (Assignment, float64, error) {
	n, m := len(quality), len(quality[0])
	// Hulls: per query, options by increasing cost with strictly increasing
	// quality and strictly decreasing slopes. Segments are stored flat.
	x := make([]int, n)
	segs := make([]segment, 0, n)
	order := make([]int, m)
	hull := make([]int, 0, m)
	var base, qBase float64
	for i, row := range quality {
		crow := cost[i]
		// Insertion sort (M is small): by cost, then by quality descending.
		for k := range order {
			order[k] = k
			for j := k; j > 0; j-- {
				a, b := order[j-1], order[j]
				if crow[a] < crow[b] || (crow[a] == crow[b] && row[a] >= row[b]) {
					break
				}
				order[j-1], order[j] = b, a
			}
		}
		hull = hull[:0]
		for _, k := range order {
			if len(hull) > 0 && row[k] <= row[hull[len(hull)-1]] {
				continue // dominated: costs at least as much for no more quality
			}
			for len(hull) >= 2 {
				a, b := hull[len(hull)-2], hull[len(hull)-1]
				// Pop b if it lies on or below the chord a→k.
				if (row[b]-row[a])*(crow[k]-crow[a]) <= (row[k]-row[a])*(crow[b]-crow[a]) {
					hull = hull[:len(hull)-1]
				} else {
					break
				}
			}
			hull = append(hull, k)
		}
		x[i] = hull[0]
		base += crow[hull[0]]
		qBase += row[hull[0]]
		for h := 1; h < len(hull); h++ {
			a, b := hull[h-1], hull[h]
			dq, dc := row[b]-row[a], crow[b]-crow[a]
			segs = append(segs, segment{slope: dq / dc, dq: dq, dc: dc, i: int32(i), to: int32(b)})
		}
	}
	top := 0.0
	for _, sg := range segs {
		top = max(top, sg.slope)
	}
	if base > budget {
		return Assignment{}, top, fmt.Errorf("%w: the cheapest assignment costs %v > budget %v", ErrInfeasible, base, budget)
	}
	slices.SortFunc(segs, func(a, b segment) int {
		if a.slope != b.slope {
			if a.slope > b.slope {
				return -1
			}
			return 1
		}
		return int(a.i - b.i)
	})
	left := budget - base
	var gained, bound float64
	lambda, broken := 0.0, false
	blocked := make([]bool, n)
	for _, s := range segs {
		if blocked[s.i] {
			continue
		}
		if s.dc <= left {
			x[s.i] = int(s.to)
			left -= s.dc
			gained += s.dq
			continue
		}
		if !broken {
			broken, lambda = true, s.slope
			bound = gained + s.dq*left/s.dc
		}
		blocked[s.i] = true
	}
	var q, c float64
	for i, k := range x {
		q += quality[i][k]
		c += cost[i][k]
	}
	if !broken {
		bound = q // every query got its best model: optimal
	} else {
		bound += qBase // bound was relative to the all-cheapest assignment
	}
	return Assignment{Choice: x, Quality: q, Cost: c, Lambda: lambda, Bound: bound, Gap: max(0, bound-q)}, top, nil
}

type segment struct {
	slope, dq, dc float64
	i, to         int32
}
