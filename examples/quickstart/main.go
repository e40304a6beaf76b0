// Command quickstart simulates RL post-training and compares three ways of
// spending the same rollout budget: uniform allocation, the Knapsack RL
// reference policy, and budgetkit's default (greedy optimum of the
// Beta-posterior Knapsack value fed by a success-rate tracker).
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
	}{
		{"uniform", estimate.TrackerConfig{}, uniform},
		{"Knapsack RL (reference policy)", estimate.TrackerConfig{Window: 16, MinObservations: 8}, knapsackRL},
		{"budgetkit default (Beta posterior)", estimate.TrackerConfig{Decay: 0.9}, posteriorGreedy},
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "strategy\tgroups with gradient\trollouts with gradient\trollouts spent\tmean success after %d steps\tallocator time/step\t\n", steps)
	for _, s := range strategies {
		res, err := simulate(s.alloc, s.cfg, uniformSource)
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
func simulate(alloc allocator, cfg estimate.TrackerConfig, pickSource func(*rand.Rand) int) (result, error) {
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
			pool := bySource[pickSource(batchRand)]
			batch[j] = pool[batchRand.IntN(len(pool))]
		}
		start := time.Now()
		counts, err := alloc(batch, tr)
		if err != nil {
			return result{}, err
		}
		res.allocTime += time.Since(start)
		for j, pr := range batch {
			n := counts[j]
			wins := 0
			for k := 0; k < n; k++ {
				if outcomeRand.Float64() < pr.p {
					wins++
				}
			}
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
	}
	for _, pr := range prompts {
		res.meanSuccess += pr.p / numPrompts
	}
	res.mixedShare = float64(mixed) / float64(groups)
	res.effective = float64(useful) / float64(res.rollouts)
	res.allocTime /= steps
	return res, nil
}

func uniformSource(r *rand.Rand) int { return r.IntN(len(sources)) }

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
		a, b, err := tr.Posterior(pr.id)
		if err != nil { // unseen: the tracker's prior
			a, b = tr.Config().PriorAlpha, tr.Config().PriorBeta
		}
		items[i] = budget.Item{Value: budget.BetaKnapsack{Alpha: a, Beta: b}, Min: 2, Max: 128}
	}
	a, err := budget.Allocate(items, float64(len(batch)*perPrompt), budget.AllocOptions{Exact: true})
	return a.Counts, err
}

// betaSample draws from Beta(a, b) with gonum, using the caller's stream.
func betaSample(r *rand.Rand, a, b float64) float64 {
	return distuv.Beta{Alpha: a, Beta: b, Src: r}.Rand()
}
