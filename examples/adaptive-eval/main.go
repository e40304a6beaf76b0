// Command adaptive-eval calibrates an item bank from a simulated response
// matrix (60 models × 2,000 items over 20 tasks), then evaluates held-out
// models adaptively and reports, after 8, 16, 32 and 64 items, the mean
// absolute error of the predicted per-task scores and the tokens spent, for
// random, maximum-information and cost-aware selection. It writes the
// trade-off to adaptive_eval.png.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/budgetkit/budgetkit/estimate/irt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

const (
	numTasks      = 20
	itemsPerTask  = 100
	numModels     = 60 // calibration models
	heldOut       = 12 // models evaluated adaptively
	maxItems      = 64
	seed          = 11
	meanTokensLow = 200
)

var checkpoints = []int{8, 16, 32, 64}

func main() {
	out := flag.String("out", ".", "directory for adaptive_eval.png")
	flag.Parse()
	r := rand.New(rand.NewPCG(seed, 1))

	// The true bank: each task has its own difficulty level and answer
	// length; tokens per item vary twenty-fold across tasks.
	n := numTasks * itemsPerTask
	truth := make([]irt.Item, n)
	labels := make([]string, n)
	tokens := make([]float64, n)
	for t := 0; t < numTasks; t++ {
		level := -1.5 + 3*float64(t)/float64(numTasks-1)
		length := meanTokensLow * math.Pow(20, r.Float64())
		for k := 0; k < itemsPerTask; k++ {
			j := t*itemsPerTask + k
			truth[j] = irt.TwoPL(0.6+1.4*r.Float64(), level+0.8*r.NormFloat64())
			labels[j] = fmt.Sprintf("task%02d", t)
			tokens[j] = math.Round(length * math.Exp(0.3*r.NormFloat64()))
		}
	}

	// Calibrate on the response matrix of the calibration models.
	matrix := make([][]float64, numModels)
	for i := range matrix {
		matrix[i] = respond(r, truth, r.NormFloat64())
	}
	cal, err := irt.Calibrate(context.Background(), matrix, irt.CalibrateConfig{Seed: seed})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("calibrated %d items from %d models × %d items (%v, %d iterations, held-out AUC %.3f)\n\n",
		n, numModels, n, cal.Report.Method, cal.Report.Iterations, cal.Report.HeldOutAUC)

	strategies := []struct {
		name string
		cfg  irt.SessionConfig
	}{
		{"random", irt.SessionConfig{Selection: irt.SelectRandom}},
		{"max-information", irt.SessionConfig{Selection: irt.SelectMaxInfo}},
		{"cost-aware (γ = 1)", irt.SessionConfig{Selection: irt.SelectMaxInfo, CostExponent: 1}},
	}
	type point struct{ mae, tokens float64 }
	results := make([][]point, len(strategies))
	for si, s := range strategies {
		results[si] = make([]point, len(checkpoints))
		for h := 0; h < heldOut; h++ {
			theta := -1.5 + 3*float64(h)/float64(heldOut-1)
			want := taskScores(truth, labels, theta)
			answers := rand.New(rand.NewPCG(seed, uint64(100+h)))
			cfg := s.cfg
			cfg.Costs = tokens
			cfg.Seed = uint64(h)
			cfg.ItemCov = cal.ItemCov // standard errors include the calibration's uncertainty
			cfg.Stopping = irt.Stopping{MaxItems: maxItems}
			sess, err := irt.NewSession(cal.Bank, cfg)
			if err != nil {
				log.Fatal(err)
			}
			for c, k := 0, 1; sess.Next(); k++ {
				j := sess.Item()
				score := 0.0
				if answers.Float64() < truth[j].Prob(theta) {
					score = 1
				}
				if err := sess.Observe(j, score, tokens[j]); err != nil {
					log.Fatal(err)
				}
				if c < len(checkpoints) && k == checkpoints[c] {
					pred, err := sess.PredictTasks(labels)
					if err != nil {
						log.Fatal(err)
					}
					var mae float64
					for task, w := range want {
						mae += math.Abs(pred[task].Mean-w) / float64(len(want))
					}
					results[si][c].mae += mae / heldOut
					results[si][c].tokens += sess.Spent() / heldOut
					c++
				}
			}
			if err := sess.Err(); err != nil {
				log.Fatal(err)
			}
		}
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "items\t")
	for _, s := range strategies {
		fmt.Fprintf(w, "%s MAE\t%s tokens\t", s.name, s.name)
	}
	fmt.Fprintln(w)
	for c, k := range checkpoints {
		fmt.Fprintf(w, "%d\t", k)
		for si := range strategies {
			fmt.Fprintf(w, "%.3f\t%.0f\t", results[si][c].mae, results[si][c].tokens)
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	fmt.Printf("\nMAE: mean absolute error of the predicted per-task accuracy over %d tasks, averaged over %d held-out models.\n", numTasks, heldOut)

	p := plot.New()
	p.Title.Text = "Per-task prediction error vs tokens spent"
	p.X.Label.Text = "tokens spent (log scale)"
	p.Y.Label.Text = "MAE of per-task accuracy"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	colors := []color.Color{color.RGBA{150, 150, 150, 255}, color.RGBA{31, 119, 180, 255}, color.RGBA{214, 39, 40, 255}}
	for si, s := range strategies {
		pts := make(plotter.XYs, len(checkpoints))
		for c := range checkpoints {
			pts[c].X, pts[c].Y = results[si][c].tokens, results[si][c].mae
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			log.Fatal(err)
		}
		line.Color, points.Color = colors[si], colors[si]
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	p.Legend.Top = true
	file := filepath.Join(*out, "adaptive_eval.png")
	if err := p.Save(7*vg.Inch, 4*vg.Inch, file); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", file)
}

// respond simulates one model of ability θ answering every item.
func respond(r *rand.Rand, bank []irt.Item, theta float64) []float64 {
	row := make([]float64, len(bank))
	for j, it := range bank {
		if r.Float64() < it.Prob(theta) {
			row[j] = 1
		}
	}
	return row
}

// taskScores is a model's expected accuracy on each task under the true bank.
func taskScores(bank []irt.Item, labels []string, theta float64) map[string]float64 {
	sum := map[string]float64{}
	count := map[string]float64{}
	for j, it := range bank {
		sum[labels[j]] += it.Prob(theta)
		count[labels[j]]++
	}
	for t := range sum {
		sum[t] /= count[t]
	}
	return sum
}
