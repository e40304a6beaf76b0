package schedule

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Budget is an integer schedule of token budgets, a pure function of
// the step like Schedule.
type Budget interface {
	At(step int) int
}

// ExpDecay is the length curriculum of "Train Long, Think Short: Curriculum
// Learning for Efficient Reasoning": the thinking budget starts generous and
// shrinks by γ every T steps,
//
//	B(t) = max(Min, ⌊B0 · γ^⌊t/T⌋⌋)
//
// (the paper's example uses B0 = 256 and γ = 0.7; T is the caller's). The
// product is floored after a relative nudge of 1e-12, so that a value that
// is mathematically an integer (B0 = 256, γ = 0.5) is not floored to one
// less by rounding. Call Validate once; At on an invalid value returns Min
// (never panics).
type ExpDecay struct {
	B0    int
	Gamma float64
	T     int
	Min   int
}

// Validate checks the parameters.
func (e ExpDecay) Validate() error {
	switch {
	case e.B0 <= 0:
		return fmt.Errorf("%w: ExpDecay.B0 = %d (must be > 0)", ErrInvalid, e.B0)
	case !(e.Gamma > 0 && e.Gamma <= 1):
		return fmt.Errorf("%w: ExpDecay.Gamma = %v (must be in (0, 1])", ErrInvalid, e.Gamma)
	case e.T <= 0:
		return fmt.Errorf("%w: ExpDecay.T = %d (must be > 0)", ErrInvalid, e.T)
	case e.Min < 0 || e.Min > e.B0:
		return fmt.Errorf("%w: ExpDecay.Min = %d (must be in [0, B0])", ErrInvalid, e.Min)
	}
	return nil
}

// At returns B(step); negative steps count as 0.
func (e ExpDecay) At(step int) int {
	if e.B0 <= 0 || !(e.Gamma > 0 && e.Gamma <= 1) || e.T <= 0 {
		return e.Min
	}
	k := max(step, 0) / e.T
	v := math.Floor(float64(e.B0) * powInt(e.Gamma, k) * (1 + 1e-12))
	if v >= float64(e.B0) { // also keeps int(v) from overflowing near MaxInt
		return max(e.Min, e.B0)
	}
	return max(e.Min, int(v))
}

// LinearBudget decays the budget linearly from B0 to End over Steps steps
// and holds End afterwards, rounding to the nearest integer (halves away
// from zero):
//
//	B(t) = round(B0 + (End − B0) · min(t, Steps)/Steps)
type LinearBudget struct {
	B0, End int
	Steps   int
}

// Validate checks the parameters.
func (l LinearBudget) Validate() error {
	if l.B0 < 0 || l.End < 0 || l.Steps <= 0 {
		return fmt.Errorf("%w: LinearBudget B0 = %d, End = %d, Steps = %d (need B0, End ≥ 0, Steps > 0)", ErrInvalid, l.B0, l.End, l.Steps)
	}
	return nil
}

// At returns B(step); an invalid value returns End.
func (l LinearBudget) At(step int) int {
	if l.Steps <= 0 {
		return l.End
	}
	z := float64(min(max(step, 0), l.Steps)) / float64(l.Steps)
	v := math.Round(float64(l.B0) + (float64(l.End)-float64(l.B0))*z)
	// Clamp in float64 first: int(v) overflows for v ≥ 2⁶³.
	lo, hi := min(l.B0, l.End), max(l.B0, l.End)
	switch {
	case z >= 1 || v >= float64(hi):
		if z >= 1 {
			return l.End
		}
		return hi
	case v <= float64(lo):
		return lo
	}
	return int(v)
}

// Prior is a discrete prior over thinking budgets, for training with
// budgets sampled per rollout as in "Optimizing Anytime Reasoning via Budget
// Relative Policy Optimization". It is immutable and safe for concurrent
// use; drawing takes the caller's *rand.Rand.
type Prior struct {
	budgets []int
	probs   []float64
	cdf     []float64
}

// UniformPrior puts equal mass on each budget.
func UniformPrior(budgets []int) (*Prior, error) {
	w := make([]float64, len(budgets))
	for i := range w {
		w[i] = 1
	}
	return DiscretePrior(budgets, w)
}

// LinearPrior puts mass proportional to rank on the budgets sorted
// ascending: the i-th smallest (from 1) gets weight i, so larger budgets are
// drawn more often.
func LinearPrior(budgets []int) (*Prior, error) {
	order := make([]int, len(budgets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return budgets[order[a]] < budgets[order[b]] })
	w := make([]float64, len(budgets))
	for r, i := range order {
		w[i] = float64(r + 1)
	}
	return DiscretePrior(budgets, w)
}

