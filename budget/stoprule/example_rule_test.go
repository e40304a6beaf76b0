package stoprule_test

import (
	"fmt"

	"github.com/budgetkit/budgetkit/budget/stoprule"
)

func ExampleRule() {
	// One controller per training run; one rule per rollout.
	ctl, _ := stoprule.NewController(stoprule.Config{MaxLength: 1000, Seed: 1})
	th, _ := ctl.Thresholds([]float64{0.8, 0.3}, []float64{400, 900}) // ŝ, L̂ per prompt
	rule, _ := ctl.Rule(0, 1, th[1])                                  // prompt 1 has the lower information rate: threshold 0.5
	for i := 1; i <= 1000; i++ {
		text := " step"
		if i == 320 {
			text = ` so \boxed{12}`
		}
		// The confidence of the next-token distribution, e.g. from
		// stoprule.Confidence(stoprule.Margin, logits).
		if force, _ := rule.Next(text, 0.97); force {
			break // the caller emits end-of-sequence here
		}
	}
	res := rule.Result()
	fmt.Println(res.Outcome, res.Tokens, res.Weight)
	// Output:
	// fired 324 1
}
