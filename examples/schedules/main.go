// Command schedules compares budget-aware learning-rate profiles over the
// same 10,000-step budget and the token-budget curricula of RL reasoning
// training. It prints a table and writes schedules_lr.png and
// schedules_tokens.png.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/budgetkit/budgetkit/budget/schedule"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

const (
	steps = 10000
	peak  = 3e-4
)

func must(s schedule.Schedule, err error) schedule.Schedule {
	if err != nil {
		log.Fatal(err)
	}
	return s
}

func main() {
	out := flag.String("out", ".", "directory for the PNG files")
	flag.Parse()

	warm := func(s schedule.Schedule) schedule.Schedule { return must(schedule.Warmup(s, 500)) }
	lr := []struct {
		name string
		s    schedule.Schedule
	}{
		{"cosine", warm(must(schedule.Cosine(peak, peak/10, steps-500)))},
		{"linear", warm(must(schedule.Polynomial(peak, 0, steps-500, 1)))},
		{"REX", warm(must(schedule.REX(peak, steps-500)))},
		{"WSD (20% 1-sqrt)", must(schedule.WSD(peak, 0, steps, 500, 0.2, schedule.DecaySqrt))},
		{"OneCycle", must(schedule.OneCycle(peak, steps, schedule.OneCycleConfig{}))},
		{"inverse sqrt (w = 1,000)", warm(must(schedule.InvSqrt(peak, 1000)))},
		{"step ×0.1 @ 50%, 75%", warm(must(schedule.MultiStep(peak, 0.1, []int{4750, 7125})))},
		{"REX per 1,000 steps", warm(must(schedule.Every(must(schedule.REX(peak, steps-500)), 1000)))},
	}
	at := []int{0, 250, 500, 2500, 5000, 7500, 9000, 9999}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "learning rate (×1e-4)\t")
	for _, t := range at {
		fmt.Fprintf(w, "t=%d\t", t)
	}
	fmt.Fprintln(w)
	for _, p := range lr {
		fmt.Fprintf(w, "%s\t", p.name)
		for _, t := range at {
			fmt.Fprintf(w, "%.3f\t", p.s.At(t)*1e4)
		}
		fmt.Fprintln(w)
	}
	w.Flush()

	tokens := []struct {
		name string
		s    schedule.Budget
	}{
		{"exp decay 4096·0.7^⌊t/1000⌋, min 256", schedule.ExpDecay{B0: 4096, Gamma: 0.7, T: 1000, Min: 256}},
		{"linear 4096 → 1024", schedule.LinearBudget{B0: 4096, End: 1024, Steps: 8000}},
	}
	fmt.Println()
	w = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "thinking budget (tokens)\t")
	for _, t := range at {
		fmt.Fprintf(w, "t=%d\t", t)
	}
	fmt.Fprintln(w)
	for _, p := range tokens {
		fmt.Fprintf(w, "%s\t", p.name)
		for _, t := range at {
			fmt.Fprintf(w, "%d\t", p.s.At(t))
		}
		fmt.Fprintln(w)
	}
	w.Flush()

	palette := []color.Color{
		color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
		color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
		color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255},
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Learning-rate profiles over a %d-step budget", steps)
	p.X.Label.Text = "step"
	p.Y.Label.Text = "learning rate"
	for i, prof := range lr {
		addLine(p, prof.name, palette[i%len(palette)], func(t int) float64 { return prof.s.At(t) })
	}
	save(p, filepath.Join(*out, "schedules_lr.png"))

	p = plot.New()
	p.Title.Text = "Token-budget curricula"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "thinking budget (tokens)"
	for i, prof := range tokens {
		addLine(p, prof.name, palette[i], func(t int) float64 { return float64(prof.s.At(t)) })
	}
	save(p, filepath.Join(*out, "schedules_tokens.png"))
}

func addLine(p *plot.Plot, name string, c color.Color, f func(int) float64) {
	pts := make(plotter.XYs, 0, steps/10)
	for t := 0; t < steps; t += 10 {
		pts = append(pts, plotter.XY{X: float64(t), Y: f(t)})
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		log.Fatal(err)
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add(name, l)
}

func save(p *plot.Plot, file string) {
	p.Legend.Top = true
	if err := p.Save(8*vg.Inch, 4.5*vg.Inch, file); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", file)
}
