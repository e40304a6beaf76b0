package router

import (
	"fmt"
	"math"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Assignment is AssignBatch's result.
type Assignment struct {
	// Choice[i] is the model assigned to query i.
	Choice []int
	// Quality and Cost are the totals Σ quality[i][Choice[i]] and
	// Σ cost[i][Choice[i]]; Cost ≤ the budget.
	Quality, Cost float64
	// Lambda is the dual price λ* at which the Lagrangian choice meets the
	// budget.
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
// (FORC's cost-oriented assignment; MMR-Bench's budgeted routing). It
// solves the LP relaxation through its Lagrangian dual
//
//	D(λ) = λ·budget + Σᵢ maxₘ (quality[i][m] − λ·cost[i][m]),  λ ≥ 0,
//
// bisecting on λ until the per-query argmax meets the budget (ties go to
// the cheaper model). The feasible argmax at λ* is then repaired greedily:
// the leftover budget buys the upgrades with the best quality gain per
// dollar. Every D(λ) evaluated bounds the optimum from above (weak duality);
// the smallest is reported as Bound, so Gap is a certificate, and it is at
// most one query's quality spread when λ* is located exactly.
//
// quality and cost are n×M with finite entries, costs ≥ 0, budget > 0. It
// returns ErrInfeasible if even the cheapest model for every query exceeds
// the budget. Complexity O(n·M·log(1/ε) + n log n).
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
	minCost := 0.0
	for i := range quality {
		if len(quality[i]) != m || len(cost[i]) != m {
			return Assignment{}, fmt.Errorf("%w: row %d has %d qualities and %d costs, want %d", ErrInvalid, i, len(quality[i]), len(cost[i]), m)
		}
		lo := math.Inf(1)
		for k := 0; k < m; k++ {
			if !num.IsFinite(quality[i][k]) {
				return Assignment{}, fmt.Errorf("%w: quality[%d][%d] = %v (must be finite)", ErrInvalid, i, k, quality[i][k])
			}
			if c := cost[i][k]; !num.IsFinite(c) || c < 0 {
				return Assignment{}, fmt.Errorf("%w: cost[%d][%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, k, c)
			}
			lo = min(lo, cost[i][k])
		}
		minCost += lo
	}
	if minCost > budget {
		return Assignment{}, fmt.Errorf("%w: the cheapest assignment costs %v > budget %v", ErrInfeasible, minCost, budget)
	}

	x := make([]int, n)
	bound := math.Inf(1)
	// eval fills x with the λ-argmax and returns its cost and quality and
	// the dual value D(λ).
	eval := func(lambda float64, x []int) (c, q float64) {
		var dual float64
		for i, row := range quality {
			crow := cost[i]
			best, bu := 0, row[0]-lambda*crow[0]
			for k := 1; k < len(row); k++ {
				u := row[k] - lambda*crow[k]
				if u > bu || (u == bu && crow[k] < crow[best]) {
					best, bu = k, u
				}
			}
			x[i] = best
			dual += bu
			c += crow[best]
			q += row[best]
		}
		bound = min(bound, dual+lambda*budget)
		return c, q
	}
	c0, q0 := eval(0, x)
	if c0 <= budget {
		return Assignment{Choice: x, Quality: q0, Cost: c0, Bound: bound, Gap: max(0, bound-q0)}, nil
	}
	// λmax: above it every query takes a cheapest option (ties by quality).
	hi := 0.0
	for i, row := range quality {
		crow := cost[i]
		cheap := 0
		for k := 1; k < m; k++ {
			if crow[k] < crow[cheap] || (crow[k] == crow[cheap] && row[k] > row[cheap]) {
				cheap = k
			}
		}
		for k := 0; k < m; k++ {
			if dc := crow[k] - crow[cheap]; dc > 0 && row[k] > row[cheap] {
				hi = max(hi, (row[k]-row[cheap])/dc)
			}
		}
	}
	hi = hi*(1+1e-9) + 1e-300
	xh := make([]int, n)
	ch, qh := eval(hi, xh)
	lo := 0.0
	for iter := 0; iter < 200 && hi-lo > 1e-12*hi; iter++ {
		mid := lo + (hi-lo)/2
		c, q := eval(mid, x)
		if c <= budget {
			hi, ch, qh = mid, c, q
			x, xh = xh, x
		} else {
			lo = mid
		}
	}
	// Repair: spend the leftover on the best upgrades per dollar.
	type upgrade struct {
		i, k   int
		dq, dc float64
	}
	left := budget - ch
	ups := make([]upgrade, 0, n/8)
	for i, row := range quality {
		crow := cost[i]
		cur := xh[i]
		best := -1
		var br float64
		for k := 0; k < m; k++ {
			dq, dc := row[k]-row[cur], crow[k]-crow[cur]
			if dq <= 0 || dc > left {
				continue
			}
			r := math.Inf(1)
			if dc > 0 {
				r = dq / dc
			}
			if best < 0 || r > br {
				best, br = k, r
			}
		}
		if best >= 0 {
			ups = append(ups, upgrade{i, best, row[best] - row[cur], crow[best] - crow[cur]})
		}
	}
	sort.Slice(ups, func(a, b int) bool {
		ra, rb := ups[a].dq/ups[a].dc, ups[b].dq/ups[b].dc
		if ra != rb {
			return ra > rb
		}
		return ups[a].i < ups[b].i
	})
	for _, u := range ups {
		if u.dc <= left {
			xh[u.i] = u.k
			left -= u.dc
			qh += u.dq
			ch += u.dc
		}
	}
	// Recompute the totals exactly (no drift from the incremental sums).
	ch, qh = 0, 0
	for i, k := range xh {
		ch += cost[i][k]
		qh += quality[i][k]
	}
	return Assignment{Choice: xh, Quality: qh, Cost: ch, Lambda: hi, Bound: bound, Gap: max(0, bound-qh)}, nil
}
