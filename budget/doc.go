// Package budget decides how much compute a unit of work receives: how many
// rollouts each prompt gets in an RL step, how long a reasoning model may
// think, and how learning rates and token budgets follow a training budget.
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
//     prompts and to prompts whose window reads p̂ ∈ {0, 1}.
//   - MixedGroup, the non-zero-gradient probability 1 − pᴺ − qᴺ alone.
//   - Neyman, variance reduction σ²/(n(n+1)) (DUET, CurES); with per-rollout
//     cost L the optimum is n ∝ σ/√L. GVM builds the Neyman value of
//     "Optimizing Chain-of-Thought Reasoners via Gradient Variance
//     Minimization" (GVM-RAFT): weight g/√(p + α/p^{β−1}), α = 1e-3, β = 2.
//   - GainFunc, any caller-supplied gain sequence.
//
// Solvers: SolverGreedy (exactly optimal for concave values and equal
// costs; a 4-ary max-heap warm-started by a Lagrangian threshold, ~85 ms for
// 100,000 prompts and 1,000,000 rollouts), SolverRatioGreedy (unequal costs;
// within the largest single gain of the optimum), SolverDP (exact multiple-
// choice knapsack over integer costs, refused above a work limit with
// ErrTooLarge), SolverLagrangian (bisection on λ, then greedy repair) and
// SolverAuto. AllocateConfig adds Knapsack RL's default bounds [2, 128], an
// exact-budget mode, a leftover policy, divisibility by a number of workers,
// and deterministic tie-breaking by index.
//
// KnapsackRL reproduces the reference policy (sampling_budget_by_knapsack
// in github.com/liziniu/KnapsackRL): budget M·8; prompts without a valid
// estimate get 8; mixed prompts start at 2; p̂ ∈ {0, 1} get 2; if the mixed
// prompts' expected need Σ min(128, ⌊log(1−α)/log(max(p̂, 1−p̂))⌋), α = 0.9,
// is below the remaining budget, the surplus goes to the p̂ = 0 prompts. It
// solves the rest optimally; KnapsackRLConfig.CompatDP reproduces the
// reference's dynamic program exactly, including its quirk of scoring "no
// extra rollout" as 0 rather than V(min_n). Fixed and documented: the
// reference counts prompts without an estimate as p̂ = 0, and divides by zero
// when every prompt is mixed.
//
// DUETAllocate is the allocation of "DUET: Optimize Token-Budget Allocation
// for RLVR" (github.com/Haoyu-Hu/DUET): n_q = clip(round(ŝ_q/√(λ·L̂_q)), 1, 32)
// with λ found by bisection on log λ ∈ [−20, 20] so that Σ n_q·L̂_q meets
// Fraction·8·M·mean(L̂), then a repair trimming the longest prompts. The
// reference stops the bisection after 10 steps; the default here converges
// (DUETConfig.Iterations = 10 reproduces it). PropensityWeights gives DUET's
// inverse-propensity weights 1/clip(n_q/mean(n), ε, 1), ε = 0.05, and
// BalancedPartition splits the rollouts into worker shards of near-equal load
// (longest processing time first).
//
// # Thinking-length control (budget guidance)
//
// From "Steering LLM Thinking with Budget Guidance" (reference code
// github.com/UMass-Embodied-AGI/BudgetGuidance). A Head maps caller-supplied
// features h (the CLS output of a small encoder over the LLM's hidden
// states; d = 768 in the reference) to a Gamma distribution for every
// candidate next token v over x = log(L+1), where L is the number of thinking
// tokens left if v is emitted (L = 1 for the end-of-thinking token):
//
//	α_v = softplus(W_α[v]·h),   λ_v = softplus(W_λ[v]·h)   (λ is a rate)
//
// A Trainer fits the head by the Gamma negative log-likelihood
//
//	ℓ = −[α ln λ − ln Γ(α) + (α−1) ln x − λx]
//
// with Adam (lr 1e-4, as in the reference); weights load from the
// reference's safetensors checkpoints (ReadHeadSafetensors) or JSON. With t
// thinking tokens generated and budget B, b_t = max(B−t, 1), a Guide weights
// each candidate by
//
//	w_v = F(log(b_t+1); α_v, λ_v) · [λ_v ≥ 10] · [α_v > 1] · [exp((α_v−1)/λ_v) − 1 ≥ 0.9]
//
// and samples from q ∝ softmax(logits)·w, applied as logit + ln w; if no
// candidate keeps a weight, the raw argmax is taken. Guidance runs on the
// first thinking token and after each newline token, and stops at the
// end-of-thinking token. Differences from the reference: weights are kept in
// float64 log space (GuideFloat32 reproduces the reference's float32
// rounding and its argmax fall-back when every weight underflows); the caller
// chooses the scored candidates and tokens outside them are banned by
// default (GuidePassUnscored leaves them alone). Additions: GuideEveryToken,
// a hard cap, the s1-style BudgetForcing baseline, an exact greedy shortcut
// (Guide.Greedy), BatchGuide over a [batch × vocab] slab, and
// Guide.Difficulty, the first step's predicted thinking length, which the
// paper reports tracks question difficulty. LengthModel is a feature-free
// fallback for API-only callers: a Gamma over log(L+1) of the remaining
// length of traces still running at t; it knows nothing about the question
// and is much weaker (held-out NLL 1.58 vs the head's 0.72 in
// examples/guidance).
//
// # DUET's stop rule
//
// StopController and StopRule implement the per-rollout stop rule of
// "DUET: Optimize Token-Budget Allocation for RLVR" (duet_logits_processor.py
// and duet_marker_detector.py in github.com/Haoyu-Hu/DUET), engine-agnostic:
// the caller feeds each generated token's text and the confidence of the next
// distribution (Confidence computes the top-1 minus top-2 probability, the
// top-1 probability or the entropy from logits) and forces end-of-sequence
// when told. Before MinTokens = 200 nothing happens. From K1 on, every 8
// tokens, a sliding window of recent text is searched for an answer marker
// (Markers: \boxed{…} with two nesting levels, \boxed[…], "## Final Answer",
// "Final answer: x", <answer>…</answer>, <final_answer>…</final_answer>,
// "Therefore, the answer is x", closed code fences; math, code and generic
// presets). Once armed, the rule fires when the signal passes the prompt's
// threshold for 5 consecutive tokens, skipping a firing with probability
// ε_len = 0.05. A rollout with no marker by K2 + 150 is aborted with
// probability 0.95 (weight 0, gradient zeroed) or kept to its natural end
// with weight 1/0.05. K1 and K2 start at 0.3 and 0.7 of the maximum length
// and, every 10 steps with at least 32 samples, are refitted as the 30th and
// 80th percentiles (numpy's linear definition) of the last 1,024 kept
// lengths, with K1 ≥ 32 and K2 ≥ K1 + 50. Thresholds ranks prompts by
// information rate ŝ²/L̂ and maps the rank linearly onto [0.5, 0.99] (the
// reference's batch_percentile mode). Each rollout's random decisions come
// from a stream derived from (seed, step, rollout), so results do not depend
// on scheduling. Differences from the reference: the window is measured in
// bytes (2,048, about its 256 tokens) rather than decoded tokens; Go's \s is
// ASCII-only and \Z is written \z; a literal prefilter skips the regular
// expressions when no marker keyword is present (same answers, checked by a
// fuzz test). The reference's code defaults (min_tokens 32, hysteresis 1)
// differ from its training scripts' (200, 5); the scripts' values are the
// defaults here.
//
// # Budget-aware schedules
//
// A Schedule is a pure function of the step, so a checkpoint needs only the
// step. Following "REX: Revisiting Budgeted Training with an Improved
// Schedule", a profile is a function of the progress z = t/T and the
// sampling rate is separate (Every re-reads the profile every k steps).
// Profiles: ConstantSchedule, StepDecay, MultiStep, ExponentialSchedule,
// Polynomial (linear for power 1), Cosine with a floor, InvSqrt, WSD
// (warm-up–stable–decay with linear, cosine or 1−√x decay), OneCycle
// (PyTorch's OneCycleLR defaults: pct_start 0.3, div_factor 25,
// final_div_factor 1e4, cosine annealing, two or three phases) and REX,
// η(z) = η₀(1 − z)/(1/2 + (1 − z)/2). Wrappers: Warmup, Floor, Scale, Every,
// and Phases for re-warming and re-decaying ("Simple and Scalable Strategies
// to Continually Pre-train Large Language Models"); Table materialises
// values. UBA ("Stepsize anything: A unified learning rate schedule for
// budgeted-iteration training") is not included: its formula could not be
// verified from a primary source, and guessing it would be worse than
// leaving it out.
//
// Token budgets for reasoning RL: ExpDecay is the curriculum of "Train Long,
// Think Short: Curriculum Learning for Efficient Reasoning",
// B(t) = max(Min, ⌊B0·γ^⌊t/T⌋⌋) (the paper's example: B0 = 256, γ = 0.7);
// LinearBudget decays linearly with rounding to nearest. BudgetPrior samples
// per-rollout budgets from uniform, linearly increasing or custom discrete
// priors, as "Optimizing Anytime Reasoning via Budget Relative Policy
// Optimization" trains. LengthReward combines correctness with a length term
// relative to the budget, optionally gated as GRPO-λ ("Stable Reinforcement
// Learning for Efficient Reasoning"): the length penalty applies only to
// groups whose correctness ratio reaches the gate.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid, ErrInfeasible,
// ErrTooLarge, ErrSnapshot, ErrSafetensors or ErrGuideHead; nothing panics and
// a failed call changes nothing. Allocate and the presets keep no state and
// are safe for concurrent use; StopController and MarkerSet are safe for
// concurrent use; each other stateful type (Guide, BatchGuide, BudgetForcing,
// Trainer, StopRule) documents its own rules.
//
// # Example
//
//	tr, _ := estimate.NewTracker(estimate.TrackerConfig{Decay: 0.9})
//	items := make([]budget.Item, len(batch))
//	for i, id := range batch {
//		a, b, err := tr.Posterior(id)
//		if err != nil { // unseen prompt: the prior
//			a, b = 1, 1
//		}
//		items[i] = budget.Item{Value: budget.BetaKnapsack{Alpha: a, Beta: b}}
//	}
//	alloc, err := budget.Allocate(items, float64(8*len(batch)), budget.AllocateConfig{Exact: true})
package budget
