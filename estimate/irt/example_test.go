package irt_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/estimate/irt"
)

// The bank and responses of the package's golden test.
var exampleBank = []irt.Item{
	irt.TwoPL(1, -1), irt.TwoPL(1.5, 0), irt.TwoPL(0.8, 0.5),
	irt.TwoPL(2, 1), irt.TwoPL(1.2, -0.5),
}

func ExampleMAP() {
	est, err := irt.MAP(exampleBank, []float64{1, 1, 0, 0, 1}, irt.AbilityConfig{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("θ̂ = %.4f, SE = %.4f\n", est.Theta[0], est.SE[0])
	// Output:
	// θ̂ = 0.3239, SE = 0.5983
}

func ExampleEAP() {
	// NaN marks items not administered.
	est, _ := irt.EAP(exampleBank, []float64{1, math.NaN(), 0, 0, 1}, irt.EAPConfig{})
	fmt.Printf("θ̂ = %.3f, posterior SD = %.3f\n", est.Theta[0], est.SE[0])
	// Output:
	// θ̂ = 0.021, posterior SD = 0.691
}

func ExampleSession() {
	// A bank of 200 items of spread difficulty; the examinee has θ = 0.8.
	r := rand.New(rand.NewPCG(1, 2))
	bank := make([]irt.Item, 200)
	for j := range bank {
		bank[j] = irt.TwoPL(0.8+r.Float64(), -3+6*r.Float64())
	}
	s, _ := irt.NewSession(bank, irt.SessionConfig{Stopping: irt.Stopping{MaxSE: 0.35}})
	for s.Next() {
		j := s.Item()
		score := 0.0
		if r.Float64() < bank[j].Prob(0.8) {
			score = 1
		}
		if err := s.Observe(j, score, 1); err != nil {
			panic(err)
		}
	}
	if err := s.Err(); err != nil {
		panic(err)
	}
	items, _ := s.Administered()
	fmt.Printf("%d items, stop: %v, SE %.2f\n", len(items), s.Stop(), s.Ability().SE[0])
	// Output:
	// 14 items, stop: standard error reached, SE 0.34
}

func ExampleCalibrate() {
	// Simulate 300 models answering 40 items of a known 2PL bank.
	r := rand.New(rand.NewPCG(3, 4))
	truth := make([]irt.Item, 40)
	for j := range truth {
		truth[j] = irt.TwoPL(0.7+r.Float64(), -2+4*r.Float64())
	}
	matrix := make([][]float64, 300)
	for i := range matrix {
		theta := []float64{r.NormFloat64()}
		matrix[i] = make([]float64, len(truth))
		for j, it := range truth {
			if r.Float64() < it.Prob(theta...) {
				matrix[i][j] = 1
			}
		}
	}
	cal, err := irt.Calibrate(context.Background(), matrix, irt.CalibrateConfig{Seed: 1})
	if err != nil {
		panic(err)
	}
	b0, _ := truth[0].Difficulty()
	b1, _ := cal.Bank[0].Difficulty()
	fmt.Printf("method %v, converged %v; item 0 difficulty: true %.2f, fitted %.2f\n", cal.Report.Method, cal.Report.Converged, b0, b1)
	// Output:
	// method MML-EM, converged true; item 0 difficulty: true 1.26, fitted 1.18
}

func ExampleItem() {
	// A 3PL item: discrimination 1.5, difficulty 0.5, guessing 0.2.
	it := irt.ThreePL(1.5, 0.5, 0.2)
	at, _ := it.MaxInfoTheta()
	fmt.Printf("P(0.5) = %.3f, most informative at θ = %.3f, I = %.3f\n", it.Prob(0.5), at, it.Info(at))
	// Output:
	// P(0.5) = 0.600, most informative at θ = 0.678, I = 0.383
}

func ExampleAnchorPoints() {
	// Ten items described by their (a, b); pick three anchors.
	features := [][]float64{
		{1.0, -2.0}, {1.1, -1.9}, {0.9, -2.1},
		{1.2, 0.0}, {1.0, 0.1}, {1.1, -0.1}, {0.9, 0.0},
		{1.3, 2.0}, {1.2, 2.1}, {1.0, 1.9},
	}
	a, err := irt.AnchorPoints(features, irt.AnchorConfig{K: 3, Seed: 1})
	if err != nil {
		panic(err)
	}
	// A new model answers only the anchors.
	score, _ := a.Score([]float64{1, 1, 0})
	fmt.Printf("anchors %v, weights %.1f, estimated score %.1f\n", a.Items, a.Weights, score)
	// Output:
	// anchors [0 8 4], weights [0.3 0.3 0.4], estimated score 0.6
}

func ExampleMLE() {
	// An all-correct pattern has no finite MLE; the default falls back to MAP.
	est, _ := irt.MLE(exampleBank, []float64{1, 1, 1, 1, 1}, irt.AbilityConfig{})
	fmt.Printf("θ̂ = %.3f, extreme pattern: %v\n", est.Theta[0], est.Extreme)
	// Output:
	// θ̂ = 1.335, extreme pattern: true
}

func ExampleCalibrate_rasch() {
	// 500 models with ability SD 1.5 answer 20 Rasch items.
	r := rand.New(rand.NewPCG(7, 8))
	b := make([]float64, 20)
	for j := range b {
		b[j] = -2 + 4*float64(j)/19
	}
	matrix := make([][]float64, 500)
	for i := range matrix {
		u := 1.5 * r.NormFloat64()
		matrix[i] = make([]float64, len(b))
		for j := range b {
			if r.Float64() < irt.OnePL(b[j]).Prob(u) {
				matrix[i][j] = 1
			}
		}
	}
	cal, err := irt.Calibrate(context.Background(), matrix, irt.CalibrateConfig{Model: irt.ModelRasch})
	if err != nil {
		panic(err)
	}
	// The common slope is the ability SD; difficulties are −d on that scale.
	fmt.Printf("%v: ability SD %.2f, difficulty of item 0 %.2f (true −2), warnings %d\n",
		cal.Report.Model, cal.Bank[0].A[0], -cal.Bank[0].D, len(cal.Report.Warnings))
	// Output:
	// Rasch: ability SD 1.55, difficulty of item 0 -1.89 (true −2), warnings 0
}
