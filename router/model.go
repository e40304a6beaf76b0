package router

import (
	"context"
	"fmt"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Tier is a budget tier of a model or module (BudgetMem's Low/Mid/High). The
// zero value is TierNone: the model has no tier.
type Tier int8

// The tiers, cheapest first.
const (
	TierNone Tier = iota
	TierLow
	TierMid
	TierHigh
)

// String returns "none", "low", "mid" or "high", or Tier(n) for an unknown
// value.
func (t Tier) String() string {
	switch t {
	case TierNone:
		return "none"
	case TierLow:
		return "low"
	case TierMid:
		return "mid"
	case TierHigh:
		return "high"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Model is one model (or one tier of a module) a router can send a request
// to. Prices are dollars per million tokens.
type Model struct {
	Name string
	// InputPrice and OutputPrice are $ per million input and output tokens.
	InputPrice, OutputPrice float64
	// ExpectedOutputTokens is the output length assumed by the cost estimate.
	ExpectedOutputTokens float64
	// Tier is the model's budget tier, TierNone if it has none.
	Tier Tier
	// CostFunc, if set, overrides the FORC estimate (a per-query output
	// length predictor, a flat per-call price, a cached-token discount...).
	// It must return a finite cost ≥ 0; it is called outside every lock.
	CostFunc func(Query) float64 `json:"-"`
}

// Cost returns the model's estimated cost for q. By default it is FORC's
// estimate ("Fly-Swat or Cannon? Cost-Effective Language Model Choice via
// Meta-Modeling", Šakota, Peyrard & West, WSDM 2024):
//
//	ĉ = (InputTokens·InputPrice + ExpectedOutputTokens·OutputPrice) / 10⁶
//
// If CostFunc is set, Cost returns CostFunc(q) instead.
func (m Model) Cost(q Query) float64 {
	if m.CostFunc != nil {
		return m.CostFunc(q)
	}
	return (float64(q.InputTokens)*m.InputPrice + m.ExpectedOutputTokens*m.OutputPrice) / 1e6
}

// Query is one request to route.
type Query struct {
	ID   string
	Text string
	// Embedding is an optional caller-computed embedding (see Embedder).
	Embedding []float64
	// Features are optional caller features (tier policies read them).
	Features []float64
	// InputTokens is the prompt length used by the FORC cost estimate.
	InputTokens int
	// Module names the module a tier router is choosing for, if any.
	Module string
	// Tenant is the budget a Pacer charges (a Tenant's name: an API key,
	// a team); "" is the pacer's root budget.
	Tenant string
	// At is the request's time; pacers read it (a zero At is shorthand for
	// time.Now()). Stateless routers ignore it.
	At time.Time
}

// Choice is a routing decision.
type Choice struct {
	// Model is the chosen model's name and Index its position in the
	// router's model list (−1 when rejected).
	Model string
	Index int
	// Tier is the chosen model's tier; Tiers holds one tier per module for
	// a TierRouter.
	Tier  Tier
	Tiers []Tier
	// Stage is the cascade stage (0 for non-cascade routers).
	Stage int
	// Quality and Cost are the predicted quality and cost of the choice
	// (for threshold routers, Quality is the win-rate score).
	Quality, Cost float64
	// Spent is the actual cost accumulated over earlier cascade stages.
	Spent float64
	// Domain is the domain a Guard delegated to (−1 if none).
	Domain int
	// Rejected is set when the router declined the request; Reason says why.
	Rejected bool
	Reason   string
	// Reservation identifies the budget reserved by a Pacer; pass the Choice
	// back to Observe to settle it. Zero means no reservation.
	Reservation uint64
}

// Outcome is what happened when the chosen model ran.
type Outcome struct {
	// Cost is the actual cost in dollars (finite, ≥ 0).
	Cost float64
	// Quality is the observed quality or success (NaN if unknown).
	Quality float64
	// Err is the model call's error, if any; its cost is still settled.
	Err error
}

// Router routes one query. Implementations are safe for concurrent use.
type Router interface {
	Route(ctx context.Context, q Query) (Choice, error)
}

// Learner takes feedback on a decision Route made.
type Learner interface {
	Observe(ctx context.Context, q Query, c Choice, o Outcome) error
}

// WinRateScorer predicts the probability that the strong model's answer to q
// beats the weak model's (RouteLLM's router score), in [0, 1].
type WinRateScorer interface {
	WinRate(ctx context.Context, q Query) (float64, error)
}

// SuccessPredictor predicts, for each of the router's models in order, the
// probability (or expected quality) that the model answers q well (FORC's
// meta-model). The result must have one finite entry per model.
type SuccessPredictor interface {
	PredictSuccess(ctx context.Context, q Query) ([]float64, error)
}

// ConfidenceScorer scores a model's answer to q, in [0, 1] (FrugalGPT's
// answer scorer). Higher means the answer is more likely to be right.
type ConfidenceScorer interface {
	Confidence(ctx context.Context, q Query, model string, answer string) (float64, error)
}

// Embedder embeds a query's text. Routers never call a vendor API; callers
// wrap theirs in this interface.
type Embedder interface {
	Embed(ctx context.Context, text string) ([]float64, error)
}

// Classifier returns a query's class (domain) probabilities; Guard uses it.
type Classifier interface {
	Classify(ctx context.Context, q Query) ([]float64, error)
}

// validateModels checks a model list: non-empty, unique non-empty names,
// finite non-negative prices and expected output lengths.
func validateModels(models []Model) error {
	if len(models) == 0 {
		return fmt.Errorf("%w: no models", ErrInvalid)
	}
	seen := make(map[string]int, len(models))
	for i, m := range models {
		if m.Name == "" {
			return fmt.Errorf("%w: models[%d].Name is empty", ErrInvalid, i)
		}
		if j, ok := seen[m.Name]; ok {
			return fmt.Errorf("%w: models[%d] and models[%d] are both named %q", ErrInvalid, j, i, m.Name)
		}
		seen[m.Name] = i
		for _, f := range []struct {
			name string
			v    float64
		}{{"InputPrice", m.InputPrice}, {"OutputPrice", m.OutputPrice}, {"ExpectedOutputTokens", m.ExpectedOutputTokens}} {
			if !num.IsFinite(f.v) || f.v < 0 {
				return fmt.Errorf("%w: models[%d].%s = %v (must be finite and ≥ 0)", ErrInvalid, i, f.name, f.v)
			}
		}
		if m.Tier < TierNone || m.Tier > TierHigh {
			return fmt.Errorf("%w: models[%d].Tier = %d (unknown tier)", ErrInvalid, i, m.Tier)
		}
	}
	return nil
}

// modelCost returns models[i].Cost(q), checked.
func modelCost(models []Model, i int, q Query) (float64, error) {
	if q.InputTokens < 0 {
		return 0, fmt.Errorf("%w: query %q InputTokens = %d (must be ≥ 0)", ErrInvalid, q.ID, q.InputTokens)
	}
	c := models[i].Cost(q)
	if !num.IsFinite(c) || c < 0 {
		return 0, fmt.Errorf("%w: models[%d] (%s) cost estimate = %v (must be finite and ≥ 0)", ErrInvalid, i, models[i].Name, c)
	}
	return c, nil
}

// checkPredictions verifies a predictor's output: one finite entry per model.
func checkPredictions(what string, p []float64, n int) error {
	if len(p) != n {
		return fmt.Errorf("%w: %s returned %d values for %d models", ErrInvalid, what, len(p), n)
	}
	for i, v := range p {
		if !num.IsFinite(v) {
			return fmt.Errorf("%w: %s[%d] = %v (must be finite)", ErrInvalid, what, i, v)
		}
	}
	return nil
}

// checkProb verifies a probability.
func checkProb(what string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%w: %s = %v (must be in [0, 1])", ErrInvalid, what, p)
	}
	return nil
}

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// errNotCreated is the error every method of a zero value returns.
func errNotCreated(typ, ctor string) error {
	return fmt.Errorf("%w: %s not created with %s", ErrInvalid, typ, ctor)
}

func errUnknownTenant(name string) error {
	return fmt.Errorf("%w: tenant %q (unknown tenant)", ErrInvalid, name)
}
