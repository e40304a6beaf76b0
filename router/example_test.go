package router_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// models are three models priced in $ per million tokens.
var models = []router.Model{
	{Name: "small", InputPrice: 0.15, OutputPrice: 0.6, ExpectedOutputTokens: 300},
	{Name: "medium", InputPrice: 1, OutputPrice: 4, ExpectedOutputTokens: 300},
	{Name: "large", InputPrice: 5, OutputPrice: 15, ExpectedOutputTokens: 300},
}

// staticPredictor predicts the same success probabilities for every query;
// a real one is a trained meta-model (FORC) or a router's scorer.
type staticPredictor []float64

func (p staticPredictor) PredictSuccess(context.Context, router.Query) ([]float64, error) {
	return p, nil
}

type winRate float64

func (w winRate) WinRate(context.Context, router.Query) (float64, error) { return float64(w), nil }

func ExampleModel_Cost() {
	// FORC's estimate: (1000·5 + 300·15)/1e6.
	fmt.Printf("$%.4f\n", models[2].Cost(router.Query{InputTokens: 1000}))
	// Output: $0.0095
}

func ExampleCalibrateTau() {
	scores := []float64{0.05, 0.12, 0.20, 0.33, 0.41, 0.50, 0.62, 0.70, 0.81, 0.95}
	for _, p := range []float64{0.2, 0.5, 0.8} {
		tau, _ := router.CalibrateTau(scores, p)
		fmt.Printf("strong fraction %.1f: τ = %.3f\n", p, tau)
	}
	// Output:
	// strong fraction 0.2: τ = 0.722
	// strong fraction 0.5: τ = 0.455
	// strong fraction 0.8: τ = 0.184
}

func ExampleNewThreshold() {
	r, _ := router.NewThreshold(models[1:], []float64{0.6}, winRate(0.72))
	ch, _ := r.Route(context.Background(), router.Query{InputTokens: 800})
	fmt.Println(ch.Model)
	// Output: large
}

func ExampleTauTracker() {
	tr, _ := router.NewTauTracker(router.TauTrackerConfig{Target: 0.25, InitialTau: 0.5})
	for i := 0; i < 4000; i++ {
		tr.Decide(float64(i*37%100) / 100) // live scores, uniform on [0, 1)
	}
	f, n := tr.Fraction()
	fmt.Printf("τ ≈ %.2f, strong share %.3f over %d requests\n", tr.Tau(), f, n)
	// Output: τ ≈ 0.75, strong share 0.256 over 4000 requests
}

func ExampleCascade() {
	c, _ := router.NewCascade(models, []float64{0.8, 0.6}, nil)
	ctx := context.Background()
	q := router.Query{InputTokens: 500}
	ch, _ := c.Route(ctx, q)
	// The caller runs each stage; here the small model is unsure and the
	// medium one confident.
	answers := []router.Answer{{Cost: 0.0003, Confidence: 0.4}, {Cost: 0.0017, Confidence: 0.9}}
	for _, ans := range answers {
		next, done, _ := c.Escalate(ctx, q, ch, ans)
		ch = next
		if done {
			break
		}
	}
	fmt.Printf("answered by %s at stage %d, total $%.4f\n", ch.Model, ch.Stage, ch.Spent)
	// Output: answered by medium at stage 1, total $0.0020
}

func ExampleFitCascade() {
	// Calibration records: per query, each model's confidence, correctness
	// and cost.
	records := []router.CascadeRecord{
		{Confidence: []float64{0.9, 0.9}, Quality: []float64{1, 1}, Cost: []float64{1, 10}},
		{Confidence: []float64{0.2, 0.8}, Quality: []float64{0, 1}, Cost: []float64{1, 10}},
		{Confidence: []float64{0.8, 0.9}, Quality: []float64{1, 1}, Cost: []float64{1, 10}},
		{Confidence: []float64{0.3, 0.7}, Quality: []float64{0, 1}, Cost: []float64{1, 10}},
	}
	// Budget 6 per query: the large model can answer only half of them.
	fit, _ := router.FitCascade(records, 6)
	fmt.Printf("τ = %.3f, accuracy %.2f at mean cost %.1f\n", fit.Thresholds[0], fit.Quality, fit.Cost)
	// Output: τ = 0.300, accuracy 1.00 at mean cost 6.0
}

func ExampleAssignBatch() {
	quality := [][]float64{{0.3, 0.9}, {0.8, 0.85}, {0.5, 0.95}}
	cost := [][]float64{{1, 10}, {1, 10}, {1, 10}}
	a, _ := router.AssignBatch(quality, cost, 21)
	fmt.Printf("%v quality %.2f cost %.0f (LP bound %.2f)\n", a.Choice, a.Quality, a.Cost, a.Bound)
	// Output: [1 0 1] quality 2.65 cost 21 (LP bound 2.65)
}

func ExampleThresholding() {
	r := &router.Thresholding{Models: models, Predictor: staticPredictor{0.3, 0.7, 0.9}}
	ch, _ := r.Route(context.Background(), router.Query{InputTokens: 500})
	fmt.Println(ch.Model) // the cheapest model predicted to succeed
	// Output: medium
}

func ExampleUtility() {
	r := &router.Utility{Models: models, Predictor: staticPredictor{0.6, 0.8, 0.85}, Lambda: 20}
	ch, _ := r.Route(context.Background(), router.Query{InputTokens: 2000})
	fmt.Printf("%s: q̂ %.2f, ĉ $%.4f\n", ch.Model, ch.Quality, ch.Cost)
	// Output: medium: q̂ 0.80, ĉ $0.0032
}

