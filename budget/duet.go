package budget

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// DUETConfig configures DUETAllocate. Zero fields take the reference
// implementation's defaults (github.com/Haoyu-Hu/DUET, DuetAllocator).
type DUETConfig struct {
	// Fraction of the matched-uniform token budget to spend, in (0, 1].
	// Default 1.
	Fraction float64
	// BaseN is the uniform rollouts per prompt that define the full budget
	// B_full = BaseN · M · mean(L̂). Default 8.
	BaseN int
	// MinN and MaxN clip the rollouts per prompt. Defaults 1 and 32.
	MinN, MaxN int
	// Iterations of the bisection on log λ ∈ [−20, 20]. Default 60, enough
	// to converge in float64; the reference uses 10, which can leave the
	// budget noticeably over- or under-spent — set 10 to reproduce it.
	Iterations int
	// NoRepair skips the final repair that trims rollouts from the longest
	// prompts until Σ n·L̂ is within the budget.
	NoRepair bool
}

// DUETAllocation is the result of DUETAllocate.
type DUETAllocation struct {
	// Counts[q] is the number of rollouts of prompt q, after the repair.
	Counts []int
	// Bisected[q] is prompt q's count at λ★, before the repair: the
	// reference's DuetAllocation.n_q, from which it computes the propensity
	// weights (p_pre_q). Pass Bisected, not Counts, to PropensityWeights to
	// weight as the reference does.
	Bisected []int
	// Lambda is the multiplier λ★ the bisection settled on.
	Lambda float64
	// Budget is the token budget Fraction·BaseN·M·mean(L̂); Used is Σ n·L̂.
	Budget, Used float64
}

