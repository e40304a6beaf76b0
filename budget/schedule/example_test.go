package schedule_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/budget/schedule"
)

func ExampleREX() {
	rex, _ := schedule.REX(0.1, 1000)
	s, _ := schedule.Warmup(rex, 100) // 100 warm-up steps, then REX over 1,000
	for _, t := range []int{0, 50, 100, 600, 1100} {
		fmt.Printf("step %4d: %.4f\n", t, s.At(t))
	}
	// Output:
	// step    0: 0.0000
	// step   50: 0.0500
	// step  100: 0.1000
	// step  600: 0.0667
	// step 1100: 0.0000
}

func ExamplePhases() {
	// Continual pre-training: decay, then re-warm and re-decay.
	first, _ := schedule.Cosine(3e-4, 3e-5, 1000)
	cos2, _ := schedule.Cosine(3e-4, 3e-5, 900)
	second, _ := schedule.Warmup(cos2, 100)
	s, _ := schedule.Phases(schedule.Phase{Schedule: first, Steps: 1000}, schedule.Phase{Schedule: second, Steps: 1000})
	fmt.Printf("%.1e %.1e %.1e %.1e\n", s.At(0), s.At(999), s.At(1050), s.At(1100))
	// Output:
	// 3.0e-04 3.0e-05 1.5e-04 3.0e-04
}

func ExampleExpDecay() {
	// "Train Long, Think Short": 256 tokens, ×0.7 every 100 steps, floor 64.
	b := schedule.ExpDecay{B0: 256, Gamma: 0.7, T: 100, Min: 64}
	if err := b.Validate(); err != nil {
		panic(err)
	}
	fmt.Println(b.At(0), b.At(100), b.At(200), b.At(300), b.At(500))
	// Output:
	// 256 179 125 87 64
}

func ExamplePrior() {
	prior, _ := schedule.LinearPrior([]int{1000, 2000, 3000, 4000})
	r := rand.New(rand.NewPCG(1, 2))
	b, _ := prior.Sample(r) // a budget for the next rollout
	fmt.Printf("%.1f %d\n", prior.Probs(), b)
	// Output:
	// [0.1 0.2 0.3 0.4] 4000
}

func ExampleLengthReward() {
	lr := schedule.LengthReward{Alpha: 0.5, Gate: 0.5} // GRPO-λ: penalise length only in groups ≥ 50% correct
	rewards := make([]float64, 3)
	_ = lr.Group(rewards, []bool{true, true, false}, []int{200, 800, 400}, 800)
	fmt.Println(rewards)
	// Output:
	// [0.875 0.5 -0.25]
}

func ExampleWSD() {
	// Warm up for 100 steps, hold, and decay over the last 20% with 1−√x.
	s, _ := schedule.WSD(1e-3, 1e-5, 1000, 100, 0.2, schedule.DecaySqrt)
	v, _ := schedule.Table(s, 1001)
	fmt.Printf("%.2e %.2e %.2e %.2e %.2e\n", v[50], v[100], v[799], v[900], v[1000])
	// Output:
	// 5.00e-04 1.00e-03 1.00e-03 3.00e-04 1.00e-05
}

func ExampleLinearBudget() {
	b := schedule.LinearBudget{B0: 4096, End: 1024, Steps: 8000}
	fmt.Println(b.At(0), b.At(2000), b.At(8000), b.At(9000))
	// Output:
	// 4096 3328 1024 1024
}
