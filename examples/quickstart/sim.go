package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/budgetkit/budgetkit/budget"
	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/budgetkit/budgetkit/estimate"
	"github.com/budgetkit/budgetkit/internal/grposim"
	"gonum.org/v1/gonum/stat/distuv"
)

// source is a data source: its prompts' initial pass rates ~ Beta(a, b).
type source struct {
	name string
	a, b float64
}

var defaultSources = []source{
	{"easy", 6, 1.5},
	{"medium", 2, 2},
	{"hard", 1, 4},
	{"very hard", 0.4, 6},
}

// setup is one simulated training run's fixed inputs.
type setup struct {
	passRates  []float64 // initial pass rate of each prompt
	sourceOf   []int     // prompt → source
	sources    []string  // source names
	batch      int       // prompts per step
	perPrompt  int       // mean rollouts per prompt: the budget is batch·perPrompt
	steps      int
	seed       uint64
	grpo       grposim.Config
	curveEvery int // record the mean pass rate every curveEvery steps
}

// newSetup draws numPrompts prompts spread evenly over the sources.
func newSetup(sources []source, numPrompts int, seed uint64) setup {
	r := rand.New(rand.NewPCG(seed, 1))
	s := setup{passRates: make([]float64, numPrompts), sourceOf: make([]int, numPrompts)}
	for _, so := range sources {
		s.sources = append(s.sources, so.name)
	}
	for i := range s.passRates {
		k := i % len(sources)
		s.sourceOf[i] = k
		s.passRates[i] = distuv.Beta{Alpha: sources[k].a, Beta: sources[k].b, Src: r}.Rand()
	}
	return s
}

// strategy is one way of spending the rollout budget.
type strategy struct {
	name    string
	tracker estimate.TrackerConfig
	alloc   func(batch []int, ids []string, tr *estimate.Tracker, total int) ([]int, error)
	dump    bool // choose each prompt's data source with the DUMP curriculum
}

var strategies = []strategy{
	{"uniform", estimate.TrackerConfig{}, uniform, false},
	{"Knapsack RL (reference policy)", estimate.TrackerConfig{Window: 16, MinObservations: 8}, knapsackRL, false},
	{"budgetkit default (Beta posterior)", estimate.TrackerConfig{Decay: 0.9}, posteriorGreedy, false},
	{"budgetkit default + DUMP", estimate.TrackerConfig{Decay: 0.9}, posteriorGreedy, true},
}

// result is what one run measured.
type result struct {
	mixedShare  float64 // share of groups with a non-zero gradient
	effective   float64 // share of rollouts in such groups (effective-gradient ratio)
	meanSuccess float64 // final mean pass rate over every prompt
	allocTime   time.Duration
	curve       []float64 // mean pass rate every curveEvery steps, from step 0
	sourceShare []float64 // share of the batch each source filled
}

