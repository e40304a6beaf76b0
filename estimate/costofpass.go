package estimate

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// CostOfPass returns the expected cost of obtaining one correct answer from a
// model on one problem ("Cost-of-Pass: An Economic Framework for Evaluating
// Language Models"):
//
//	v = mean(costs) / mean(scores)
//
// over the attempts made, where costs[i] ≥ 0 is the cost of attempt i and
// scores[i] ∈ [0, 1] its score (1 = pass). It is +Inf when no attempt scores
// above zero. costs and scores must have the same, non-zero length.
func CostOfPass(costs, scores []float64) (float64, error) {
	if len(costs) != len(scores) {
		return 0, fmt.Errorf("%w: len(costs) = %d, len(scores) = %d (must match)", ErrInvalid, len(costs), len(scores))
	}
	if len(costs) == 0 {
		return 0, fmt.Errorf("%w: no attempts", ErrInvalid)
	}
	var c, s float64
	for i := range costs {
		if !num.IsFinite(costs[i]) || costs[i] < 0 {
			return 0, fmt.Errorf("%w: costs[%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, costs[i])
		}
		if !(scores[i] >= 0 && scores[i] <= 1) {
			return 0, fmt.Errorf("%w: scores[%d] = %v (must be in [0, 1])", ErrInvalid, i, scores[i])
		}
		c += costs[i]
		s += scores[i]
	}
	if s == 0 {
		return math.Inf(1), nil
	}
	return c / s, nil
}
