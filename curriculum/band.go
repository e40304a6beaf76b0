package curriculum

import (
	"fmt"
	"sort"
)

// Band is a pass-rate filter for rollout groups or prompts (Online
// Difficulty Filtering): Keep(p) is Low ≤ p ≤ High, or Low < p < High when
// Open. DAPO's dynamic sampling, which drops groups that are all correct or
// all wrong, is Band{Low: 0, High: 1, Open: true}. No thresholds are
// attributed to a paper here; the caller sets them. The zero value keeps
// only p = 0.
type Band struct {
	Low, High float64
	Open      bool
}

// Keep reports whether p passes the band. NaN never passes.
func (b Band) Keep(p float64) bool {
	if b.Open {
		return p > b.Low && p < b.High
	}
	return p >= b.Low && p <= b.High
}

// Variance is the binary-reward variance p(1−p), the learning-signal score
// of a prompt with success rate p (largest at p = 1/2). It is finite for
// every p in [0, 1].
func Variance(p float64) float64 { return p * (1 - p) }

// TopKVariance returns the indices of the k largest p(1−p), ties by index,
// in O(n log n).
func TopKVariance(ps []float64, k int) ([]int, error) {
	for i, p := range ps {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("%w: ps[%d] = %v (must be in [0, 1])", ErrInvalid, i, p)
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: k = %d (must be ≥ 0)", ErrInvalid, k)
	}
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return Variance(ps[idx[a]]) > Variance(ps[idx[b]]) })
	return idx[:min(k, len(idx))], nil
}
