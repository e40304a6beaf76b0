// Command quickstart simulates RL post-training and compares three ways of
// spending the same rollout budget: uniform allocation, the Knapsack RL
// reference policy, and budgetkit's default (greedy optimum of the
// Beta-posterior Knapsack value fed by a success-rate tracker) — the last
// also with the DUMP curriculum choosing which data source each prompt comes
// from.
//
// A group of rollouts gives a GRPO gradient only when it mixes successes
// and failures; the table shows how many groups did, at equal budget and
// seed. Run it with
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"text/tabwriter"
	"time"

	"github.com/budgetkit/budgetkit/budget"
	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/budgetkit/budgetkit/estimate"
	"gonum.org/v1/gonum/stat/distuv"
)

const (
	numPrompts = 2000
	batchSize  = 256
	perPrompt  = 8 // average rollouts per prompt: the budget is batchSize·perPrompt
	steps      = 150
	learnRate  = 0.03 // how far a prompt's success probability moves on a useful group
	seed       = 7
)

// sources are the data sources: latent success probabilities ~ Beta(a, b).
var sources = []struct {
	name string
	a, b float64
}{
	{"easy", 6, 1.5},
	{"medium", 2, 2},
	{"hard", 1, 4},
	{"very hard", 0.4, 6},
}

// prompt is one training prompt of the simulated run.
type prompt struct {
	id     string
	source int
	p      float64 // the policy's true success probability on it
}

// allocator decides the rollouts of one batch from the tracker's statistics.
type allocator func(batch []*prompt, tr *estimate.Tracker) ([]int, error)

func main() {
	strategies := []struct {
		name  string
		cfg   estimate.TrackerConfig
		alloc allocator
		dump  bool // choose data sources with the DUMP curriculum
	}{
		{"uniform", estimate.TrackerConfig{}, uniform, false},
		{"Knapsack RL (reference policy)", estimate.TrackerConfig{Window: 16, MinObservations: 8}, knapsackRL, false},
		{"budgetkit default (Beta posterior)", estimate.TrackerConfig{Decay: 0.9}, posteriorGreedy, false},
		{"  + DUMP source curriculum", estimate.TrackerConfig{Decay: 0.9}, posteriorGreedy, true},
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "strategy\tgroups with gradient\trollouts with gradient\trollouts spent\tmean success after %d steps\tallocator time/step\t\n", steps)
	for _, s := range strategies {
		var src sourcePicker = uniformSource{}
		if s.dump {
			names := make([]string, len(sources))
			for i, so := range sources {
				names[i] = so.name
			}
			d, err := curriculum.NewSampler(names, curriculum.SamplerConfig{Method: curriculum.DUMP})
			if err != nil {
				fmt.Fprintln(os.Stderr, "quickstart:", err)
				os.Exit(1)
			}
			src = dumpSource{d}
		}
		res, err := simulate(s.alloc, s.cfg, src)
		if err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
		fmt.Fprintf(w, "%s\t%.1f%%\t%.1f%%\t%d\t%.3f\t%v\t\n", s.name, 100*res.mixedShare, 100*res.effective,
			res.rollouts, res.meanSuccess, res.allocTime.Round(time.Microsecond))
	}
	w.Flush()
	fmt.Printf("\n%d prompts from %d sources, batches of %d, budget %d rollouts per batch, seed %d.\n",
		numPrompts, len(sources), batchSize, batchSize*perPrompt, seed)
	if len(lastProbs) > 0 {
		fmt.Printf("DUMP's final source probabilities:")
		for i, so := range sources {
			fmt.Printf(" %s %.2f", so.name, lastProbs[i])
		}
		fmt.Println()
	}
	fmt.Println("A group yields a GRPO gradient only if it mixes successes and failures; \"rollouts with")
	fmt.Println("gradient\" is the share of all rollouts that sit in such groups (Knapsack RL's effective-gradient ratio).")
}

type result struct {
	mixedShare  float64 // share of groups with a non-zero gradient
	effective   float64 // share of rollouts in such groups
	rollouts    int
	meanSuccess float64
	allocTime   time.Duration
}

