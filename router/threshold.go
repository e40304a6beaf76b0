package router

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Quantile returns the p-quantile of xs with linear interpolation between
// order statistics (numpy's and pandas' default, Hyndman & Fan type 7):
//
//	h = (n − 1)·p,  Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)
//
// over the sorted values x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎. xs is not modified. It needs
// n ≥ 1 finite values and p ∈ [0, 1].
func Quantile(xs []float64, p float64) (float64, error) {
	if len(xs) == 0 {
		return 0, fmt.Errorf("%w: no values", ErrInvalid)
	}
	if err := checkProb("p", p); err != nil {
		return 0, err
	}
	if i, ok := num.AllFinite(xs); !ok {
		return 0, fmt.Errorf("%w: xs[%d] = %v (must be finite)", ErrInvalid, i, xs[i])
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	return num.QuantileSorted(s, p), nil
}

// CalibrateTau returns the threshold τ that sends a fraction strongFraction
// of calibration queries to the strong model under the rule "strong iff
// score ≥ τ" (RouteLLM, "RouteLLM: Learning to Route LLMs with Preference
// Data", Ong et al., 2024, calibrate_threshold):
//
//	τ = Quantile(scores, 1 − strongFraction)
//
// with linear interpolation, as pandas' Series.quantile. For the scores
// [0.05 0.12 0.20 0.33 0.41 0.50 0.62 0.70 0.81 0.95] it gives τ = 0.722 at
// strongFraction 0.2, 0.455 at 0.5 and 0.184 at 0.8.
func CalibrateTau(scores []float64, strongFraction float64) (float64, error) {
	if err := checkProb("strongFraction", strongFraction); err != nil {
		return 0, err
	}
	return Quantile(scores, 1-strongFraction)
}

// Threshold is RouteLLM's threshold router generalised to N models ordered
// weakest (cheapest) first: with a win-rate score s ∈ [0, 1] and ascending
// thresholds τ₁ ≤ … ≤ τ_{N−1}, it picks model k = #{j : s ≥ τⱼ}. With two
// models it is RouteLLM's rule: strong iff s ≥ τ.
//
// Threshold has no mutable state; it is safe for concurrent use if Scorer is.
type Threshold struct {
	// Models, weakest first. Len(Taus) must be len(Models) − 1.
	Models []Model
	Taus   []float64
	Scorer WinRateScorer
}

// NewThreshold returns a validated threshold router (a copy of models and
// taus).
func NewThreshold(models []Model, taus []float64, scorer WinRateScorer) (*Threshold, error) {
	if err := checkThreshold(models, taus, scorer); err != nil {
		return nil, err
	}
	return &Threshold{Models: slices.Clone(models), Taus: slices.Clone(taus), Scorer: scorer}, nil
}

// checkThreshold validates a Threshold's fields.
func checkThreshold(models []Model, taus []float64, scorer WinRateScorer) error {
	if err := validateModels(models); err != nil {
		return err
	}
	if len(taus) != len(models)-1 {
		return fmt.Errorf("%w: Threshold has %d thresholds for %d models (want %d)", ErrInvalid, len(taus), len(models), len(models)-1)
	}
	for i, t := range taus {
		if !num.IsFinite(t) {
			return fmt.Errorf("%w: Threshold.Taus[%d] = %v (must be finite)", ErrInvalid, i, t)
		}
		if i > 0 && t < taus[i-1] {
			return fmt.Errorf("%w: Threshold.Taus[%d] = %v < Taus[%d] = %v (must be non-decreasing)", ErrInvalid, i, t, i-1, taus[i-1])
		}
	}
	if scorer == nil {
		return fmt.Errorf("%w: Threshold.Scorer = nil", ErrInvalid)
	}
	return nil
}

// Pick returns the index of the model chosen for score s: the number of
// thresholds at or below s (NaN is below every threshold).
func (t *Threshold) Pick(s float64) int {
	k := 0
	for _, tau := range t.Taus {
		if s >= tau {
			k++
		}
	}
	return k
}

// Route scores q and picks a model. A Threshold literal is validated on
// every call (as NewThreshold does), so a zero or malformed one returns an
// error wrapping ErrInvalid.
func (t *Threshold) Route(ctx context.Context, q Query) (Choice, error) {
	if err := ctxErr(ctx); err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	if err := checkThreshold(t.Models, t.Taus, t.Scorer); err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	s, err := t.Scorer.WinRate(ctx, q)
	if err != nil {
		return Choice{Index: -1, Domain: -1}, fmt.Errorf("router: win-rate scorer: %w", err)
	}
	if err := checkProb("win rate", s); err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	k := t.Pick(s)
	c, err := modelCost(t.Models, k, q)
	if err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	m := t.Models[k]
	return Choice{Model: m.Name, Index: k, Tier: m.Tier, Quality: s, Cost: c, Domain: -1}, nil
}

var _ Router = (*Threshold)(nil)
