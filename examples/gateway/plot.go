package main

import (
	"fmt"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// plotSpend draws each budgeted policy's settled spend over the day (in
// 5-minute steps) against the budget.
func plotSpend(rep report, out string) (string, error) {
	p := plotx.New("Settled spend over the day (always-weak and always-strong left out)", "time of day (UTC)", "cumulative spend ($)")
	p.X.Min, p.X.Max = 0, 24
	var hours plot.ConstantTicks
	for h := 0; h <= 24; h++ {
		label := ""
		if h%3 == 0 {
			label = fmt.Sprintf("%02d:00", h)
		}
		hours = append(hours, plot.Tick{Value: float64(h), Label: label})
	}
	p.X.Tick.Marker = hours
	p.Y.Min = 0
	top := rep.budget
	for i, res := range rep.results[2:] {
		ev := slices.Clone(res.events)
		slices.SortFunc(ev, func(a, b event) int { return a.at.Compare(b.at) })
		day := ev[0].at.Truncate(24 * time.Hour)
		var xs, ys []float64
		var sum float64
		k := 0
		for step := 0; step <= 24*12; step++ {
			t := day.Add(time.Duration(step) * 5 * time.Minute)
			for k < len(ev) && !ev[k].at.After(t) {
				sum += ev[k].cost
				k++
			}
			xs = append(xs, float64(step)/12)
			ys = append(ys, sum)
		}
		l, err := plotx.Line(p, res.name, xs, ys, plotx.Color(i), vg.Points(2))
		if err != nil {
			return "", err
		}
		if i == 1 {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		top = max(top, sum)
	}
	p.Y.Max = 1.1 * top
	if err := plotx.HLine(p, "daily budget", rep.budget, 0, 24, plotx.Gray); err != nil {
		return "", err
	}
	return plotx.Save(p, 8.5*vg.Inch, 3.8*vg.Inch, out, "gateway_spend.png")
}
