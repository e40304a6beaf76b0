package budget

import (
	"fmt"
	"math"
)

// dp solves the multiple-choice knapsack exactly: for each item choose
// k ∈ [0, Max−Min] extra rollouts at integer cost k·c. f[w] is the best
// objective of the items so far within (or, in exact mode, at exactly) w
// units of the budget left after the minimums; the choice table records k
// for backtracking. Among equal objectives the smaller k wins.
func (p *problem) dp(counts []int) error {
	if !p.integral() {
		return fmt.Errorf("%w: SolverDP needs integer costs and a budget below 2^40", ErrInvalid)
	}
	if w := p.dpWork(); w > p.opts.DPWorkLimit {
		return fmt.Errorf("%w: DP work %d exceeds AllocateConfig.DPWorkLimit = %d", ErrTooLarge, w, p.opts.DPWorkLimit)
	}
	exact := p.opts.Exact
	r := int(math.Floor(p.rest + 1e-9))
	if exact && math.Abs(p.rest-float64(r)) > 1e-9 {
		return fmt.Errorf("%w: exact budget leaves a fractional %v after the minimums", ErrInfeasible, p.rest)
	}
	m := len(p.items)
	maxK := 0
	for i := range p.items {
		maxK = max(maxK, p.hi[i]-p.lo[i])
	}
	if maxK > math.MaxUint16 {
		return fmt.Errorf("%w: SolverDP supports at most %d rollouts above Min per item", ErrTooLarge, math.MaxUint16)
	}
	f := make([]float64, r+1)
	g := make([]float64, r+1)
	pre := make([]float64, maxK+1)
	choice := make([]uint16, m*(r+1))
	if exact {
		for w := 1; w <= r; w++ {
			f[w] = math.Inf(-1)
		}
	}
	for i, it := range p.items {
		c := int(p.cost[i])
		kmax := p.hi[i] - p.lo[i]
		if c > 0 {
			kmax = min(kmax, r/c)
		}
		pre[0] = 0
		for k := 1; k <= kmax; k++ {
			gain, err := gainOf(i, it.Value, p.lo[i]+k-1)
			if err != nil {
				return err
			}
			if math.IsInf(gain, 1) {
				return fmt.Errorf("%w: SolverDP needs finite gains; items[%d].Value.Gain(%d) = +Inf", ErrInvalid, i, p.lo[i]+k-1)
			}
			pre[k] = pre[k-1] + gain
		}
		ch := choice[i*(r+1) : (i+1)*(r+1)]
		copy(g, f) // k = 0
		for k := 1; k <= kmax; k++ {
			off := k * c
			pk := pre[k]
			src := f[:r+1-off]
			dst := g[off:]
			chk := ch[off:]
			for w, v := range src {
				if v+pk > dst[w] {
					dst[w] = v + pk
					chk[w] = uint16(k)
				}
			}
		}
		f, g = g, f
	}
	if math.IsInf(f[r], -1) {
		return fmt.Errorf("%w: no allocation spends exactly %v", ErrInfeasible, p.budget)
	}
	w := r
	for i := m - 1; i >= 0; i-- {
		k := int(choice[i*(r+1)+w])
		counts[i] += k
		w -= k * int(p.cost[i])
	}
	return nil
}