// DiscretePrior puts mass ∝ weights[i] on budgets[i].
func DiscretePrior(budgets []int, weights []float64) (*Prior, error) {
	if len(budgets) == 0 {
		return nil, fmt.Errorf("%w: empty prior", ErrInvalid)
	}
	if len(weights) != len(budgets) {
		return nil, fmt.Errorf("%w: %d weights for %d budgets", ErrInvalid, len(weights), len(budgets))
	}
	var sum float64
	for i, w := range weights {
		if budgets[i] <= 0 {
			return nil, fmt.Errorf("%w: budgets[%d] = %d (must be > 0)", ErrInvalid, i, budgets[i])
		}
		if !num.IsFinite(w) || w < 0 {
			return nil, fmt.Errorf("%w: weights[%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, w)
		}
		sum += w
	}
	if sum <= 0 {
		return nil, fmt.Errorf("%w: weights sum to 0", ErrInvalid)
	}
	p := &Prior{budgets: append([]int(nil), budgets...), probs: make([]float64, len(weights)), cdf: make([]float64, len(weights))}
	var c float64
	for i, w := range weights {
		p.probs[i] = w / sum
		c += p.probs[i]
		p.cdf[i] = c
	}
	p.cdf[len(p.cdf)-1] = 1
	return p, nil
}

// Budgets returns the budgets, in the order given.
func (p *Prior) Budgets() []int {
	if p == nil {
		return nil
	}
	return append([]int(nil), p.budgets...)
}

// Probs returns each budget's probability.
func (p *Prior) Probs() []float64 {
	if p == nil {
		return nil
	}
	return append([]float64(nil), p.probs...)
}

// Sample draws a budget with one r.Float64() (inverse CDF), O(log n). A
// nil r or a Prior not made by UniformPrior, LinearPrior or DiscretePrior
// returns an error wrapping ErrInvalid.
func (p *Prior) Sample(r *rand.Rand) (int, error) {
	if p == nil || len(p.cdf) == 0 {
		return 0, fmt.Errorf("%w: Prior not created with UniformPrior, LinearPrior or DiscretePrior", ErrInvalid)
	}
	if r == nil {
		return 0, fmt.Errorf("%w: nil *rand.Rand", ErrInvalid)
	}
	u := r.Float64()
	i := sort.SearchFloat64s(p.cdf, u)
	for i < len(p.cdf)-1 && p.cdf[i] <= u { // u exactly on a boundary belongs above it
		i++
	}
	return p.budgets[i], nil
}

// LengthReward turns correctness and length into rewards for training with a
// token budget:
//
//	r = 1[correct] − Alpha · Shape(L/B)
//
// with Shape the caller's penalty (default min(1, L/B)). With Gate > 0 it is
// the GRPO-λ rule of "Stable Reinforcement Learning for Efficient Reasoning":
// the length term applies only to groups whose correctness ratio is at least
// Gate, and other groups get the plain 0/1 reward (the paper's abstract gives
// neither the threshold nor the penalty shape, so both are the caller's).
type LengthReward struct {
	Alpha float64
	Gate  float64
	Shape func(ratio float64) float64
}

// Group writes the rewards of one rollout group into dst.
func (lr LengthReward) Group(dst []float64, correct []bool, lengths []int, budget int) error {
	if len(correct) != len(lengths) || len(dst) != len(correct) {
		return fmt.Errorf("%w: %d rewards, %d correctness flags, %d lengths (must match)", ErrInvalid, len(dst), len(correct), len(lengths))
	}
	if budget <= 0 {
		return fmt.Errorf("%w: budget %d (must be > 0)", ErrInvalid, budget)
	}
	if !num.IsFinite(lr.Alpha) || lr.Alpha < 0 || !(lr.Gate >= 0 && lr.Gate <= 1) {
		return fmt.Errorf("%w: LengthReward Alpha = %v, Gate = %v (need Alpha ≥ 0, Gate in [0, 1])", ErrInvalid, lr.Alpha, lr.Gate)
	}
	wins := 0
	for i, c := range correct {
		if lengths[i] < 0 {
			return fmt.Errorf("%w: lengths[%d] = %d (must be ≥ 0)", ErrInvalid, i, lengths[i])
		}
		if c {
			wins++
		}
	}
	penalise := lr.Gate == 0 || (len(correct) > 0 && float64(wins)/float64(len(correct)) >= lr.Gate)
	shape := lr.Shape
	if shape == nil {
		shape = func(x float64) float64 { return math.Min(1, x) }
	}
	if penalise { // check every penalty before writing anything
		for i := range correct {
			x := float64(lengths[i]) / float64(budget)
			if pen := shape(x); !num.IsFinite(pen) || !num.IsFinite(1-lr.Alpha*pen) {
				return fmt.Errorf("%w: Shape(%v) = %v with Alpha %v (the reward must be finite)", ErrInvalid, x, pen, lr.Alpha)
			}
		}
	}
	for i, c := range correct {
		r := 0.0
		if c {
			r = 1
		}
		if penalise {
			r -= lr.Alpha * shape(float64(lengths[i])/float64(budget))
		}
		dst[i] = r
	}
	return nil
}
