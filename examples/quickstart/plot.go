package main

import (
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// plotCurves draws the mean pass rate over training for each strategy
// (mean over seeds, per-token normalisation).
func plotCurves(sums []summary, o options) (string, error) {
	p := plotx.New("Mean pass rate during training (per-token GRPO, mean of seeds)", "training step", "mean pass rate over all prompts (0–1)")
	every := max(1, o.steps/50)
	for i, s := range sums {
		xs := make([]float64, len(s.curve))
		for t := range xs {
			xs[t] = float64(min(t*every, o.steps))
		}
		if _, err := plotx.Line(p, s.name, xs, s.curve, plotx.Color(i), vg.Points(2)); err != nil {
			return "", err
		}
	}
	return plotx.Save(p, 8*vg.Inch, 3.6*vg.Inch, o.out, "quickstart_success.png")
}
