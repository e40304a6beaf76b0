package stoprule_test

import (
	"fmt"

	"github.com/budgetkit/budgetkit/budget/stoprule"
)

func ExampleController() {
	ctl, _ := stoprule.NewController(stoprule.Config{MaxLength: 1000})
	fmt.Println(ctl.K())
	// Each step, record the lengths of the kept rollouts, then end the step.
	for step := 1; step <= 9; step++ {
		for i := 0; i < 8; i++ {
			_ = ctl.ObserveLength(200 + 50*i)
		}
		if refit, _ := ctl.EndStep(); refit {
			k1, k2 := ctl.K()
			fmt.Println("step", step, "refit:", k1, k2)
		}
	}
	// Output:
	// 300 700
	// step 9 refit: 300 500
}

func ExampleMarkers() {
	m, _ := stoprule.Markers("math")
	for _, text := range []string{
		`so x = 4`,
		`so \boxed{\frac{1}{2}}`,
		"Final\vanswer: 3", // Python's \s includes the vertical tab
	} {
		fmt.Println(m.Match([]byte(text)))
	}
	// Output:
	// false
	// true
	// true
}

func ExampleConfidence() {
	logits := []float64{2, 1, 0}
	for _, s := range []stoprule.Signal{stoprule.Margin, stoprule.MaxProb, stoprule.Entropy} {
		c, _ := stoprule.Confidence(s, logits)
		fmt.Printf("%s %.4f\n", s, c)
	}
	// Output:
	// margin 0.4205
	// max-prob 0.6652
	// entropy 0.8324
}
