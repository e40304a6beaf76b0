package main

import (
	"fmt"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/internal/plotx"
)

// plotResults draws each strategy's mean error against its mean tokens
// spent at the checkpoints, with ±1 sd error bars between replications,
// and the error with the true ability plugged into the calibrated bank.
func plotResults(res results, out string) (string, error) {
	p := plotx.New(fmt.Sprintf("Per-task error vs tokens, at 8/16/32/64 items (bars: ±1 sd, %d replications)", len(res.floor)),
		"tokens spent per model (log scale)", "MAE of per-task accuracy (pp)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plotx.LogTicks{}
	lo, hi, top := 1e300, 0.0, 0.0
	for si, s := range strategies {
		pts := make(plotter.XYs, len(checkpoints))
		errs := make(plotter.YErrors, len(checkpoints))
		for c := range checkpoints {
			m, sd := stat.MeanStdDev(res.mae[si][c], nil)
			pts[c].X, pts[c].Y = stat.Mean(res.tokens[si][c], nil), 100*m
			errs[c].Low, errs[c].High = 100*sd, 100*sd
			lo, hi, top = min(lo, pts[c].X), max(hi, pts[c].X), max(top, 100*(m+sd))
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		line.Color, points.Color = plotx.Color(si), plotx.Color(si)
		line.Width = vg.Points(1.8)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return "", err
		}
		bars.Color = plotx.Color(si)
		p.Add(line, points, bars)
		p.Legend.Add(s.name, line, points)
	}
	lo, hi = lo/1.2, hi*1.2
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, 1.08*top
	if err := plotx.HLine(p, "true ability in the calibrated bank", 100*stat.Mean(res.floor, nil), lo, hi, plotx.Gray); err != nil {
		return "", err
	}
	return plotx.Save(p, 8.5*vg.Inch, 4*vg.Inch, out, "adaptive_eval.png")
}