// simulate runs the training loop with one allocator; every strategy sees
// the same prompts and the same batch draws.
func simulate(alloc allocator, cfg estimate.TrackerConfig, src sourcePicker) (result, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	prompts := make([]*prompt, numPrompts)
	bySource := make([][]*prompt, len(sources))
	for i := range prompts {
		s := i % len(sources)
		p := &prompt{id: fmt.Sprintf("s%d/q%d", s, i), source: s, p: betaSample(r, sources[s].a, sources[s].b)}
		prompts[i] = p
		bySource[s] = append(bySource[s], p)
	}
	tr, err := estimate.NewTracker(cfg)
	if err != nil {
		return result{}, err
	}
	batchRand := rand.New(rand.NewPCG(seed, 2))
	outcomeRand := rand.New(rand.NewPCG(seed, 3))
	var res result
	groups, mixed, useful := 0, 0, 0
	batch := make([]*prompt, batchSize)
	for step := 0; step < steps; step++ {
		for j := range batch {
			i, err := src.Pick(batchRand)
			if err != nil {
				return result{}, err
			}
			pool := bySource[i]
			batch[j] = pool[batchRand.IntN(len(pool))]
		}
		start := time.Now()
		counts, err := alloc(batch, tr)
		if err != nil {
			return result{}, err
		}
		res.allocTime += time.Since(start)
		advantages := make([][]float64, len(sources))
		for j, pr := range batch {
			n := counts[j]
			wins := 0
			for k := 0; k < n; k++ {
				if outcomeRand.Float64() < pr.p {
					wins++
				}
			}
			advantages[pr.source] = append(advantages[pr.source], curriculum.BinaryAdvantages(wins, n)...)
			res.rollouts += n
			groups++
			if wins > 0 && wins < n {
				mixed++
				useful += n
				pr.p += learnRate * (1 - pr.p) // a useful gradient improves the policy
			}
			if err := tr.Observe(pr.id, wins, n); err != nil {
				return result{}, err
			}
		}
		if err := src.Update(step, advantages); err != nil {
			return result{}, err
		}
	}
	for _, pr := range prompts {
		res.meanSuccess += pr.p / numPrompts
	}
	res.mixedShare = float64(mixed) / float64(groups)
	res.effective = float64(useful) / float64(res.rollouts)
	res.allocTime /= steps
	return res, nil
}

// sourcePicker chooses the data source of each batch slot and learns from
// each step's GRPO advantages.
type sourcePicker interface {
	Pick(r *rand.Rand) (int, error)
	Update(step int, advantages [][]float64) error
}

type uniformSource struct{}

func (uniformSource) Pick(r *rand.Rand) (int, error) { return r.IntN(len(sources)), nil }
func (uniformSource) Update(int, [][]float64) error  { return nil }

// lastProbs keeps DUMP's final probabilities for the summary line.
var lastProbs []float64

// dumpSource samples sources by DUMP: a UCB over each source's mean
// |advantage| (the expected learning signal), softmax with τ = 0.1.
type dumpSource struct{ s *curriculum.Sampler }

func (d dumpSource) Pick(r *rand.Rand) (int, error) { return d.s.Sample(r) }

func (d dumpSource) Update(step int, advantages [][]float64) error {
	fb := make([]curriculum.Feedback, 0, len(sources))
	for i, a := range advantages {
		if len(a) > 0 {
			fb = append(fb, curriculum.Feedback{Arm: i, Values: a})
		}
	}
	err := d.s.Update(step, fb)
	lastProbs = d.s.Probs()
	return err
}

func uniform(batch []*prompt, _ *estimate.Tracker) ([]int, error) {
	counts := make([]int, len(batch))
	for i := range counts {
		counts[i] = perPrompt
	}
	return counts, nil
}

// knapsackRL is the reference policy: window estimates, valid after 8.
func knapsackRL(batch []*prompt, tr *estimate.Tracker) ([]int, error) {
	stats := make([]budget.PromptStat, len(batch))
	for i, pr := range batch {
		p, ok := tr.Estimate(pr.id)
		stats[i] = budget.PromptStat{Valid: ok, P: p}
	}
	counts, _, err := budget.KnapsackRL(stats, budget.KnapsackRLConfig{N: perPrompt})
	return counts, err
}

// posteriorGreedy maximises the Knapsack value averaged over each prompt's
// Beta posterior (the prior for prompts never seen).
func posteriorGreedy(batch []*prompt, tr *estimate.Tracker) ([]int, error) {
	items := make([]budget.Item, len(batch))
	for i, pr := range batch {
		a, b, _ := tr.Posterior(pr.id) // the prior for a prompt never seen
		items[i] = budget.Item{Value: budget.BetaKnapsack{Alpha: a, Beta: b}, Min: 2, Max: 128}
	}
	a, err := budget.Allocate(items, float64(len(batch)*perPrompt), budget.AllocateConfig{Exact: true})
	return a.Counts, err
}

// betaSample draws from Beta(a, b) with gonum, using the caller's stream.
func betaSample(r *rand.Rand, a, b float64) float64 {
	return distuv.Beta{Alpha: a, Beta: b, Src: r}.Rand()
}
