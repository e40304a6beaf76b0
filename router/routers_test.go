package router

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestUtilityAndThresholding(t *testing.T) {
	ctx := context.Background()
	q := Query{InputTokens: 1000}
	// Costs: small 0.00027, medium 0.0018, large 0.008.
	pred := predictFunc(func(context.Context, Query) ([]float64, error) { return []float64{0.4, 0.7, 0.8}, nil })
	for _, c := range []struct {
		lambda float64
		want   string
	}{{0, "large"}, {10, "large"}, {50, "medium"}, {1000, "small"}} {
		u := &Utility{Models: pricedModels, Predictor: pred, Lambda: c.lambda}
		ch, err := u.Route(ctx, q)
		if err != nil || ch.Model != c.want {
			t.Errorf("λ=%v: %+v %v; want %s", c.lambda, ch, err, c.want)
		}
	}
	for _, c := range []struct {
		p    []float64
		want string
	}{
		{[]float64{0.6, 0.7, 0.9}, "small"},  // cheapest above 0.5
		{[]float64{0.5, 0.7, 0.9}, "medium"}, // 0.5 is not > 0.5
		{[]float64{0.1, 0.2, 0.3}, "large"},  // none: the biggest
	} {
		p := c.p
		th := &Thresholding{Models: pricedModels, Predictor: predictFunc(func(context.Context, Query) ([]float64, error) { return p, nil })}
		ch, err := th.Route(ctx, q)
		if err != nil || ch.Model != c.want {
			t.Errorf("FORC %v: %+v %v; want %s", c.p, ch, err, c.want)
		}
	}
	bad := predictFunc(func(context.Context, Query) ([]float64, error) { return []float64{0.1, math.NaN(), 1}, nil })
	if _, err := (&Utility{Models: pricedModels, Predictor: bad}).Route(ctx, q); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN prediction: %v", err)
	}
	if _, err := (&Thresholding{Models: pricedModels, Predictor: pred, Threshold: 2}).Route(ctx, q); !errors.Is(err, ErrInvalid) {
		t.Errorf("threshold 2: %v", err)
	}
	if _, err := (&Utility{Models: pricedModels, Predictor: pred, Lambda: -1}).Route(ctx, q); !errors.Is(err, ErrInvalid) {
		t.Errorf("λ<0: %v", err)
	}
	over := []Model{{Name: "x", CostFunc: func(Query) float64 { return math.NaN() }}}
	one := predictFunc(func(context.Context, Query) ([]float64, error) { return []float64{1}, nil })
	if _, err := (&Utility{Models: over, Predictor: one}).Route(ctx, q); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN cost override: %v", err)
	}
}

func TestModelCost(t *testing.T) {
	m := Model{Name: "m", InputPrice: 3, OutputPrice: 15, ExpectedOutputTokens: 400}
	// (1200·3 + 400·15)/1e6 = 0.0096.
	if c := m.Cost(Query{InputTokens: 1200}); math.Abs(c-0.0096) > 1e-15 {
		t.Errorf("Cost = %v", c)
	}
	m.CostFunc = func(q Query) float64 { return 0.5 }
	if c := m.Cost(Query{InputTokens: 1200}); c != 0.5 {
		t.Errorf("override Cost = %v", c)
	}
}

type classes []float64

func (c classes) Classify(context.Context, Query) ([]float64, error) { return c, nil }

type named string

func (n named) Route(context.Context, Query) (Choice, error) {
	return Choice{Model: string(n), Domain: -1}, nil
}

func TestGuard(t *testing.T) {
	ctx := context.Background()
	routes := []Router{named("code"), named("math")}
	g := &Guard{Classifier: classes{0.2, 0.8}, Tau: 0.7, Routes: routes}
	ch, err := g.Route(ctx, Query{})
	if err != nil || ch.Model != "math" || ch.Domain != 1 {
		t.Errorf("in domain: %+v %v", ch, err)
	}
	g.Classifier = classes{0.55, 0.45}
	ch, err = g.Route(ctx, Query{})
	if !errors.Is(err, ErrRejected) || !ch.Rejected || ch.Domain != 0 || ch.Reason == "" {
		t.Errorf("out of domain: %+v %v", ch, err)
	}
	for _, p := range []classes{{0.5}, {0.5, 0.6}, {math.NaN(), 1}, {-0.1, 1.1}} {
		g.Classifier = p
		if _, err := g.Route(ctx, Query{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("probabilities %v: %v", p, err)
		}
	}
	g.Classifier, g.Tau = classes{0.5, 0.5}, 1.5
	if _, err := g.Route(ctx, Query{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("tau: %v", err)
	}
}

func TestTierRouter(t *testing.T) {
	mk := func(name string, low, mid, high float64) Module {
		return Module{Name: name, Tiers: [3]Model{
			{Name: "low", CostFunc: func(Query) float64 { return low }},
			{Name: "mid", CostFunc: func(Query) float64 { return mid }},
			{Name: "high", CostFunc: func(Query) float64 { return high }},
		}}
	}
	modules := []Module{mk("filter", 1, 2, 4), mk("extract", 1, 3, 9)}
	// Bias-only policy: high tiers score best; features tilt extract.
	policy := LinearTierPolicy{
		Bias:    [][3]float64{{0, 0.5, 0.6}, {0, 0.2, 1}},
		Weights: [][3][]float64{{nil, nil, nil}, {{0}, {1}, {0}}},
	}
	r, err := NewTierRouter(modules, policy, PacerConfig{Budget: 100, Horizon: 10, InitialLambda: 0})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ch, err := r.Route(ctx, Query{Features: []float64{0}})
	if err != nil || len(ch.Tiers) != 2 || ch.Tiers[0] != TierHigh || ch.Tiers[1] != TierHigh || ch.Cost != 13 {
		t.Fatalf("λ = 0: %+v %v", ch, err)
	}
	if err := r.Observe(ctx, Query{}, ch, Outcome{Cost: 12}); err != nil {
		t.Fatal(err)
	}
	// A large price on cost pushes every module to its low tier.
	r2, _ := NewTierRouter(modules, policy, PacerConfig{Budget: 100, Horizon: 10, InitialLambda: 100})
	ch, _ = r2.Route(ctx, Query{Features: []float64{0}})
	if ch.Tiers[0] != TierLow || ch.Tiers[1] != TierLow {
		t.Errorf("high λ: %+v", ch)
	}
	// A tight budget: only combinations costing ≤ 5 fit.
	r3, _ := NewTierRouter(modules, policy, PacerConfig{Budget: 5, Horizon: 1})
	ch, err = r3.Route(ctx, Query{Features: []float64{5}})
	if err != nil || ch.Cost > 5 || ch.Tiers[1] != TierMid {
		t.Errorf("tight budget: %+v %v", ch, err)
	}
	if _, err := r.Route(ctx, Query{Features: []float64{1, 2}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("feature length: %v", err)
	}
	if _, err := NewTierRouter(nil, policy, PacerConfig{Budget: 1, Horizon: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no modules: %v", err)
	}
	if _, err := NewTierRouter([]Module{mk("a", 1, 2, 3), mk("a", 1, 2, 3)}, policy, PacerConfig{Budget: 1, Horizon: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate modules: %v", err)
	}
	if _, err := NewTierRouter(modules, policy, PacerConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no budget: %v", err)
	}
	_ = time.Second
}
