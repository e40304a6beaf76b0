package estimate

import (
	"fmt"
	"math"
	"slices"

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
// above zero. costs and scores must have the same, non-zero length; a
// finite ratio too large for a float64 returns ErrInvalid.
func CostOfPass(costs, scores []float64) (float64, error) {
	if len(costs) != len(scores) {
		return 0, fmt.Errorf("%w: len(costs) = %d, len(scores) = %d (must match)", ErrInvalid, len(costs), len(scores))
	}
	if len(costs) == 0 {
		return 0, fmt.Errorf("%w: no attempts", ErrInvalid)
	}
	// Means rather than sums, so that large finite costs cannot overflow.
	var c, s float64
	n := float64(len(costs))
	for i := range costs {
		if !num.IsFinite(costs[i]) || costs[i] < 0 {
			return 0, fmt.Errorf("%w: costs[%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, costs[i])
		}
		if !(scores[i] >= 0 && scores[i] <= 1) {
			return 0, fmt.Errorf("%w: scores[%d] = %v (must be in [0, 1])", ErrInvalid, i, scores[i])
		}
		c += costs[i] / n
		s += scores[i] / n
	}
	if s == 0 {
		return math.Inf(1), nil
	}
	v := c / s
	if math.IsInf(v, 1) {
		return 0, fmt.Errorf("%w: cost-of-pass mean(costs)/mean(scores) = %v/%v overflows", ErrInvalid, c, s)
	}
	return v, nil
}

// Frontier returns the frontier cost-of-pass of one problem: the smallest
// cost-of-pass among the models' values and the human-expert baseline,
//
//	V*(p) = min(min_m v_m(p), human(p))
//
// Pass human = +Inf when there is no baseline. Values must be ≥ 0 (+Inf
// allowed: a model that never passes); the result is +Inf when nothing
// passes.
func Frontier(values []float64, human float64) (float64, error) {
	if math.IsNaN(human) || human < 0 {
		return 0, fmt.Errorf("%w: human = %v (must be ≥ 0, +Inf for none)", ErrInvalid, human)
	}
	best := human
	for m, v := range values {
		if math.IsNaN(v) || v < 0 {
			return 0, fmt.Errorf("%w: values[%d] = %v (must be ≥ 0, +Inf when the model never passes)", ErrInvalid, m, v)
		}
		best = math.Min(best, v)
	}
	return best, nil
}

// CostOfPassTable holds the cost-of-pass of several models on the problems
// of one task, for the task frontier and counterfactual analyses of
// "Cost-of-Pass: An Economic Framework for Evaluating Language Models".
type CostOfPassTable struct {
	// Models names the models (the table's columns).
	Models []string
	// Families[m] is model m's family (e.g. its vendor or release line);
	// nil means every model is its own family.
	Families []string
	// Values[p][m] is model m's cost-of-pass on problem p (+Inf if it never
	// passes), e.g. from CostOfPass.
	Values [][]float64
	// Human[p] is the cost of a human expert solving problem p; nil means
	// no human baseline.
	Human []float64
}

func (t CostOfPassTable) validate() error {
	if len(t.Models) == 0 || len(t.Values) == 0 {
		return fmt.Errorf("%w: CostOfPassTable needs at least one model and one problem", ErrInvalid)
	}
	if t.Families != nil && len(t.Families) != len(t.Models) {
		return fmt.Errorf("%w: len(Families) = %d, len(Models) = %d", ErrInvalid, len(t.Families), len(t.Models))
	}
	if t.Human != nil && len(t.Human) != len(t.Values) {
		return fmt.Errorf("%w: len(Human) = %d, %d problems", ErrInvalid, len(t.Human), len(t.Values))
	}
	for p, row := range t.Values {
		if len(row) != len(t.Models) {
			return fmt.Errorf("%w: Values[%d] has %d entries, %d models", ErrInvalid, p, len(row), len(t.Models))
		}
	}
	return nil
}

// TaskFrontier returns the task's frontier cost-of-pass, the mean over
// problems of the per-problem frontier (Frontier), leaving out the models
// of the named families: E_p[min(min_{m ∉ excluded} v_m(p), human(p))].
// It is +Inf if some problem is passed by no remaining model and has no
// human baseline.
func (t CostOfPassTable) TaskFrontier(excludeFamilies ...string) (float64, error) {
	if err := t.validate(); err != nil {
		return 0, err
	}
	keep := make([]float64, 0, len(t.Models))
	var sum float64
	for p, row := range t.Values {
		keep = keep[:0]
		for m, v := range row {
			fam := t.Models[m]
			if t.Families != nil {
				fam = t.Families[m]
			}
			if !slices.Contains(excludeFamilies, fam) {
				keep = append(keep, v)
			}
		}
		h := math.Inf(1)
		if t.Human != nil {
			h = t.Human[p]
		}
		f, err := Frontier(keep, h)
		if err != nil {
			return 0, fmt.Errorf("problem %d: %w", p, err)
		}
		sum += f / float64(len(t.Values)) // a mean that cannot overflow
	}
	return sum, nil
}

// FamilyGain measures how much a model family moved the task frontier:
// the counterfactual frontier without the family minus the frontier with
// it (absolute, ≥ 0), and that difference relative to the counterfactual
// (in [0, 1]; 1 when the family alone makes the task solvable).
func (t CostOfPassTable) FamilyGain(family string) (absolute, relative float64, err error) {
	with, err := t.TaskFrontier()
	if err != nil {
		return 0, 0, err
	}
	without, err := t.TaskFrontier(family)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case math.IsInf(without, 1) && math.IsInf(with, 1):
		return 0, 0, nil
	case math.IsInf(without, 1):
		return math.Inf(1), 1, nil
	case without == 0:
		return 0, 0, nil
	}
	return without - with, (without - with) / without, nil
}

// TokenCost returns the cost of one call from its token counts and the
// per-million-token prices:
//
//	cost = (inputTokens·inputPrice + outputTokens·outputPrice) / 10⁶
func TokenCost(inputTokens, outputTokens, inputPricePerM, outputPricePerM float64) (float64, error) {
	for _, x := range []struct {
		name string
		v    float64
	}{{"inputTokens", inputTokens}, {"outputTokens", outputTokens}, {"inputPricePerM", inputPricePerM}, {"outputPricePerM", outputPricePerM}} {
		if !num.IsFinite(x.v) || x.v < 0 {
			return 0, fmt.Errorf("%w: %s = %v (must be finite and ≥ 0)", ErrInvalid, x.name, x.v)
		}
	}
	c := inputTokens/1e6*inputPricePerM + outputTokens/1e6*outputPricePerM
	if math.IsInf(c, 1) {
		return 0, fmt.Errorf("%w: TokenCost overflows (%v·%v + %v·%v per million)", ErrInvalid, inputTokens, inputPricePerM, outputTokens, outputPricePerM)
	}
	return c, nil
}
