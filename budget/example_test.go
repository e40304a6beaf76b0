package budget_test

import (
	"fmt"

	"github.com/budgetkit/budgetkit/budget"
)

func ExampleAllocate() {
	// Four prompts with estimated success rates; 32 rollouts in all.
	var items []budget.Item
	for _, p := range []float64{0.05, 0.35, 0.6, 1} {
		items = append(items, budget.Item{Value: budget.Knapsack{P: p}, Min: 2, Max: 16})
	}
	a, err := budget.Allocate(items, 32, budget.AllocateConfig{Exact: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Counts, a.Spent, a.Solver)
	// Output:
	// [13 9 8 2] 32 greedy
}

func ExampleBetaKnapsack() {
	// Uncertain prompts: an unseen one (the uniform prior) and one whose
	// last 8 rollouts all failed, Beta(1, 9).
	items := []budget.Item{
		{Value: budget.BetaKnapsack{Alpha: 1, Beta: 1}},
		{Value: budget.BetaKnapsack{Alpha: 1, Beta: 9}},
		{Value: budget.BetaKnapsack{Alpha: 6, Beta: 6}},
	}
	a, _ := budget.Allocate(items, 24, budget.AllocateConfig{Exact: true})
	fmt.Println(a.Counts)
	// Output:
	// [8 9 7]
}

func ExampleKnapsackRL() {
	stats := []budget.PromptStat{
		{Valid: true, P: 0.5},
		{Valid: true, P: 0.2},
		{Valid: true, P: 0}, // never solved: gets the fallback surplus
		{Valid: true, P: 1},
		{}, // no estimate yet: gets N = 8
	}
	counts, info, err := budget.KnapsackRL(stats, budget.KnapsackRLConfig{})
	if err != nil {
		panic(err)
	}
	fmt.Println(counts, info.Fallback, info.Surplus)
	// Output:
	// [6 11 13 2 8] true 11
}

func ExampleDUETAllocate() {
	signal := []float64{0.8, 1.2, 0.5, 1.5}                                                       // ŝ_q
	length := []float64{300, 400, 250, 600}                                                       // L̂_q, tokens
	a, _ := budget.DUETAllocate(signal, length, budget.DUETConfig{Fraction: 0.5, Iterations: 10}) // the reference's 10 bisection steps
	// The reference weights by the counts before the budget repair.
	w, _ := budget.PropensityWeights(a.Bisected, 0)
	fmt.Println(a.Bisected, "→", a.Counts, a.Used, "≤", a.Budget)
	fmt.Printf("%.2f\n", w)
	// Output:
	// [3 5 2 5] → [3 5 2 4] 5800 ≤ 6200
	// [1.25 1.00 1.88 1.00]
}

func ExampleBalancedPartition() {
	counts := []int{3, 1, 2}
	length := []float64{100, 400, 250} // expected tokens per rollout
	shards, _ := budget.BalancedPartition(counts, length, 2)
	fmt.Println(shards)
	// Output:
	// [[1 0 0] [2 2 0]]
}

func ExampleGVM() {
	// GVM-RAFT's Neyman weights for three prompts with gradient norm g and
	// success rate p: the hard prompt gets more samples.
	var items []budget.Item
	for _, p := range []float64{0.9, 0.5, 0.1} {
		v, _ := budget.GVM(1, p, 0, 0) // zero α, β: the paper's 1e-3 and 2
		items = append(items, budget.Item{Value: v, Min: 1, Max: 64})
	}
	a, _ := budget.Allocate(items, 24, budget.AllocateConfig{})
	fmt.Println(a.Counts)
	// Output:
	// [5 6 13]
}

func ExamplePropensityWeights() {
	w, _ := budget.PropensityWeights([]int{16, 8, 4, 2, 0}, 0) // mean 6
	fmt.Printf("%.2f\n", w)
	// Output:
	// [1.00 1.00 1.50 3.00 20.00]
}
