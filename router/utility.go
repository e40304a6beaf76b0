package router

import (
	"context"
	"fmt"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Utility routes each query to the model with the largest predicted utility
// (FORC's cost-aware assignment; the routing survey "Doing More with Less",
// MMR-Bench):
//
//	m* = argmax_m q̂_m(q) − λ·ĉ_m(q)
//
// with q̂ from a SuccessPredictor and ĉ from Model.Cost. λ ≥ 0 prices a
// dollar in quality units; λ = 0 picks the best predicted model. Ties go to
// the cheaper model, then to the earlier one.
//
// Utility has no mutable state; it is safe for concurrent use if Predictor is.
type Utility struct {
	Models    []Model
	Predictor SuccessPredictor
	Lambda    float64
}

// Route predicts and picks the utility-maximising model.
func (u *Utility) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if err := validateModels(u.Models); err != nil {
		return bad, err
	}
	if !num.IsFinite(u.Lambda) || u.Lambda < 0 {
		return bad, fmt.Errorf("%w: Lambda = %v (must be finite and ≥ 0)", ErrInvalid, u.Lambda)
	}
	if u.Predictor == nil {
		return bad, fmt.Errorf("%w: nil Predictor", ErrInvalid)
	}
	p, err := u.Predictor.PredictSuccess(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: success predictor: %w", err)
	}
	if err := checkPredictions("predicted success", p, len(u.Models)); err != nil {
		return bad, err
	}
	best, bestU, bestC := -1, 0.0, 0.0
	for m := range u.Models {
		c, err := modelCost(u.Models, m, q)
		if err != nil {
			return bad, err
		}
		v := p[m] - u.Lambda*c
		if best < 0 || v > bestU || (v == bestU && c < bestC) {
			best, bestU, bestC = m, v, c
		}
	}
	m := u.Models[best]
	return Choice{Model: m.Name, Index: best, Tier: m.Tier, Quality: p[best], Cost: bestC, Domain: -1}, nil
}

// Thresholding is FORC's thresholding strategy (epfl-dlab/forc,
// ThresholdingStrategy): among the models whose predicted success exceeds
// Threshold, pick the cheapest; if none does, pick the most capable one —
// the most expensive, as FORC's "biggest" rule. Threshold 0 means the
// reference's 0.5 (use a tiny positive value for "any success > 0").
//
// Thresholding has no mutable state; it is safe for concurrent use if
// Predictor is.
type Thresholding struct {
	Models    []Model
	Predictor SuccessPredictor
	Threshold float64
}

// Route predicts and applies the thresholding rule.
func (t *Thresholding) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if err := validateModels(t.Models); err != nil {
		return bad, err
	}
	th := t.Threshold
	if th == 0 {
		th = 0.5
	}
	if err := checkProb("Threshold", th); err != nil {
		return bad, err
	}
	if t.Predictor == nil {
		return bad, fmt.Errorf("%w: nil Predictor", ErrInvalid)
	}
	p, err := t.Predictor.PredictSuccess(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: success predictor: %w", err)
	}
	if err := checkPredictions("predicted success", p, len(t.Models)); err != nil {
		return bad, err
	}
	costs := make([]float64, len(t.Models))
	cheap, big := -1, -1
	for m := range t.Models {
		if costs[m], err = modelCost(t.Models, m, q); err != nil {
			return bad, err
		}
		if big < 0 || costs[m] > costs[big] {
			big = m
		}
		if p[m] > th && (cheap < 0 || costs[m] < costs[cheap]) {
			cheap = m
		}
	}
	k := cheap
	if k < 0 {
		k = big
	}
	m := t.Models[k]
	return Choice{Model: m.Name, Index: k, Tier: m.Tier, Quality: p[k], Cost: costs[k], Domain: -1}, nil
}

var (
	_ Router = (*Utility)(nil)
	_ Router = (*Thresholding)(nil)
)
