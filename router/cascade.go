package router

import (
	"context"
	"fmt"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Cascade is FrugalGPT's LLM cascade ("FrugalGPT: How to Use Large Language
// Models While Reducing Cost and Improving Performance", Chen, Zaharia & Zou,
// 2023): stages are tried in order; stage j's answer is accepted when its
// confidence g(q, answer) ≥ Thresholds[j]; the last stage always accepts.
// Every stage called is paid for, so a query answered at stage j costs
//
//	c = Σ_{i ≤ j} cᵢ(q).
//
// The caller runs the models (reverse communication): Route returns stage 0,
// and after each answer Escalate either accepts it or returns the next stage.
//
// Cascade has no mutable state; it is safe for concurrent use if Scorer is.
type Cascade struct {
	// Stages in calling order (usually cheapest first).
	Stages []Model
	// Thresholds[j] is stage j's acceptance threshold; len(Stages) − 1
	// entries (the last stage always accepts).
	Thresholds []float64
	// Scorer scores answers; if nil, Escalate uses Answer.Confidence.
	Scorer ConfidenceScorer
}

// Answer is a stage's answer, handed to Escalate.
type Answer struct {
	Text string
	// Cost is the actual cost of the call that produced it (finite, ≥ 0).
	Cost float64
	// Confidence is used when the cascade has no Scorer (in [0, 1]).
	Confidence float64
}

// NewCascade returns a validated cascade.
func NewCascade(stages []Model, thresholds []float64, scorer ConfidenceScorer) (*Cascade, error) {
	if err := validateModels(stages); err != nil {
		return nil, err
	}
	if len(thresholds) != len(stages)-1 {
		return nil, fmt.Errorf("%w: %d thresholds for %d stages (want %d)", ErrInvalid, len(thresholds), len(stages), len(stages)-1)
	}
	if i, ok := num.AllFinite(thresholds); !ok {
		return nil, fmt.Errorf("%w: thresholds[%d] = %v (must be finite)", ErrInvalid, i, thresholds[i])
	}
	return &Cascade{Stages: slices.Clone(stages), Thresholds: slices.Clone(thresholds), Scorer: scorer}, nil
}

func (c *Cascade) stage(q Query, j int, spent float64) (Choice, error) {
	cost, err := modelCost(c.Stages, j, q)
	if err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	m := c.Stages[j]
	return Choice{Model: m.Name, Index: j, Tier: m.Tier, Stage: j, Cost: cost, Spent: spent, Domain: -1}, nil
}

// Route returns the first stage.
func (c *Cascade) Route(ctx context.Context, q Query) (Choice, error) {
	if err := ctxErr(ctx); err != nil {
		return Choice{Index: -1, Domain: -1}, err
	}
	if len(c.Stages) == 0 || len(c.Thresholds) != len(c.Stages)-1 {
		return Choice{Index: -1, Domain: -1}, fmt.Errorf("%w: cascade has %d stages and %d thresholds", ErrInvalid, len(c.Stages), len(c.Thresholds))
	}
	return c.stage(q, 0, 0)
}

// Escalate takes stage cur.Stage's answer. It adds ans.Cost to the running
// total and either accepts (done = true, next = cur with Spent updated) or
// returns the next stage (done = false, next.Spent = total so far). On error
// the decision is not made and nothing is accumulated.
func (c *Cascade) Escalate(ctx context.Context, q Query, cur Choice, ans Answer) (next Choice, done bool, err error) {
	if err := ctxErr(ctx); err != nil {
		return cur, false, err
	}
	j := cur.Stage
	if j < 0 || j >= len(c.Stages) || len(c.Thresholds) != len(c.Stages)-1 {
		return cur, false, fmt.Errorf("%w: stage %d of a %d-stage cascade", ErrInvalid, j, len(c.Stages))
	}
	if !num.IsFinite(ans.Cost) || ans.Cost < 0 {
		return cur, false, fmt.Errorf("%w: answer cost = %v (must be finite and ≥ 0)", ErrInvalid, ans.Cost)
	}
	if !num.IsFinite(cur.Spent) || cur.Spent < 0 {
		return cur, false, fmt.Errorf("%w: choice Spent = %v (must be finite and ≥ 0)", ErrInvalid, cur.Spent)
	}
	spent := cur.Spent + ans.Cost
	if j == len(c.Stages)-1 {
		cur.Spent = spent
		return cur, true, nil
	}
	conf := ans.Confidence
	if c.Scorer != nil {
		conf, err = c.Scorer.Confidence(ctx, q, c.Stages[j].Name, ans.Text)
		if err != nil {
			return cur, false, fmt.Errorf("router: confidence scorer: %w", err)
		}
	}
	if err := checkProb("confidence", conf); err != nil {
		return cur, false, err
	}
	if conf >= c.Thresholds[j] {
		cur.Spent = spent
		cur.Quality = conf
		return cur, true, nil
	}
	next, err = c.stage(q, j+1, spent)
	if err != nil {
		return cur, false, err
	}
	return next, false, nil
}

var _ Router = (*Cascade)(nil)
