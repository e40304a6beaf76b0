// Command curriculum runs a simulated RL post-training over four data
// sources of different difficulty with uniform, DUMP, SEC and Thompson
// source sampling, and prints (and plots to curriculum_<method>.png) how each
// shifts its sampling probabilities over time.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"math/rand/v2"
	"path/filepath"

	"github.com/budgetkit/budgetkit/curriculum"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

const (
	promptsPerSource = 500
	batch            = 256
	rollouts         = 8
	steps            = 200
	learnRate        = 0.03
)

var sources = []struct {
	name string
	a, b float64 // latent success ~ Beta(a, b)
}{{"easy", 6, 1.5}, {"medium", 2, 2}, {"hard", 1, 4}, {"very hard", 0.4, 6}}

func main() {
	out := flag.String("out", ".", "directory for the PNG files")
	flag.Parse()
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.name
	}
	methods := []struct {
		name string
		cfg  *curriculum.SamplerConfig // nil: uniform
	}{
		{"uniform", nil},
		{"DUMP", &curriculum.SamplerConfig{Method: curriculum.DUMP}},
		{"SEC", &curriculum.SamplerConfig{Method: curriculum.SEC}},
		{"Thompson", &curriculum.SamplerConfig{Method: curriculum.Thompson, Decay: 0.95}},
	}
	fmt.Printf("%-9s  %-44s  %s\n", "method", "P(source) at steps 1 / 50 / 200 (easy, medium, hard, very hard)", "groups with gradient")
	for _, m := range methods {
		var s *curriculum.Sampler
		if m.cfg != nil {
			var err error
			if s, err = curriculum.NewSampler(names, *m.cfg); err != nil {
				log.Fatal(err)
			}
		}
		history, share := run(s, m.cfg)
		fmt.Printf("%-9s  %s / %s / %s  %.1f%%\n", m.name, fmtP(history[0]), fmtP(history[49]), fmtP(history[steps-1]), 100*share)
		if m.cfg != nil {
			plotHistory(filepath.Join(*out, "curriculum_"+m.name+".png"), m.name, history)
		}
	}
}

// run simulates training; it returns the sampling probabilities after each
// step and the share of groups with a non-zero GRPO gradient.
func run(s *curriculum.Sampler, cfg *curriculum.SamplerConfig) ([][]float64, float64) {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([][]float64, len(sources))
	for i, so := range sources {
		p[i] = make([]float64, promptsPerSource)
		for j := range p[i] {
			p[i][j] = distuv.Beta{Alpha: so.a, Beta: so.b, Src: r}.Rand()
		}
	}
	var history [][]float64
	mixed, groups := 0, 0
	for step := 0; step < steps; step++ {
		values := make([][]float64, len(sources))
		for k := 0; k < batch; k++ {
			src := r.IntN(len(sources))
			if s != nil {
				var err error
				if src, err = s.Sample(r); err != nil {
					log.Fatal(err)
				}
			}
			j := r.IntN(promptsPerSource)
			wins := 0
			for n := 0; n < rollouts; n++ {
				if r.Float64() < p[src][j] {
					wins++
				}
			}
			groups++
			useful := wins > 0 && wins < rollouts
			if useful {
				mixed++
				p[src][j] += learnRate * (1 - p[src][j])
			}
			if cfg != nil && cfg.Method == curriculum.Thompson {
				v := 0.0 // Thompson tracks each source's chance of a useful group
				if useful {
					v = 1
				}
				values[src] = append(values[src], v)
			} else {
				values[src] = append(values[src], curriculum.BinaryAdvantages(wins, rollouts)...)
			}
		}
		if s == nil {
			history = append(history, []float64{0.25, 0.25, 0.25, 0.25})
			continue
		}
		var fb []curriculum.Feedback
		for i, v := range values {
			if len(v) > 0 {
				fb = append(fb, curriculum.Feedback{Arm: i, Values: v})
			}
		}
		if err := s.Update(step, fb); err != nil {
			log.Fatal(err)
		}
		history = append(history, s.Probs())
	}
	return history, float64(mixed) / float64(groups)
}

func fmtP(p []float64) string {
	return fmt.Sprintf("%.2f %.2f %.2f %.2f", p[0], p[1], p[2], p[3])
}

func plotHistory(file, name string, history [][]float64) {
	pl := plot.New()
	pl.Title.Text = name + ": sampling probability of each source"
	pl.X.Label.Text = "training step"
	pl.Y.Label.Text = "probability"
	pl.Y.Min, pl.Y.Max = 0, 1
	colors := []color.Color{color.RGBA{44, 160, 44, 255}, color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{214, 39, 40, 255}}
	for i, so := range sources {
		pts := make(plotter.XYs, len(history))
		for t, p := range history {
			pts[t] = plotter.XY{X: float64(t + 1), Y: p[i]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			log.Fatal(err)
		}
		l.Color = colors[i]
		l.Width = vg.Points(1.5)
		pl.Add(l)
		pl.Legend.Add(so.name, l)
	}
	pl.Legend.Top = true
	if err := pl.Save(7*vg.Inch, 3.5*vg.Inch, file); err != nil {
		log.Fatal(err)
	}
	fmt.Println("  wrote", file)
}
