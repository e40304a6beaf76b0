package estimate_test

import (
	"fmt"

	"github.com/budgetkit/budgetkit/estimate"
)

func ExampleTracker() {
	// Knapsack RL's setting: a window of the last 16 rewards, valid after 8.
	tr, _ := estimate.NewTracker(estimate.TrackerConfig{Window: 16, MinObservations: 8})
	_ = tr.ObserveRewards("q17", []float64{1, 0, 0, 1, 0, 0, 0, 0}, 0.5)
	p, valid := tr.Estimate("q17")
	a, b, _ := tr.Posterior("q17")
	fmt.Printf("p̂ = %.2f (valid %v), posterior Beta(%g, %g)\n", p, valid, a, b)
	// Output:
	// p̂ = 0.25 (valid true), posterior Beta(3, 7)
}
