package main

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// plotProfiles draws the learning-rate profiles and the token-budget
// curricula, one point every 10 steps, and returns the files written.
func plotProfiles(lr []lrProfile, tokens []tokenProfile, out string) ([]string, error) {
	xs := make([]float64, 0, steps/10+1)
	for t := 0; t < steps; t += 10 {
		xs = append(xs, float64(t))
	}
	xs = append(xs, steps-1)
	p := plotx.New(fmt.Sprintf("Learning-rate profiles over a %s-step budget (peak 3e-4)", plotx.Number(steps, 0)),
		"training step", "learning rate (units of 1e-4)")
	p.X.Min, p.X.Max = 0, steps
	for i, prof := range lr {
		ys := make([]float64, len(xs))
		for k, x := range xs {
			ys[k] = prof.s.At(int(x)) * 1e4
		}
		l, err := plotx.Line(p, prof.name, xs, ys, plotx.Color(i), vg.Points(1.6))
		if err != nil {
			return nil, err
		}
		if i >= len(plotx.Palette) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
	}
	a, err := plotx.Save(p, 8.5*vg.Inch, 4*vg.Inch, out, "schedules_lr.png")
	if err != nil {
		return nil, err
	}
	p = plotx.New("Thinking-budget curricula", "training step", "thinking budget (tokens)")
	p.X.Min, p.X.Max = 0, steps
	p.Y.Min = 0
	for i, prof := range tokens {
		ys := make([]float64, len(xs))
		for k, x := range xs {
			ys[k] = float64(prof.s.At(int(x)))
		}
		if _, err := plotx.Line(p, prof.name, xs, ys, plotx.Color(i), vg.Points(1.8)); err != nil {
			return nil, err
		}
	}
	b, err := plotx.Save(p, 8.5*vg.Inch, 3.2*vg.Inch, out, "schedules_tokens.png")
	if err != nil {
		return nil, err
	}
	return []string{a, b}, nil
}