func ExamplePacer() {
	p, _ := router.NewPacer(router.PacerConfig{Models: models, Budget: 0.02, Horizon: 6},
		staticPredictor{0.6, 0.8, 0.9})
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		q := router.Query{ID: fmt.Sprint(i), InputTokens: 1000}
		ch, err := p.Route(ctx, q)
		if errors.Is(err, router.ErrBudgetExhausted) {
			fmt.Println(q.ID, "rejected")
			continue
		}
		// ... call ch.Model, then settle what it actually cost:
		p.Observe(ctx, q, ch, router.Outcome{Cost: ch.Cost})
		fmt.Printf("%s %s\n", q.ID, ch.Model)
	}
	s := p.Stats(time.Time{})
	fmt.Printf("spent $%.4f of $0.0200\n", s.Spent)
	// Output:
	// 0 large
	// 1 medium
	// 2 medium
	// 3 medium
	// 4 medium
	// 5 small
	// 6 small
	// spent $0.0190 of $0.0200
}

func ExampleNewTierRouter() {
	tiers := func(low, mid, high float64) [3]router.Model {
		return [3]router.Model{
			{Name: "low", CostFunc: func(router.Query) float64 { return low }},
			{Name: "mid", CostFunc: func(router.Query) float64 { return mid }},
			{Name: "high", CostFunc: func(router.Query) float64 { return high }},
		}
	}
	modules := []router.Module{{Name: "filter", Tiers: tiers(1, 2, 4)}, {Name: "summarise", Tiers: tiers(1, 4, 16)}}
	policy := router.LinearTierPolicy{Bias: [][3]float64{{0, 0.3, 0.4}, {0, 0.5, 0.9}}}
	r, _ := router.NewTierRouter(modules, policy, router.PacerConfig{Budget: 60, Horizon: 10, InitialLambda: 0.5})
	ch, _ := r.Route(context.Background(), router.Query{})
	fmt.Println(ch.Tiers, ch.Cost)
	// Output: [mid mid] 6
}

func ExampleCostNormalizer() {
	n, _ := router.NewCostNormalizer(router.BudgetMemNormalizer)
	for i := 1; i <= 100; i++ {
		n.Add(float64(i*i) * 1e-6) // recent costs: √c spread evenly on [0.001, 0.1]
	}
	for _, c := range []float64{0.00001, 0.0025, 0.01} {
		e, _ := n.Efficiency(c)
		fmt.Printf("cost %.5f → efficiency %.3f\n", c, e)
	}
	// Output:
	// cost 0.00001 → efficiency 1.000
	// cost 0.00250 → efficiency 0.506
	// cost 0.01000 → efficiency 0.000
}

type domains []float64

func (d domains) Classify(context.Context, router.Query) ([]float64, error) { return d, nil }

func ExampleGuard() {
	code, _ := router.NewThreshold(models[:2], []float64{0.5}, winRate(0.7))
	g := &router.Guard{Classifier: domains{0.45, 0.55}, Tau: 0.7, Routes: []router.Router{code, code}}
	_, err := g.Route(context.Background(), router.Query{})
	fmt.Println(errors.Is(err, router.ErrRejected))
	// Output: true
}

func ExampleDeferralCurve() {
	scores := []float64{0.1, 0.4, 0.6, 0.9}
	weak, strong := []float64{1, 1, 0, 0}, []float64{1, 1, 1, 1}
	curve, _ := router.DeferralCurve(scores, weak, strong, []float64{1, 1, 1, 1}, []float64{10, 10, 10, 10}, 5)
	apgr, _ := router.APGR(curve)
	cpt, _ := router.CPT(curve, 0.5)
	fmt.Printf("APGR %.3f, CPT(50%%) %.2f\n", apgr, cpt)
	// Output: APGR 0.750, CPT(50%) 0.25
}

func ExampleSummarize() {
	s, _ := router.Summarize([]float64{0.002, 0.010, 0.002, 0.002}, []float64{1, 1, 0, 1})
	fmt.Printf("accuracy %.2f, mean cost $%.4f, cost-of-pass $%.4f\n", s.Quality, s.Cost, s.CostOfPass)
	// Output: accuracy 0.75, mean cost $0.0040, cost-of-pass $0.0053
}

func ExampleTrackedThreshold() {
	tr, _ := router.NewTauTracker(router.TauTrackerConfig{Target: 0.5, InitialTau: 0.9, Eta: 0.1})
	r := &router.TrackedThreshold{Weak: models[0], Strong: models[2], Scorer: winRate(0.6), Tracker: tr}
	var picks []string
	for i := 0; i < 10; i++ {
		ch, _ := r.Route(context.Background(), router.Query{InputTokens: 1000})
		picks = append(picks, ch.Model)
	}
	fmt.Println(picks)
	fmt.Printf("τ = %.2f\n", tr.Tau())
	// Output:
	// [small small small small small small large small large small]
	// τ = 0.60
}

func ExamplePeriod_Bounds() {
	daily := router.Period{Kind: router.Daily, Location: time.UTC}
	start, end, _ := daily.Bounds(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
	fmt.Println(start.Format(time.DateTime), "→", end.Format(time.DateTime))
	monthly := router.Period{Kind: router.Monthly, Location: time.UTC}
	start, end, _ = monthly.Bounds(time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC))
	fmt.Println(start.Format(time.DateOnly), "→", end.Format(time.DateOnly))
	// Output:
	// 2026-03-14 00:00:00 → 2026-03-15 00:00:00
	// 2026-02-01 → 2026-03-01
}

func ExampleQuantile() {
	q, _ := router.Quantile([]float64{1, 2, 3, 4}, 0.5)
	fmt.Println(q)
	// Output: 2.5
}
