package router

import (
	"context"
	"fmt"
	"math"
)

// Guard is a guarded query router ("Guarded Query Routing for Large
// Language Models", 2025): a classifier assigns each query
// class (domain) probabilities p; queries whose top probability is below
// Tau are rejected as out of domain, the rest are delegated to their
// domain's router:
//
//	k = argmax p;  reject if p_k < Tau, else Routes[k].Route(q).
//
// Tau = 0 never rejects. The probabilities must be finite, in [0, 1] and
// sum to 1 within 10⁻⁶. Guard is safe for concurrent use if its classifier
// and routers are.
type Guard struct {
	Classifier Classifier
	Tau        float64
	// Routes[k] serves domain k; len(Routes) is the number of classes.
	Routes []Router
}

// Route classifies q and rejects or delegates it. A rejection returns a
// Choice with Rejected set, Domain = the top class, and an error wrapping
// ErrRejected.
func (g *Guard) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if g.Classifier == nil || len(g.Routes) == 0 {
		return bad, fmt.Errorf("%w: Guard needs a Classifier and at least one route", ErrInvalid)
	}
	if err := checkProb("Guard.Tau", g.Tau); err != nil {
		return bad, err
	}
	p, err := g.Classifier.Classify(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: classifier: %w", err)
	}
	if len(p) != len(g.Routes) {
		return bad, fmt.Errorf("%w: classifier returned %d probabilities for %d routes", ErrInvalid, len(p), len(g.Routes))
	}
	k, sum := 0, 0.0
	for i, v := range p {
		if err := checkProb(fmt.Sprintf("class probability[%d]", i), v); err != nil {
			return bad, err
		}
		sum += v
		if v > p[k] {
			k = i
		}
	}
	if math.Abs(sum-1) > 1e-6 {
		return bad, fmt.Errorf("%w: class probabilities sum to %v (must be 1)", ErrInvalid, sum)
	}
	if p[k] < g.Tau {
		bad.Domain, bad.Rejected = k, true
		bad.Reason = fmt.Sprintf("out of domain: top class %d has probability %.3g < τ = %.3g", k, p[k], g.Tau)
		return bad, fmt.Errorf("%w: %s", ErrRejected, bad.Reason)
	}
	if g.Routes[k] == nil {
		return bad, fmt.Errorf("%w: no router for domain %d", ErrInvalid, k)
	}
	ch, err := g.Routes[k].Route(ctx, q)
	ch.Domain = k
	return ch, err
}

// Observe forwards feedback to the domain's router if it is a Learner.
func (g *Guard) Observe(ctx context.Context, q Query, c Choice, o Outcome) error {
	if c.Rejected {
		return nil
	}
	if c.Domain < 0 || c.Domain >= len(g.Routes) {
		return fmt.Errorf("%w: choice domain %d with %d routes", ErrInvalid, c.Domain, len(g.Routes))
	}
	if l, ok := g.Routes[c.Domain].(Learner); ok {
		return l.Observe(ctx, q, c, o)
	}
	return nil
}

var (
	_ Router  = (*Guard)(nil)
	_ Learner = (*Guard)(nil)
)
