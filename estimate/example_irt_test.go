package estimate_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/estimate"
)

// The bank and responses of the package's golden test.
var exampleBank = []estimate.Item{
	estimate.TwoPL(1, -1), estimate.TwoPL(1.5, 0), estimate.TwoPL(0.8, 0.5),
	estimate.TwoPL(2, 1), estimate.TwoPL(1.2, -0.5),
}

func ExampleMAP() {
	est, err := estimate.MAP(exampleBank, []float64{1, 1, 0, 0, 1}, estimate.AbilityConfig{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("θ̂ = %.4f, SE = %.4f\n", est.Theta[0], est.SE[0])
	// Output:
	// θ̂ = 0.3239, SE = 0.5983
}

func ExampleEAP() {
	// NaN marks items not administered.
	est, _ := estimate.EAP(exampleBank, []float64{1, math.NaN(), 0, 0, 1}, estimate.EAPConfig{})
	fmt.Printf("θ̂ = %.3f, posterior SD = %.3f\n", est.Theta[0], est.SE[0])
	// Output:
	// θ̂ = 0.021, posterior SD = 0.691
}

func ExampleSession() {
	// A bank of 200 items of spread difficulty; the examinee has θ = 0.8.
	r := rand.New(rand.NewPCG(1, 2))
	bank := make([]estimate.Item, 200)
	for j := range bank {
		bank[j] = estimate.TwoPL(0.8+r.Float64(), -3+6*r.Float64())
	}
	s, _ := estimate.NewSession(bank, estimate.SessionConfig{Stop: estimate.Stopping{MaxSE: 0.35}})
	for {
		if done, _ := s.Done(); done {
			break
		}
		j, err := s.NextItem()
		if err != nil {
			panic(err)
		}
		score := 0.0
		if r.Float64() < bank[j].Prob(0.8) {
			score = 1
		}
		_ = s.Observe(j, score, 1)
	}
	items, _ := s.Administered()
	_, why := s.Done()
	fmt.Printf("%d items, stop: %v, SE %.2f\n", len(items), why, s.StandardError()[0])
	// Output:
	// 14 items, stop: standard error reached, SE 0.34
}

func ExampleCalibrate() {
	// Simulate 300 models answering 40 items of a known 2PL bank.
	r := rand.New(rand.NewPCG(3, 4))
	truth := make([]estimate.Item, 40)
	for j := range truth {
		truth[j] = estimate.TwoPL(0.7+r.Float64(), -2+4*r.Float64())
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
	cal, err := estimate.Calibrate(context.Background(), matrix, estimate.CalibrateConfig{Seed: 1})
	if err != nil {
		panic(err)
	}
	b0, _ := truth[0].Difficulty()
	b1, _ := cal.Bank[0].Difficulty()
	fmt.Printf("method %v, converged %v; item 0 difficulty: true %.2f, fitted %.2f\n", cal.Report.Method, cal.Report.Converged, b0, b1)
	// Output:
	// method MML-EM, converged true; item 0 difficulty: true 1.26, fitted 1.13
}

func ExampleCostOfPass() {
	// Five attempts costing $0.002 on average, two of them correct.
	v, _ := estimate.CostOfPass([]float64{0.001, 0.003, 0.002, 0.002, 0.002}, []float64{1, 0, 1, 0, 0})
	frontier, _ := estimate.Frontier([]float64{v, 0.004}, 20) // another model, and a human expert at $20
	fmt.Printf("cost-of-pass $%.3f, frontier $%.3f\n", v, frontier)
	// Output:
	// cost-of-pass $0.005, frontier $0.004
}
