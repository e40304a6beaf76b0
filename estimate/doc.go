// Package estimate estimates what a model can do from few, cheap
// observations: per-prompt success-rate posteriors for RL post-training
// (Tracker) and the economics of evaluation (cost-of-pass). Item response
// theory — item models, ability estimation, adaptive testing, calibration
// and tinyBenchmarks — lives in the subpackage estimate/irt.
//
// # Success-rate tracking
//
// Tracker keeps a Beta(α, β) posterior of each prompt's success probability
// (prior Beta(1, 1) by default), optionally discounting old evidence toward
// the prior before each update, as MoPPS does ("Can Prompt Difficulty be
// Online Predicted for Accelerating RL Finetuning of Reasoning Models?"),
//
//	α ← λα + (1−λ)a₀ + s,   β ← λβ + (1−λ)b₀ + (k − s),
//
// optionally keeping a window of the last W binary outcomes ("Knapsack RL:
// Unlocking Exploration of LLMs via Optimizing Budget Allocation" uses
// W = 16, valid after 8 observations), and optionally capping the
// number of prompts with least-recently-used eviction. Estimate returns
// (p̂, valid) and Posterior returns (α, β), the prior for a prompt never
// seen: they feed budget.KnapsackRL, budget.BetaKnapsack, curricula and
// routers.
//
//	tr, _ := estimate.NewTracker(estimate.TrackerConfig{Decay: 0.9})
//	_ = tr.Observe("q17", 3, 8) // 3 of 8 rollouts succeeded
//	a, b, _ := tr.Posterior("q17")
//
// # Cost-of-pass
//
// "Cost-of-Pass: An Economic Framework for Evaluating Language Models":
// CostOfPass is mean cost / mean score over a model's attempts at a problem
// (+Inf when none passes); Frontier is the minimum over models and an
// optional human-expert baseline; CostOfPassTable gives the task frontier
// and each model family's gain; TokenCost prices token counts per million.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid or ErrSnapshot, never a
// panic, and a failed call leaves state unchanged. Tracker is safe for
// concurrent use (sharded locks; Observe on a known prompt takes about
// 100 ns, BenchmarkTrackerObserve, and does not allocate), and its zero
// value is ready to use.
package estimate
