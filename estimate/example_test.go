package estimate_test

import (
	"fmt"
	"math"

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

func ExampleCostOfPass() {
	// Five attempts costing $0.002 on average, two of them correct.
	v, _ := estimate.CostOfPass([]float64{0.001, 0.003, 0.002, 0.002, 0.002}, []float64{1, 0, 1, 0, 0})
	frontier, _ := estimate.Frontier([]float64{v, 0.004}, 20) // another model, and a human expert at $20
	fmt.Printf("cost-of-pass $%.3f, frontier $%.3f\n", v, frontier)
	// Output:
	// cost-of-pass $0.005, frontier $0.004
}

func ExampleCostOfPassTable() {
	// Two problems, three models in two families, and a human expert.
	t := estimate.CostOfPassTable{
		Models:   []string{"small", "large", "other"},
		Families: []string{"acme", "acme", "globex"},
		Values: [][]float64{
			{0.02, 0.05, 0.04},
			{math.Inf(1), 0.30, 0.50},
		},
		Human: []float64{5, 5},
	}
	f, _ := t.TaskFrontier()
	abs, rel, _ := t.FamilyGain("acme")
	fmt.Printf("frontier $%.3f; without acme +$%.3f (%.0f%%)\n", f, abs, 100*rel)
	// Output:
	// frontier $0.160; without acme +$0.110 (41%)
}
