package grposim_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/internal/grposim"
)

// A batch of two groups of 8 rollouts: the mixed one moves its prompt,
// the all-failure one teaches nothing.
func ExamplePolicy_Update() {
	pl, err := grposim.NewPolicy([]float64{0.5, 0.05}, grposim.Config{})
	if err != nil {
		panic(err)
	}
	mixed, err := pl.Update([]grposim.Group{
		{Prompt: 0, Successes: 4, Rollouts: 8},
		{Prompt: 1, Successes: 0, Rollouts: 8},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("mixed groups %d; p: %.4f %.4f\n", mixed, pl.P(0), pl.P(1))
	// Output: mixed groups 1; p: 0.5117 0.0500
}

// Rollout samples a group; the seed fixes the run.
func ExamplePolicy_Rollout() {
	pl, _ := grposim.NewPolicy([]float64{0.3}, grposim.Config{})
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Println(pl.Rollout(r, 0, 8), pl.Rollout(r, 0, 8))
	// Output: 0 2
}

// ExpectedGradient is E[g(K, n)] for K ~ Binomial(n, p).
func ExampleExpectedGradient() {
	for _, n := range []int{2, 8, 32} {
		a, _ := grposim.ExpectedGradient(0.5, n, false)
		b, _ := grposim.ExpectedGradient(0.05, n, false)
		fmt.Printf("n=%2d  E[g]/n at p=0.5: %.3f  at p=0.05: %.3f\n", n, a/float64(n), b/float64(n))
	}
	// Output:
	// n= 2  E[g]/n at p=0.5: 0.177  at p=0.05: 0.034
	// n= 8  E[g]/n at p=0.5: 0.434  at p=0.05: 0.110
	// n=32  E[g]/n at p=0.5: 0.484  at p=0.05: 0.184
}
