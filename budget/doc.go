// Package budget divides a rollout budget among the prompts of an RL step:
// how many rollouts each prompt gets, and how to weight and shard them.
//
// Sibling packages cover the other budgets of RL post-training:
// budget/guidance (thinking-length guidance), budget/stoprule (DUET's
// per-rollout stop rule) and budget/schedule (learning-rate schedules and
// token-budget curricula).
//
// # Rollout allocation
//
// In GRPO-style post-training, a group of N rollouts of one prompt gives a
// non-zero gradient only when it mixes successes and failures. Uniform
// allocation wastes budget on prompts that are always or never solved.
// Allocate solves the separable resource-allocation problem
//
//	maximise Σᵢ Vᵢ(nᵢ)   s.t.   Σᵢ cᵢ nᵢ ≤ B,   lᵢ ≤ nᵢ ≤ uᵢ
//
// where each item's Value is given by its marginal gains
// Gain(n) = V(n+1) − V(n). The built-in values are concave:
//
//   - Knapsack, from "Knapsack RL: Unlocking Exploration of LLMs via
//     Optimizing Budget Allocation": V(N) = (1 − pᴺ − qᴺ)·p·q², with gains
//     Δ(N) = p^{N+1}q³ + p²q^{N+2}, evaluated incrementally.
//   - BetaKnapsack, budgetkit's extension and recommended default: the same
//     value averaged over p ~ Beta(α, β), Δ(N) = E[p^{N+1}q³] + E[p²q^{N+2}]
//     with E[pˣqʸ] = B(α+x, β+y)/B(α, β). It allocates sensibly to unseen
//     prompts and to prompts whose window reads p̂ ∈ {0, 1}. BetaItems builds
//     these items from any PosteriorSource, such as *estimate.Tracker.
//   - MixedGroup, the non-zero-gradient probability 1 − pᴺ − qᴺ alone.
//   - Neyman, variance reduction σ²/(n(n+1)) (DUET, CurES); with per-rollout
//     cost L the optimum is n ∝ σ/√L. GVM builds the Neyman value of
//     "Optimizing Chain-of-Thought Reasoners via Gradient Variance
//     Minimization" (GVM-RAFT): weight g/√(p + α/p^{β−1}), α = 1e-3, β = 2.
//   - GainFunc, any caller-supplied gain sequence.
//
// Solvers: SolverGreedy (exactly optimal for concave values and equal
// costs; a 4-ary max-heap warm-started by a Lagrangian threshold),
// SolverRatioGreedy (unequal costs; within the largest single gain of the
// optimum), SolverDP (exact multiple-choice knapsack over integer costs,
// refused above a work limit with ErrTooLarge), SolverLagrangian (bisection
// on λ, then greedy repair) and SolverAuto. AllocateConfig adds Knapsack
// RL's default bounds [2, 128], an exact-budget mode, a leftover policy,
// divisibility by a number of workers, and deterministic tie-breaking by
// index. Unlike the GVM and CurES references, which round proportional
// shares (and can give 0 rollouts to a prompt of positive weight), Allocate
// returns the best integer split.
//
// # Knapsack RL
//
// KnapsackRL reproduces the reference policy (sampling_budget_by_knapsack
// in github.com/liziniu/KnapsackRL): budget M·8; prompts without a valid
// estimate get 8; mixed prompts start at 2; p̂ ∈ {0, 1} get 2; if the mixed
// prompts' expected need Σ min(128, ⌊log(1−α)/log(max(p̂, 1−p̂))⌋), α = 0.9,
// is below the remaining budget, the surplus goes to the p̂ = 0 prompts. It
// solves the rest optimally; KnapsackRLConfig.CompatDP runs the reference's
// dynamic program with its arithmetic (float32 p̂; the numba kernel's
// float32 pᴺ and float64 rest; the numpy < 2 path's float64) and its
// tie-breaking, and gives the reference's counts on all 400 instances of a
// test against a port of its code, including its quirk of scoring "no extra
// rollout" as 0 rather than V(min_n). The numpy path assumes a correctly
// rounded pow; numpy 1.x on AVX-512 machines uses SVML's, so the reference
// itself can differ across machines where exact ties are broken by the last
// bit. Fixed and documented: the reference counts prompts without an
// estimate as p̂ = 0, and divides by zero when every prompt is mixed.
//
// # DUET
//
// DUETAllocate is the allocation of "DUET: Optimize Token-Budget Allocation
// for RLVR" (github.com/Haoyu-Hu/DUET):
//
//	n_q = clip(round(ŝ_q/√(λ·max(L̂_q, 1))), 1, 32)
//
// with λ found by bisection on log λ ∈ [−20, 20] so that Σ n_q·L̂_q meets
// B = Fraction·(8·M)·mean(L̂), then the trainer's repair trimming the
// longest prompts. PropensityWeights gives DUET's inverse-propensity weights
// 1/clip(n_q/max(1, mean(n)), ε, 1), ε = 0.05, computed from
// DUETAllocation.Bisected (the counts before the repair), as the reference
// does. BalancedPartition splits the rollouts into worker shards of
// near-equal load (longest processing time first).
//
// Differences from the DUET reference, each checked by a test against a
// port of its code (testdata/duet_ref.py, 301 instances, identical counts
// and weights with DUETConfig.Iterations = 10):
//
//   - the bisection runs 60 steps by default, enough to converge; the
//     reference's 10 can leave the budget noticeably over- or under-spent
//     (DUETConfig.Iterations = 10 reproduces it);
//   - the repair always restores the budget when MinN allows; the
//     reference stops after 4·M removals;
//   - λ may differ from the reference's in the last bit (Go's math.Exp
//     against the C library's exp).
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid, ErrInfeasible or
// ErrTooLarge that names the field and value; nothing panics and nothing
// returned is NaN. Every function here is pure and safe for concurrent use.
//
// # Example
//
//	tr, _ := estimate.NewTracker(estimate.TrackerConfig{Decay: 0.9})
//	// … tr.Observe(id, successes, trials) after every step …
//	items, err := budget.BetaItems(batch, tr)
//	if err != nil { … }
//	alloc, err := budget.Allocate(items, float64(8*len(batch)), budget.AllocateConfig{Exact: true})
//	// alloc.Counts[i] rollouts for batch[i]
package budget
