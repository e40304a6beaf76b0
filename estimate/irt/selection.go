package irt

import (
	"fmt"
	"math"
)

// Selection is a Session's item-selection rule.
type Selection int

const (
	// SelectAuto is SelectMaxInfo for D = 1 and SelectDOptimal for D > 1.
	SelectAuto Selection = iota
	// SelectMaxInfo picks the item of largest Fisher information at θ̂,
	// Iⱼ(θ̂) = wⱼ(θ̂)·aⱼ² (for D > 1 the trace wⱼ‖aⱼ‖²) — Fluid
	// Benchmarking's and catsim's MaxInfoSelector.
	SelectMaxInfo
	// SelectDOptimal picks the item that most increases log det M, where
	// M = Σ₀⁻¹ + Σ_administered Iⱼ(θ̂) is the prior-augmented information
	// matrix. By the matrix determinant lemma the gain is
	//
	//	log det(M + w a aᵀ) − log det M = log(1 + w·aᵀM⁻¹a)
	//
	// which costs O(D²) per candidate given M⁻¹.
	SelectDOptimal
	// SelectAOptimal picks the item that most decreases trace M⁻¹, the sum
	// of the posterior variances; by Sherman–Morrison the decrease is
	// w‖M⁻¹a‖² / (1 + w·aᵀM⁻¹a).
	SelectAOptimal
	// SelectRandom picks uniformly among the items that fit the budget: the
	// baseline adaptive selection is measured against.
	SelectRandom
)

// String returns the rule's name, or Selection(n) for an unknown value.
func (s Selection) String() string {
	switch s {
	case SelectAuto:
		return "auto"
	case SelectMaxInfo:
		return "max-information"
	case SelectDOptimal:
		return "D-optimal"
	case SelectAOptimal:
		return "A-optimal"
	case SelectRandom:
		return "random"
	}
	return fmt.Sprintf("Selection(%d)", int(s))
}

// gain returns item j's selection score before the cost discount.
func (s *Session) gain(j int) float64 {
	it := &s.bank[j]
	w := it.response(it.logit(s.theta)).w
	switch s.sel {
	case SelectMaxInfo:
		if s.d == 1 {
			return w * it.A[0] * it.A[0]
		}
		var aa float64
		for _, a := range it.A {
			aa += a * a
		}
		return w * aa
	case SelectDOptimal:
		if s.d == 1 {
			a := it.A[0]
			return math.Log1p(w * a * a * s.minv[0])
		}
		return math.Log1p(w * s.mulMinv(it.A))
	default: // SelectAOptimal
		q := s.mulMinv(it.A)
		var vv float64
		for _, x := range s.v {
			vv += x * x
		}
		return w * vv / (1 + w*q)
	}
}

// rankedGain is item j's selection score, gain/cost^γ, with NaN ranked
// last.
func (s *Session) rankedGain(j int, c float64) float64 {
	v := s.gain(j)
	switch g := s.cfg.CostExponent; g {
	case 0:
	case 1:
		v /= c
	default:
		v /= math.Pow(c, g)
	}
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	return v
}

// better orders candidates: the larger score, ties to the lower index.
func better(v float64, j int, w float64, k int) bool {
	return v > w || (v == w && j < k)
}

// minvBound returns an upper bound on the largest eigenvalue of M⁻¹: M⁻¹
// itself for D = 1, its trace otherwise (where the bounds are +Inf anyway).
func (s *Session) minvBound() float64 {
	var t float64
	for k := 0; k < s.d; k++ {
		t += s.minv[k*s.d+k]
	}
	return t
}

// gainBound turns an item's key wmax‖a‖²/cost^γ into an upper bound on its
// selection score given λ ≥ λmax(M⁻¹): the information w‖a‖² for
// max-information; log(1 + w aᵀM⁻¹a) ≤ w‖a‖²λ for D-optimality; and
// w‖M⁻¹a‖²/(1 + w aᵀM⁻¹a) ≤ w‖a‖²λ² for A-optimality. The bound is scaled
// up by 1e-9 against rounding, so pruning never drops a candidate.
func (s *Session) gainBound(key, lambda float64) float64 {
	switch s.sel {
	case SelectDOptimal:
		key *= lambda
	case SelectAOptimal:
		key *= lambda * lambda
	}
	return key * (1 + 1e-9)
}

// selectItem returns the index of the item to administer next under the
// selection rule, among the items not yet administered whose expected cost
// fits the remaining budget; ties go to the lowest index. It returns −1 if
// there is none. Random and randomesque selection draw from the session's
// seeded generator; other rules do not change the session.
//
// For D = 1 the scan visits items in decreasing order of a bound on their
// score (maxInfoWeight·‖a‖²/cost^γ, sorted once by NewSession) and stops
// when the bound falls below the k-th best score found, so it returns
// exactly what a full pass would, usually after a small fraction of the
// bank (2 µs instead of 4.4 ms on 100,000 items). For D > 1 it is a full
// pass in index order.
//
// Cost: at most one pass over the bank, O(D²) per candidate for D-/A-optimal
// selection; no allocation.
func (s *Session) selectItem() int {
	rem := s.remaining()
	if s.sel == SelectRandom {
		n := 0
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				n++
			}
		}
		if n == 0 {
			return -1
		}
		k := s.rng.IntN(n)
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				if k == 0 {
					return j
				}
				k--
			}
		}
	}
	kk := len(s.topIdx)
	found := 0
	lambda := s.minvBound()
	for r, j32 := range s.byBound {
		j := int(j32)
		if found == kk {
			// Every later item's gain is at most its bound, and the bounds
			// only fall: stop once the best possible gain cannot beat (or
			// tie, for the lowest-index rule) the k-th best so far.
			if s.gainBound(s.bound[r], lambda) < s.topVal[kk-1] {
				break
			}
		}
		c := s.costs[j]
		if s.administered[j] || c > rem {
			continue
		}
		v := s.rankedGain(j, c)
		if found < kk {
			found++
		} else if !better(v, j, s.topVal[kk-1], s.topIdx[kk-1]) {
			continue
		}
		p := found - 1
		for p > 0 && better(v, j, s.topVal[p-1], s.topIdx[p-1]) {
			s.topVal[p], s.topIdx[p] = s.topVal[p-1], s.topIdx[p-1]
			p--
		}
		s.topVal[p], s.topIdx[p] = v, j
	}
	if found == 0 {
		return -1
	}
	if found == 1 || kk == 1 {
		return s.topIdx[0]
	}
	return s.topIdx[s.rng.IntN(found)]
}
