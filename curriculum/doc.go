// Package curriculum holds data samplers for RL post-training: which data
// distribution (source, task, difficulty bucket) the next prompts come from.
//
// Post-training mixes data from many sources, and how much of each step's
// budget yields a learning signal depends on what is sampled. A Sampler
// keeps per-arm statistics of that signal and turns them into sampling
// probabilities; the probabilities are a deterministic function of the
// statistics, and drawing takes the caller's *rand.Rand and consumes exactly
// one Float64 (inverse CDF over the published cumulative probabilities), or
// none with SampleAt(seed, step, slot), which many data-loader workers can
// call without sharing an RNG. Arms keep the order they were given; Sample
// returns an index, Arm and Index convert between indices and names, and
// Feedback names its arm either way. GroupFeedback turns parallel slices
// (each response's arm, its value) into per-arm Feedback.
// Update(step, feedback) applies one training step atomically and refuses a
// step it has already applied, so a replay after a crash is safe.
//
// # Methods
//
// Each preset combines a per-arm estimator, an exploration bonus and a
// selector:
//
//   - DUMP, "DUMP: Automated Distribution-Level Curriculum Learning for
//     RL-based LLM Post-training" (github.com/ZhentingWang/DUMP): the mean
//     |advantage| over each arm's last 300 responses (0 before any), plus
//     c·√(2 ln(N+1)/(nⱼ+1)) with nⱼ the arm's responses so far and
//     N = max(1, Σ nⱼ), c = 1; probabilities softmax(s/τ), τ = 0.1,
//     max-shifted; uniform before the first update. The reference also
//     feeds one signed validation reward per source into the window on each
//     validation pass: FeedValidation does this when SamplerConfig.ValidationFeed
//     is set (off by default). Differences: the reference's checkpoint resume
//     leaves its sampler's weights frozen (a stale reference after
//     unpickling) and its arm order follows Python's string hashing; here
//     Snapshot and Restore carry the windows, counts and last step, arms
//     keep their given order, and a restored sampler replays bit-identically.
//   - SEC, "Self-Evolving Curriculum": Q ← (1−α)Q + α·(mean |advantage| of
//     the arm this step), α = 0.5; arms absent from a step move toward 0, as
//     the reference does (SECKeepAbsent leaves them); Boltzmann p ∝ exp(Q/τ),
//     τ = 1 (the paper uses 0.4 for math).
//   - UCB1, SW-UCB (window of 1,000 steps, ξ = 1) and D-UCB (discount 0.99),
//     which put all mass on the arm of largest upper confidence bound.
//   - Exp3 (γ = 0.01), importance-weighted with the probability the arm had
//     when its data were drawn (Feedback.Prob); rewards are scaled by
//     RewardScale and clipped to [0, 1], since |advantages| can exceed 1.
//   - Thompson sampling on Beta posteriors with decay toward the prior
//     (MoPPS): α ← λα + (1−λ)α₀ + s, β ← λβ + (1−λ)β₀ + (k − s),
//     α₀ = β₀ = 1, λ = 1. Its probabilities are the exact chances that each
//     arm's draw is largest, computed by quadrature.
//   - SamplerConfig.Epsilon mixes any of them with the uniform distribution,
//     (1−ε)·p + ε/K.
//
// BinaryAdvantages gives GRPO's advantages for a binary-reward group, the
// values DUMP and SEC feed on.
//
// # Concurrency and state
//
// A Sampler is safe for concurrent use: Probs, Sample and SampleAt read an
// immutable probability table swapped atomically by Update, which holds a
// lock for the whole step. Snapshot and Restore use versioned JSON and
// refuse a snapshot whose configuration or arm names differ. Zero values of
// Sampler, Pool and SkillIt return errors wrapping ErrInvalid; none panics.
//
// # Example
//
//	s, err := curriculum.NewSampler([]string{"math", "code", "logic"}, curriculum.SamplerConfig{Method: curriculum.DUMP})
//	arm, err := s.Sample(rng) // index of the source the next prompt comes from
//	// ... after the step, each response's arm and GRPO advantage:
//	fb, err := curriculum.GroupFeedback(arms, advantages)
//	err = s.Update(step, fb)
//
// # Prompts within an arm, filters and selection
//
// Pool draws prompt ids within an arm, with replacement (DUMP) or from a
// per-arm shuffled queue refilled on exhaustion (SEC), falling back to the
// next non-empty arm when one is empty; its snapshot holds only (epoch,
// cursor) per arm because each permutation derives from (seed, arm, epoch).
// Band filters rollout groups by pass rate (DAPO's 0 < p̂ < 1 is
// Band{Low: 0, High: 1, Open: true}); TopKVariance ranks by p(1−p). Select
// chooses, before any rollout, the prompts whose predicted success is
// closest to a target (0.5), optionally inside a band ([0.3, 0.7]), as PCL
// and MoPPS do; estimate.Tracker is a Predictor as it is, and
// ThompsonPredictor draws predictions from its posteriors. Stack keeps
// requesting candidate batches until enough pass a filter, with a cap on
// rounds.
//
// # Skill mixtures
//
// SkillIt is the online mixture of "Skill-it! A Data-Driven Skills Framework
// for Understanding and Training Language Models": p ∝ prior ⊙
// exp(η·A·ΣL) over the last W = 3 evaluation-loss vectors, A the skills graph
// (1 on the diagonal, 0.5 on each edge, as the reference builds it), computed
// with log-sum-exp (the reference does not shift by the maximum and can
// overflow). Options mirror the reference's: an η schedule (the reference's
// η/(ΣL_t/ΣL_first), or the caller's), loss normalisation by the first
// losses, and dynamic λ (off-diagonal edges halved after every update).
package curriculum
