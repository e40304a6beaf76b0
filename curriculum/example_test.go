package curriculum_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/curriculum"
)

func ExampleSampler() {
	s, err := curriculum.New([]string{"easy", "medium", "hard"}, curriculum.Config{Method: curriculum.DUMP})
	if err != nil {
		panic(err)
	}
	// Step 0: GRPO advantages of each source's responses. Easy prompts are
	// all solved (advantage 0); medium ones give a strong signal.
	_ = s.Update(0, []curriculum.Feedback{
		{Arm: "easy", Values: []float64{0, 0, 0, 0}},
		{Arm: "medium", Values: []float64{1, -1, 1, -1}},
		{Arm: "hard", Values: []float64{0.5, -0.5, 0, 0}},
	})
	fmt.Printf("%.3f\n", s.Probs())
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Println(s.Arms()[s.Sample(r)])
	// Output:
	// [0.000 0.999 0.001]
	// medium
}
