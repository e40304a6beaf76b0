package main

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// smoothWindow is the moving average's width in steps.
const smoothWindow = 20

// plotHistories draws, for each adaptive method, seed 1's sampling
// probability of every source over training: a 20-step moving average
// over the faint per-step values.
func plotHistories(results [][]runResult, steps int, out string) (string, error) {
	var plots []*plot.Plot
	for mi, m := range methods {
		if mi == 0 {
			continue // uniform: flat at 0.25
		}
		p := plotx.New(m.name+": probability of sampling each source (seed 1; "+
			"line = 20-step moving average)", "training step", "probability (0–1)")
		p.Y.Min, p.Y.Max = 0, 1
		p.X.Min, p.X.Max = 0, float64(steps)
		h := results[mi][0].history
		xs := make([]float64, len(h))
		for t := range xs {
			xs[t] = float64(t + 1)
		}
		for i, so := range sources {
			ys := make([]float64, len(h))
			for t, probs := range h {
				ys[t] = probs[i]
			}
			if err := plotx.Smoothed(p, so.name, xs, ys, smoothWindow, plotx.Color(i)); err != nil {
				return "", err
			}
		}
		plots = append(plots, p)
	}
	return plotx.SaveStack(plots, 8*vg.Inch, 2.6*vg.Inch, out, "curriculum_probs.png")
}