// DUETAllocate is the cost-weighted Neyman allocation of "DUET: Optimize
// Token-Budget Allocation for RLVR". Prompt q with signal estimate ŝ_q ≥ 0
// and mean rollout length L̂_q > 0 receives
//
//	n_q(λ) = clip(round(ŝ_q / √(λ · max(L̂_q, 1))), MinN, MaxN)
//
// (round half to even, as Python's round), the stationary point of
// min Σ ŝ_q²/n_q s.t. Σ n_q L̂_q ≤ B. λ is found by bisection on
// log λ ∈ [−20, 20] so that Σ n_q L̂_q meets B = Fraction·BaseN·M·mean(L̂);
// since rounding can still overshoot, a repair step then removes rollouts
// from the longest prompts (never below MinN) until the budget holds, as the
// reference's trainer does (it stops after 4·M removals; the repair here
// always restores the budget when MinN allows). Bisected keeps the counts
// before the repair, which the reference's propensity weights use.
//
// O(Iterations·M + M log M) time.
func DUETAllocate(signal, length []float64, cfg DUETConfig) (DUETAllocation, error) {
	if cfg.Fraction == 0 {
		cfg.Fraction = 1
	}
	if cfg.BaseN == 0 {
		cfg.BaseN = 8
	}
	if cfg.MinN == 0 {
		cfg.MinN = 1
	}
	if cfg.MaxN == 0 {
		cfg.MaxN = 32
	}
	if cfg.Iterations == 0 {
		cfg.Iterations = 60
	}
	switch {
	case !(cfg.Fraction > 0 && cfg.Fraction <= 1):
		return DUETAllocation{}, fmt.Errorf("%w: DUETConfig.Fraction = %v (must be in (0, 1])", ErrInvalid, cfg.Fraction)
	case cfg.BaseN < 0:
		return DUETAllocation{}, fmt.Errorf("%w: DUETConfig.BaseN = %d (must be > 0)", ErrInvalid, cfg.BaseN)
	case cfg.MinN < 0 || cfg.MaxN < cfg.MinN:
		return DUETAllocation{}, fmt.Errorf("%w: DUETConfig MinN = %d, MaxN = %d (need 0 ≤ MinN ≤ MaxN)", ErrInvalid, cfg.MinN, cfg.MaxN)
	case cfg.Iterations < 0:
		return DUETAllocation{}, fmt.Errorf("%w: DUETConfig.Iterations = %d (must be ≥ 0)", ErrInvalid, cfg.Iterations)
	case len(signal) != len(length):
		return DUETAllocation{}, fmt.Errorf("%w: len(signal) = %d, len(length) = %d (must match)", ErrInvalid, len(signal), len(length))
	case len(signal) == 0:
		return DUETAllocation{}, fmt.Errorf("%w: empty batch", ErrInvalid)
	}
	for q := range signal {
		if !num.IsFinite(signal[q]) || signal[q] < 0 {
			return DUETAllocation{}, fmt.Errorf("%w: signal[%d] = %v (must be finite and ≥ 0)", ErrInvalid, q, signal[q])
		}
		if !num.IsFinite(length[q]) || length[q] <= 0 {
			return DUETAllocation{}, fmt.Errorf("%w: length[%d] = %v (must be finite and > 0)", ErrInvalid, q, length[q])
		}
	}
	m := len(signal)
	if m > MaxDUETPrompts || cfg.BaseN > MaxDUETPrompts || cfg.MaxN > MaxDUETPrompts {
		return DUETAllocation{}, fmt.Errorf("%w: %d prompts, BaseN %d, MaxN %d (each must be ≤ %d)", ErrInvalid, m, cfg.BaseN, cfg.MaxN, MaxDUETPrompts)
	}
	// B = Fraction · B_full, B_full = (M·BaseN)·mean(L̂), in the reference's
	// order of operations, with numpy's pairwise mean.
	meanL := numpyPairwiseSum(length) / float64(m)
	a := DUETAllocation{Counts: make([]int, m)}
	a.Budget = cfg.Fraction * (float64(m*cfg.BaseN) * meanL)
	if math.IsInf(a.Budget, 0) {
		return DUETAllocation{}, fmt.Errorf("%w: token budget overflows (lengths up to %v)", ErrInvalid, slices.Max(length))
	}
	at := func(lambda float64) float64 {
		sq := math.Sqrt(math.Max(lambda, 1e-30))
		var used float64
		for q := range signal {
			n := math.RoundToEven(signal[q] / (sq * math.Sqrt(math.Max(length[q], 1))))
			n = math.Max(float64(cfg.MinN), math.Min(float64(cfg.MaxN), n))
			a.Counts[q] = int(n)
			used += n * length[q]
		}
		return used
	}
	lo, hi := -20.0, 20.0
	for it := 0; it < cfg.Iterations; it++ {
		mid := 0.5 * (lo + hi)
		if at(math.Exp(mid)) > a.Budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	// The reference evaluates the final allocation at the bracket's midpoint.
	a.Lambda = math.Exp(0.5 * (lo + hi))
	a.Used = at(a.Lambda)
	a.Bisected = slices.Clone(a.Counts)
	if !cfg.NoRepair && a.Used > a.Budget {
		// The reference's trim (ray_trainer.py, step 4b): while Σ n·L̂ > B,
		// decrement the longest prompt above MinN (lowest index on ties). The
		// longest stays longest until it reaches MinN, so one pass in
		// decreasing length suffices. The running total is re-summed in index
		// order, as the reference sums, whenever it comes within 1e-9 of B, so
		// the stopping decision is the reference's to the last bit.
		order := make([]int, m)
		for q := range order {
			order[q] = q
		}
		sort.SliceStable(order, func(i, j int) bool { return length[order[i]] > length[order[j]] })
		exact := func() float64 {
			var s float64
			for q, n := range a.Counts {
				s += float64(n) * length[q]
			}
			return s
		}
		used := a.Used
		for _, q := range order {
			for a.Counts[q] > cfg.MinN {
				if math.Abs(used-a.Budget) <= 1e-9*a.Budget {
					used = exact()
				}
				if !(used > a.Budget) {
					break
				}
				a.Counts[q]--
				used -= length[q]
			}
		}
		a.Used = exact()
	}
	return a, nil
}

// MaxDUETPrompts bounds DUETAllocate's batch size, BaseN and MaxN, so that
// M·BaseN and the counts stay far from overflow.
const MaxDUETPrompts = 1 << 24

// numpyPairwiseSum is numpy's float64 add.reduce (pairwise summation with
// eight accumulators over blocks of up to 128), written out so that
// DUETAllocate's budget B = Fraction·M·BaseN·mean(L̂) is bit-identical to
// the reference's np.mean.
func numpyPairwiseSum(x []float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		var s float64
		for _, v := range x {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], x[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += x[i+j]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += x[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return numpyPairwiseSum(x[:n2]) + numpyPairwiseSum(x[n2:])
	}
}

// PropensityWeights returns DUET's inverse-propensity weights for a batch
// allocated counts n:
//
//	w_q = 1 / clip(n_q / n̄, ε, 1),   n̄ = max(1, mean(n))
//
// which DUET multiplies into advantages so that prompts sampled less than
// uniformly are not under-weighted (the reference's SNIPS propensity,
// p_pre). eps defaults to 0.05 when zero.
func PropensityWeights(n []int, eps float64) ([]float64, error) {
	if eps == 0 {
		eps = 0.05
	}
	if !(eps >= 1e-300 && eps <= 1) {
		return nil, fmt.Errorf("%w: eps = %v (must be in [1e-300, 1], so that 1/eps is finite)", ErrInvalid, eps)
	}
	if len(n) == 0 {
		return []float64{}, nil
	}
	var sum float64
	for q, x := range n {
		if x < 0 {
			return nil, fmt.Errorf("%w: n[%d] = %d (must be ≥ 0)", ErrInvalid, q, x)
		}
		sum += float64(x)
	}
	mean := math.Max(1, sum/float64(len(n)))
	w := make([]float64, len(n))
	for q, x := range n {
		w[q] = 1 / num.Clamp(float64(x)/mean, eps, 1)
	}
	return w, nil
}
