// Command curriculum simulates RL post-training over four data sources of
// different difficulty and compares uniform, DUMP, SEC and Thompson source
// sampling over several seeds: how each shifts its sampling probabilities,
// how many groups carry a GRPO gradient, and how far the policy improves.
// The training simulation is internal/grposim (a GRPO update derived from
// normalised advantages). It writes out/curriculum_probs.png: each
// sampler's probabilities over training, a moving average over the faint
// per-step values.
//
//	go run ./examples/curriculum [-seeds 5] [-steps 200] [-out out]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/budgetkit/budgetkit/internal/grposim"
)

const (
	promptsPerSource = 500
	batch            = 256
	rollouts         = 8
)

var sources = []struct {
	name string
	a, b float64 // initial pass rates ~ Beta(a, b)
}{{"easy", 6, 1.5}, {"medium", 2, 2}, {"hard", 1, 4}, {"very hard", 0.4, 6}}

// method is one way of choosing sources; newSampler returns nil for
// uniform sampling.
type method struct {
	name       string
	newSampler func(names []string) (*curriculum.Sampler, error)
	// useful feeds the sampler 1 per mixed group and 0 otherwise instead
	// of the GRPO advantages (Thompson tracks the chance of a gradient).
	useful bool
}

var methods = []method{
	{"uniform", func([]string) (*curriculum.Sampler, error) { return nil, nil }, false},
	{"DUMP", func(n []string) (*curriculum.Sampler, error) {
		return curriculum.NewSampler(n, curriculum.SamplerConfig{Method: curriculum.DUMP})
	}, false},
	{"SEC", func(n []string) (*curriculum.Sampler, error) {
		return curriculum.NewSampler(n, curriculum.SamplerConfig{Method: curriculum.SEC})
	}, false},
	{"Thompson", func(n []string) (*curriculum.Sampler, error) {
		return curriculum.NewSampler(n, curriculum.SamplerConfig{Method: curriculum.Thompson, Decay: 0.95})
	}, true},
}

func main() {
	seeds := flag.Int("seeds", 5, "seeds to average over (1 … seeds)")
	steps := flag.Int("steps", 200, "training steps")
	out := flag.String("out", "out", "directory for curriculum_probs.png")
	flag.Parse()
	if err := run(os.Stdout, *seeds, *steps, *out); err != nil {
		fmt.Fprintln(os.Stderr, "curriculum:", err)
		os.Exit(1)
	}
}

// runResult is one run of one method.
type runResult struct {
	history [][]float64 // sampling probabilities after each step
	mixed   float64     // share of groups with a gradient
	startP  float64     // mean pass rate before training
	finalP  float64     // mean pass rate after training
}

func run(w io.Writer, seeds, steps int, out string) error {
	if seeds < 1 || steps < 50 {
		return fmt.Errorf("-seeds must be ≥ 1 and -steps ≥ 50")
	}
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.name
	}
	// The runs are independent: two at a time, one per core.
	results := make([][]runResult, len(methods))
	errs := make([]error, len(methods)*seeds)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for mi, m := range methods {
		results[mi] = make([]runResult, seeds)
		for k := range seeds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				s, err := m.newSampler(names)
				if err == nil {
					results[mi][k], err = simulate(s, m.useful, uint64(k+1), steps)
				}
				if err != nil {
					errs[mi*seeds+k] = fmt.Errorf("%s, seed %d: %w", m.name, k+1, err)
				}
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d sources × %d prompts, %d prompts per step, %d rollouts each, %d steps, GRPO η = %g; mean ± sd over seeds 1–%d.\n",
		len(sources), promptsPerSource, batch, rollouts, steps, grposim.DefaultLearningRate, seeds)
	fmt.Fprintf(w, "The mean pass rate starts at %.3f.\n\n", results[0][0].startP)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "method\tP(source) at step 1 (seed 1)\tat step 50\tat step %d\tgroups with gradient (%%)\tfinal mean pass rate\t\n", steps)
	for mi, m := range methods {
		h := results[mi][0].history
		var mixed, final []float64
		for _, r := range results[mi] {
			mixed = append(mixed, 100*r.mixed)
			final = append(final, r.finalP)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", m.name, fmtP(h[0]), fmtP(h[49]), fmtP(h[steps-1]), ms(mixed, 1), ms(final, 3))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nP(source) lists easy, medium, hard, very hard. A group carries a GRPO gradient only if its 8 rollouts mix")
	fmt.Fprintln(w, "successes and failures; samplers that favour sources where that happens teach more per step. DUMP and SEC")
	fmt.Fprintln(w, "score a source by its mean |advantage|, Thompson by its chance of a mixed group; as the policy improves, the")
	fmt.Fprintln(w, "sources that mix move, and so do the probabilities.")
	path, err := plotHistories(results, steps, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", path)
	return nil
}

// simulate runs one training run with sampler s (nil: uniform).
func simulate(s *curriculum.Sampler, useful bool, seed uint64, steps int) (runResult, error) {
	r := rand.New(rand.NewPCG(seed, 2))
	var rates []float64
	for _, so := range sources {
		for range promptsPerSource {
			rates = append(rates, distuv.Beta{Alpha: so.a, Beta: so.b, Src: r}.Rand())
		}
	}
	pol, err := grposim.NewPolicy(rates, grposim.Config{})
	if err != nil {
		return runResult{}, err
	}
	res := runResult{startP: pol.MeanP()}
	mixed, groups := 0, 0
	gs := make([]grposim.Group, batch)
	uniformP := make([]float64, len(sources))
	for i := range uniformP {
		uniformP[i] = 1 / float64(len(sources))
	}
	for step := 0; step < steps; step++ {
		values := make([][]float64, len(sources))
		for k := range gs {
			src := r.IntN(len(sources))
			if s != nil {
				var err error
				if src, err = s.Sample(r); err != nil {
					return runResult{}, err
				}
			}
			j := src*promptsPerSource + r.IntN(promptsPerSource)
			wins := pol.Rollout(r, j, rollouts)
			gs[k] = grposim.Group{Prompt: j, Successes: wins, Rollouts: rollouts}
			groups++
			mix := wins > 0 && wins < rollouts
			if mix {
				mixed++
			}
			switch {
			case useful && mix:
				values[src] = append(values[src], 1)
			case useful:
				values[src] = append(values[src], 0)
			default:
				adv, err := curriculum.BinaryAdvantages(wins, rollouts)
				if err != nil {
					return res, err
				}
				values[src] = append(values[src], adv...)
			}
		}
		if _, err := pol.Update(gs); err != nil {
			return res, err
		}
		if s == nil {
			res.history = append(res.history, uniformP)
			continue
		}
		var fb []curriculum.Feedback
		for i, v := range values {
			if len(v) > 0 {
				fb = append(fb, curriculum.Feedback{Arm: i, Values: v})
			}
		}
		if err := s.Update(step, fb); err != nil {
			return res, err
		}
		res.history = append(res.history, s.Probs())
	}
	res.mixed = float64(mixed) / float64(groups)
	res.finalP = pol.MeanP()
	return res, nil
}

func fmtP(p []float64) string {
	return fmt.Sprintf("%.2f %.2f %.2f %.2f", p[0], p[1], p[2], p[3])
}

// ms formats mean ± sd of xs.
func ms(xs []float64, decimals int) string {
	m, sd := stat.MeanStdDev(xs, nil)
	if len(xs) < 2 {
		sd = 0
	}
	return fmt.Sprintf("%.*f ± %.*f", decimals, m, decimals, sd)
}
