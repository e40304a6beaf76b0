package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Module is one module of an agent pipeline offered in three budget tiers
// (BudgetMem: e.g. memory filtering, extraction and summarisation, each
// run cheaply, moderately or expensively). Tiers[TierLow-1], Tiers[TierMid-1]
// and Tiers[TierHigh-1] price the three tiers.
type Module struct {
	Name  string
	Tiers [3]Model
}

// TierPolicy scores the three tiers of module k for query q (higher is
// better), e.g. a trained policy's logits or expected rewards.
type TierPolicy interface {
	TierScores(ctx context.Context, q Query, module int) ([3]float64, error)
}

// LinearTierPolicy scores tier t of module k as
//
//	s_{k,t}(q) = Bias[k][t] + Σⱼ Weights[k][t][j]·q.Features[j],
//
// BudgetMem's per-module linear router head. Len(Weights[k][t]) must equal
// len(q.Features) (or be zero for a bias-only policy).
type LinearTierPolicy struct {
	Weights [][3][]float64
	Bias    [][3]float64
}

// TierScores implements TierPolicy.
func (p LinearTierPolicy) TierScores(_ context.Context, q Query, k int) ([3]float64, error) {
	var s [3]float64
	if k < 0 || k >= len(p.Bias) || (len(p.Weights) > 0 && k >= len(p.Weights)) {
		return s, fmt.Errorf("%w: LinearTierPolicy has no module %d", ErrInvalid, k)
	}
	for t := 0; t < 3; t++ {
		s[t] = p.Bias[k][t]
		if len(p.Weights) == 0 || len(p.Weights[k][t]) == 0 {
			continue
		}
		w := p.Weights[k][t]
		if len(w) != len(q.Features) {
			return s, fmt.Errorf("%w: module %d tier %d has %d weights for %d features", ErrInvalid, k, t, len(w), len(q.Features))
		}
		for j, x := range q.Features {
			s[t] += w[j] * x
		}
	}
	return s, nil
}

// TierRouter chooses one tier per module for each query (BudgetMem,
// "Learning Query-Aware Budget-Tier Routing for Runtime Agent Memory"),
// under a Pacer's budget: over the 3^K tier combinations x it maximises
//
//	Σₖ s_{k,xₖ}(q) − λ·Σₖ c_{k,xₖ}(q)
//
// among the combinations whose total predicted cost fits, λ being the
// pacer's dual price; Route reserves the total and Observe settles it.
// Use a CostNormalizer to turn the settled costs into the rewards that
// train the policy. K ≤ 6 modules.
//
// TierRouter is safe for concurrent use if its policy is.
type TierRouter struct {
	modules []Module
	policy  TierPolicy
	pacer   *Pacer
	combos  [][]Tier
}

// NewTierRouter returns a tier router; budget configures its pacer (its
// Models field is ignored: the pacer's options are the tier combinations).
func NewTierRouter(modules []Module, policy TierPolicy, budget PacerConfig) (*TierRouter, error) {
	k := len(modules)
	if k == 0 || k > 6 {
		return nil, fmt.Errorf("%w: %d modules (must be 1…6)", ErrInvalid, k)
	}
	if policy == nil {
		return nil, fmt.Errorf("%w: nil TierPolicy", ErrInvalid)
	}
	names := map[string]bool{}
	for i, m := range modules {
		if m.Name == "" || names[m.Name] {
			return nil, fmt.Errorf("%w: modules[%d].Name = %q (must be non-empty and unique)", ErrInvalid, i, m.Name)
		}
		names[m.Name] = true
		if err := validateModels(m.Tiers[:]); err != nil {
			return nil, fmt.Errorf("modules[%d] (%s): %w", i, m.Name, err)
		}
	}
	n := 1
	for range modules {
		n *= 3
	}
	r := &TierRouter{modules: modules, policy: policy, combos: make([][]Tier, n)}
	models := make([]Model, n)
	for c := range r.combos {
		tiers := make([]Tier, k)
		parts := make([]string, k)
		x := c
		for i := range modules {
			tiers[i] = Tier(x%3) + TierLow
			x /= 3
			parts[i] = modules[i].Name + "=" + tiers[i].String()
		}
		r.combos[c] = tiers
		models[c] = Model{Name: strings.Join(parts, ",")}
	}
	budget.Models = models
	p, err := NewPacer(budget, nil)
	if err != nil {
		return nil, err
	}
	r.pacer = p
	return r, nil
}

// Pacer returns the router's pacer (for Stats and snapshots); nil for a
// zero TierRouter.
func (r *TierRouter) Pacer() *Pacer { return r.pacer }

// Route scores every module's tiers and picks a combination. The Choice's
// Tiers holds one tier per module, Model names the combination.
func (r *TierRouter) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if r.pacer == nil {
		return bad, errNotCreated("TierRouter", "NewTierRouter")
	}
	k := len(r.modules)
	scores := make([][3]float64, k)
	costs := make([][3]float64, k)
	for i, m := range r.modules {
		s, err := r.policy.TierScores(ctx, q, i)
		if err != nil {
			return bad, fmt.Errorf("router: tier policy: %w", err)
		}
		for t := 0; t < 3; t++ {
			if !num.IsFinite(s[t]) {
				return bad, fmt.Errorf("%w: tier score of module %s tier %s = %v (must be finite)", ErrInvalid, m.Name, Tier(t+1), s[t])
			}
			c, err := modelCost(m.Tiers[:], t, q)
			if err != nil {
				return bad, err
			}
			costs[i][t] = c
		}
		scores[i] = s
	}
	n := len(r.combos)
	qs, cs := make([]float64, n), make([]float64, n)
	for c, tiers := range r.combos {
		for i, t := range tiers {
			qs[c] += scores[i][t-TierLow]
			cs[c] += costs[i][t-TierLow]
		}
	}
	ch, err := r.pacer.Decide(ctx, q, qs, cs)
	if ch.Index >= 0 {
		ch.Tiers = append([]Tier(nil), r.combos[ch.Index]...)
	}
	return ch, err
}

// Observe settles the combination's reservation with the actual total cost.
func (r *TierRouter) Observe(ctx context.Context, q Query, c Choice, o Outcome) error {
	if r.pacer == nil {
		return errNotCreated("TierRouter", "NewTierRouter")
	}
	return r.pacer.Observe(ctx, q, c, o)
}

var (
	_ Router  = (*TierRouter)(nil)
	_ Learner = (*TierRouter)(nil)
)
