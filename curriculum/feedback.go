package curriculum

import (
	"cmp"
	"fmt"
	"slices"
)

// Feedback is one step's feedback for one arm: the values it produced (the
// advantages of its responses for DUMP, SEC and the UCBs; rewards in [0, 1]
// for Thompson) and, for Exp3, the probability the arm had when the data
// were drawn (0: use the current probability).
//
// The arm is given by index (Arm, as Sample returns it) or by name (Name).
// When Name is non-empty it selects the arm, and Arm must be 0 or that
// arm's index; any other combination is refused with ErrInvalid, so a
// Feedback never means two arms.
type Feedback struct {
	Arm    int       `json:"arm"`
	Name   string    `json:"name,omitempty"`
	Values []float64 `json:"values"`
	Prob   float64   `json:"prob,omitempty"`
}

// GroupFeedback groups per-response values by arm: values[i] came from arm
// arms[i] (an index, as Sample returns it). It returns one Feedback per arm
// that occurs, in increasing arm order, with each arm's values in their
// original order and Prob 0, ready for Sampler.Update — no map to build.
// Arm indices are checked against the sampler by Update; here they must be
// ≥ 0. It runs in O(n log n) time and allocates the result.
func GroupFeedback(arms []int, values []float64) ([]Feedback, error) {
	if len(arms) != len(values) {
		return nil, fmt.Errorf("%w: GroupFeedback: %d arms for %d values", ErrInvalid, len(arms), len(values))
	}
	order := make([]int, len(arms))
	for i, a := range arms {
		if a < 0 {
			return nil, fmt.Errorf("%w: GroupFeedback: arms[%d] = %d (must be ≥ 0)", ErrInvalid, i, a)
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(arms[x], arms[y]) })
	flat := make([]float64, len(values))
	var out []Feedback
	for j, i := range order {
		flat[j] = values[i]
		if j == 0 || arms[i] != arms[order[j-1]] {
			out = append(out, Feedback{Arm: arms[i]})
		}
		last := &out[len(out)-1]
		if last.Values == nil {
			last.Values = flat[j:j:len(flat)]
		}
		last.Values = last.Values[:len(last.Values)+1]
	}
	for i := range out { // cap each group so appends by the caller never overwrite the next
		out[i].Values = out[i].Values[:len(out[i].Values):len(out[i].Values)]
	}
	return out, nil
}