// simulate runs one training run. Every strategy of a seed sees the same
// prompts; those that pick sources uniformly also see the same batches.
func simulate(s setup, st strategy) (result, error) {
	pol, err := grposim.NewPolicy(s.passRates, s.grpo)
	if err != nil {
		return result{}, err
	}
	tr, err := estimate.NewTracker(st.tracker)
	if err != nil {
		return result{}, err
	}
	var dump *curriculum.Sampler
	if st.dump {
		if dump, err = curriculum.NewSampler(s.sources, curriculum.SamplerConfig{Method: curriculum.DUMP}); err != nil {
			return result{}, err
		}
	}
	bySource := make([][]int, len(s.sources))
	ids := make([]string, len(s.passRates))
	for j, k := range s.sourceOf {
		bySource[k] = append(bySource[k], j)
		ids[j] = fmt.Sprintf("q%d", j)
	}
	batchRand := rand.New(rand.NewPCG(s.seed, 2))
	outcomeRand := rand.New(rand.NewPCG(s.seed, 3))
	res := result{sourceShare: make([]float64, len(s.sources))}
	var groups, mixed, useful, rollouts int
	batch := make([]int, s.batch)
	batchIDs := make([]string, s.batch)
	gs := make([]grposim.Group, s.batch)
	for step := 0; step < s.steps; step++ {
		if s.curveEvery > 0 && step%s.curveEvery == 0 {
			res.curve = append(res.curve, pol.MeanP())
		}
		for i := range batch {
			k := batchRand.IntN(len(s.sources))
			if dump != nil {
				if k, err = dump.Sample(batchRand); err != nil {
					return result{}, err
				}
			}
			res.sourceShare[k]++
			pool := bySource[k]
			batch[i] = pool[batchRand.IntN(len(pool))]
			batchIDs[i] = ids[batch[i]]
		}
		start := time.Now()
		counts, err := st.alloc(batch, batchIDs, tr, s.batch*s.perPrompt)
		if err != nil {
			return result{}, err
		}
		res.allocTime += time.Since(start)
		advantages := make([][]float64, len(s.sources))
		for i, j := range batch {
			n := counts[i]
			k := pol.Rollout(outcomeRand, j, n)
			gs[i] = grposim.Group{Prompt: j, Successes: k, Rollouts: n}
			groups++
			rollouts += n
			if k > 0 && k < n {
				mixed++
				useful += n
			}
			if dump != nil {
				adv, err := curriculum.BinaryAdvantages(k, n)
				if err != nil {
					return result{}, err
				}
				advantages[s.sourceOf[j]] = append(advantages[s.sourceOf[j]], adv...)
			}
			if err := tr.Observe(ids[j], k, n); err != nil {
				return result{}, err
			}
		}
		if _, err := pol.Update(gs); err != nil {
			return result{}, err
		}
		if dump != nil {
			var fb []curriculum.Feedback
			for k, a := range advantages {
				if len(a) > 0 {
					fb = append(fb, curriculum.Feedback{Arm: k, Values: a})
				}
			}
			if err := dump.Update(step, fb); err != nil {
				return result{}, err
			}
		}
	}
	if s.curveEvery > 0 {
		res.curve = append(res.curve, pol.MeanP())
	}
	for k := range res.sourceShare {
		res.sourceShare[k] /= float64(s.steps * s.batch)
	}
	res.meanSuccess = pol.MeanP()
	res.mixedShare = float64(mixed) / float64(groups)
	res.effective = float64(useful) / float64(rollouts)
	res.allocTime /= time.Duration(s.steps)
	return res, nil
}

func uniform(batch []int, _ []string, _ *estimate.Tracker, total int) ([]int, error) {
	counts := make([]int, len(batch))
	for i := range counts {
		counts[i] = total / len(batch)
	}
	return counts, nil
}

// knapsackRL is the paper's policy: window estimates, valid after 8
// outcomes, the reference's dynamic program and fallback.
func knapsackRL(batch []int, ids []string, tr *estimate.Tracker, total int) ([]int, error) {
	stats := make([]budget.PromptStat, len(batch))
	for i, id := range ids {
		p, ok := tr.Estimate(id)
		stats[i] = budget.PromptStat{Valid: ok, P: p}
	}
	counts, _, err := budget.KnapsackRL(stats, budget.KnapsackRLConfig{N: total / len(batch)})
	return counts, err
}

// posteriorGreedy maximises the Knapsack value averaged over each prompt's
// Beta posterior (the tracker's prior for prompts never seen), within
// Knapsack RL's bounds of 2 and 128 rollouts.
func posteriorGreedy(_ []int, ids []string, tr *estimate.Tracker, total int) ([]int, error) {
	items, err := budget.BetaItems(ids, tr)
	if err != nil {
		return nil, err
	}
	a, err := budget.Allocate(items, float64(total), budget.AllocateConfig{Exact: true})
	return a.Counts, err
}
