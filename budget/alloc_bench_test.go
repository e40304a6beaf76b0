package budget

import (
	"math/rand/v2"
	"testing"
)

var sink Allocation

func BenchmarkAllocateGreedy(b *testing.B) {
	// Knapsack RL at scale: 100,000 prompts, 1,000,000 rollouts, bounds [2, 128].
	r := rand.New(rand.NewPCG(1, 1))
	items := make([]Item, 100_000)
	for i := range items {
		items[i] = Item{Value: Knapsack{P: r.Float64()}, Min: 2, Max: 128}
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := Allocate(items, 1_000_000, AllocateConfig{Solver: SolverGreedy})
		if err != nil {
			b.Fatal(err)
		}
		sink = a
	}
}

func BenchmarkAllocateDP(b *testing.B) {
	// 256 prompts, 2,048 rollouts above the minimums, K = 126 choices each.
	r := rand.New(rand.NewPCG(2, 2))
	items := make([]Item, 256)
	for i := range items {
		items[i] = Item{Value: Knapsack{P: r.Float64()}, Min: 2, Max: 128}
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := Allocate(items, 2*256+2048, AllocateConfig{Solver: SolverDP})
		if err != nil {
			b.Fatal(err)
		}
		sink = a
	}
}

func BenchmarkAllocateBetaExact(b *testing.B) {
	// The quickstart's setting: 256 prompts with Beta posteriors, 8 rollouts
	// per prompt on average, exact solution.
	r := rand.New(rand.NewPCG(3, 3))
	items := make([]Item, 256)
	for i := range items {
		items[i] = Item{Value: BetaKnapsack{Alpha: 1 + 8*r.Float64(), Beta: 1 + 8*r.Float64()}}
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := Allocate(items, 8*256, AllocateConfig{Exact: true})
		if err != nil {
			b.Fatal(err)
		}
		sink = a
	}
}
