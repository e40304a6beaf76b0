package budget

import (
	"fmt"
	"math"
)

// lagrangian bisects on λ ≥ 0: at λ every item takes each rollout whose
// gain per cost exceeds λ, which for concave values is a prefix found by
// binary search. The smallest λ whose spend fits the budget is kept and the
// remaining budget is filled by the ratio greedy. Items with an infinite
// first gain (Neyman at n = 0) take that rollout at every λ.
func (p *problem) lagrangian(counts []int) error {
	lo, hi := 0.0, 0.0
	for i, it := range p.items {
		if p.lo[i] >= p.hi[i] {
			continue
		}
		g, err := gainOf(i, it.Value, p.lo[i])
		if err != nil {
			return err
		}
		if k := g / p.cost[i]; !math.IsInf(k, 1) && k > hi {
			hi = k
		}
	}
	take := make([]int, len(counts))
	spend := func(lambda float64) (float64, error) {
		var s float64
		for i, it := range p.items {
			a, b := 0, p.hi[i]-p.lo[i] // count of k with gain/cost > λ
			for a < b {
				mid := int(uint(a+b) >> 1)
				g, err := gainOf(i, it.Value, p.lo[i]+mid)
				if err != nil {
					return 0, err
				}
				if g/p.cost[i] > lambda {
					a = mid + 1
				} else {
					b = mid
				}
			}
			take[i] = a
			s += float64(a) * p.cost[i]
		}
		return s, nil
	}
	tol := 1e-9 * math.Max(1, p.budget)
	s, err := spend(lo)
	if err != nil {
		return err
	}
	if s > p.rest+tol {
		if s, err = spend(hi); err != nil {
			return err
		}
		if s > p.rest+tol {
			// Infinite first gains alone exceed the budget: no λ separates
			// them; the ratio greedy handles ties by index.
			return p.greedy(counts)
		}
		for iter := 0; iter < 100 && hi-lo > 1e-15*hi; iter++ {
			mid := lo + (hi-lo)/2
			if s, err = spend(mid); err != nil {
				return err
			}
			if s > p.rest+tol {
				lo = mid
			} else {
				hi = mid
			}
		}
		if s, err = spend(hi); err != nil {
			return err
		}
	}
	for i := range counts {
		counts[i] += take[i]
	}
	if s > p.rest+tol {
		return fmt.Errorf("%w: Lagrangian solution overspends (%v > %v); values may not be concave", ErrInvalid, s, p.rest)
	}
	return p.greedyFrom(counts, p.rest-s)
}
