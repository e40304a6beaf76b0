// Package grposim is a small training simulation for RL post-training with
// GRPO, used by the quickstart and curriculum examples and by tests that
// compare rollout allocators and data-source samplers. Its learning rule is
// derived from the GRPO gradient rather than assumed.
//
// # Model
//
// Each prompt j has a policy logit θⱼ; one rollout on it succeeds with
// probability pⱼ = σ(θⱼ) = 1/(1 + e^(−θⱼ)) and earns reward 1, else 0. The
// policy on a prompt is the Bernoulli distribution π(y) = p^y (1 − p)^(1−y)
// over the outcome y ∈ {0, 1}, so
//
//	∇θ log π(1) = 1 − p,     ∇θ log π(0) = −p.
//
// Prompts share no parameters (a tabular policy): a gradient on one prompt
// does not move another. This is the simplest model in which "how much a
// group teaches" has a definite answer, and it is the model behind the
// Knapsack RL value (see below); it leaves out transfer between prompts.
//
// # The GRPO update of one group
//
// A group of n rollouts on a prompt with k successes has rewards rᵢ ∈ {0, 1},
// mean r̄ = k/n and the group-normalised advantages of GRPO ("DeepSeekMath:
// Pushing the Limits of Mathematical Reasoning in Open Language Models",
// Shao et al., 2024, eq. 3 with outcome supervision)
//
//	Aᵢ = (rᵢ − r̄) / σ_r.
//
// On-policy (importance ratio 1, so the clip is inactive) and with no KL
// term (β = 0, as in DAPO and Dr. GRPO), the policy-gradient sum is
//
//	g(k, n) = Σᵢ Aᵢ ∇θ log π(yᵢ)
//	        = [k (1 − r̄)(1 − p) + (n − k) r̄ p] / σ_r
//	        = k (n − k) / (n σ_r)
//
// because k(1 − k/n)(1 − p) + (n − k)(k/n) p = k(n − k)/n. The logit p
// cancels: every group that mixes successes and failures pushes θ up by an
// amount that depends only on k and n, and a group of all successes or all
// failures has σ_r = 0, every Aᵢ = 0 and no gradient. With σ_r the sample
// standard deviation (divisor n − 1, torch.std's default, used by TRL and
// verl), σ_r = √(k(n − k) / (n(n − 1))) and
//
//	g(k, n) = √(k (n − k) (n − 1) / n);
//
// with the population standard deviation (divisor n, Config.PopulationStd),
// σ_r = √(k(n − k))/n and g(k, n) = √(k (n − k)). Trainers add a small ε to
// σ_r (1e-4 in TRL, 1e-6 in verl) to avoid 0/0; for a mixed binary group
// σ_r ≥ 1/√n, so ε would change g by about 0.1 % at n = 128 and is left out.
//
// # Normalisation and learning rate
//
// Trainers differ in how they average the per-rollout terms of a batch of B
// groups, and the difference matters when groups have different sizes:
//
//   - PerGroup (GRPO's (1/G) Σᵢ (1/|oᵢ|) Σₜ, sequence-mean per group): the
//     loss is a mean over groups of each group's mean, and the prompt of a
//     group of n rollouts moves by Δθ = η g(k, n) / n. Doubling a group's
//     rollouts makes its gradient estimate less noisy but not larger.
//   - PerToken (DAPO's token-level loss, verl's "token-mean" and TRL's
//     "dapo" loss type, with responses of equal length): the loss is a sum
//     over every token of the batch divided by the batch's token count, so a
//     group's prompt moves by Δθ = η g(k, n) / n̄, where n̄ is the batch's
//     mean group size (its rollouts divided by its groups). A group with
//     more rollouts moves its prompt further.
//
// The two agree when every group has the same size. The learning rate η is
// per group: the trainer's gradient of the mean loss is Δθ/(η B), and the
// batch's 1/B is folded into η so that η does not depend on the batch size.
// The default η = 0.1 is this simulation's choice, not a published value: a
// group of 8 at k = 4 then moves its prompt by 0.047 logits (Δp ≈ 0.012 at
// p = 0.5).
//
// # Expected gain and the Knapsack RL value
//
// For K ~ Binomial(n, p) the expected step of a group is
// E[Δθ] = η E[g(K, n)] / n (PerGroup), and to first order the success
// probability rises by Δp ≈ p(1 − p) Δθ. ExpectedStep computes E[g(K, n)]
// exactly. "Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget
// Allocation" (Li et al., 2025) values a group by
// (1 − pⁿ − (1 − p)ⁿ)·p(1 − p)², the probability of a gradient times an
// information gain; that value and this simulation's expected gain are
// different functions of p and n, so an allocator that maximises one need
// not maximise the other. The quickstart example shows how they compare.
//
// # Determinism
//
// Policy holds no random source: Rollout takes a *rand.Rand, so a run is
// reproduced exactly by its seed. A Policy is not safe for concurrent use.
package grposim
