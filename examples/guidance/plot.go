package main

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// plotLengths draws one histogram of thinking lengths per configuration,
// stacked on a common length axis, with a line at the budget. Bins are 50
// tokens wide and closed on the right, so a length of exactly the budget
// falls in the bin that ends at it; lengths above 3,000 go to the last bin.
func plotLengths(sums []summary, budget int, out string) (string, error) {
	const binWidth, maxLen = 50.0, 3000.0
	var plots []*plot.Plot
	for i, s := range sums {
		p := plotx.New(fmt.Sprintf("%s: thinking length of %d questions", s.name, len(s.lengths)),
			"thinking tokens (50-token bins; the last holds everything above 3,000)", "questions per bin")
		p.X.Min, p.X.Max = 0, maxLen
		bins := make(plotter.XYs, int(maxLen/binWidth))
		for j := range bins {
			bins[j].X = (float64(j) + 0.5) * binWidth
		}
		var top float64
		for _, l := range s.lengths {
			j := min(max(int(math.Ceil(l/binWidth))-1, 0), len(bins)-1)
			bins[j].Y++
			top = max(top, bins[j].Y)
		}
		h, err := plotter.NewHistogram(bins, len(bins))
		if err != nil {
			return "", err
		}
		c := plotx.Color(i)
		h.FillColor = plotx.Faint(c, 0.55)
		h.LineStyle.Color = c
		h.LineStyle.Width = vg.Points(0.6)
		p.Add(h)
		p.Y.Min, p.Y.Max = 0, top*1.08
		name := ""
		if i == 0 {
			name = fmt.Sprintf("budget B = %d tokens", budget)
		}
		if err := plotx.VLine(p, name, float64(budget), 0, top*1.08, plotx.Color(6)); err != nil {
			return "", err
		}
		plots = append(plots, p)
	}
	return plotx.SaveStack(plots, 8*vg.Inch, 2.1*vg.Inch, out, "guidance_lengths.png")
}
