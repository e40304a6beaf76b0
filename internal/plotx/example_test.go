package plotx_test

import (
	"fmt"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// NiceTicks labels round steps with a common number of decimals.
func ExampleNiceTicks() {
	for _, t := range (plotx.NiceTicks{}).Ticks(0, 10000) {
		if t.Label != "" {
			fmt.Print(t.Label, " ")
		}
	}
	fmt.Println()
	// Output: 0 2000 4000 6000 8000 10,000
}

// MovingAverage is the trailing mean drawn over a faint raw series.
func ExampleMovingAverage() {
	fmt.Println(plotx.MovingAverage([]float64{0.2, 0.9, 0.1, 0.8}, 2))
	// Output: [0.2 0.55 0.5 0.45]
}
