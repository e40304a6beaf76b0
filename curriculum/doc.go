// Package curriculum holds data samplers for RL post-training: which data
// distribution (source, task, difficulty bucket) the next prompts come from,
// which prompts within it, and how skills are mixed.
//
// Post-training mixes data from many sources, and how much of each step's
// budget yields a learning signal depends on what is sampled. A Sampler
// (NewSampler) keeps per-arm statistics of that signal and turns them into
// sampling probabilities; the probabilities are a deterministic function of
// the statistics, and drawing takes the caller's *rand.Rand and consumes
// exactly one Float64 (inverse CDF over the published cumulative
// probabilities), or none with SampleAt(seed, step, slot), which many
// data-loader workers can call without sharing an RNG. Arms keep the order
// they were given; Sample returns an index, Arm and Index convert between
// indices and names, and Feedback names its arm either way. GroupFeedback
// turns parallel slices (each response's arm, its value) into per-arm
// Feedback. Update(step, feedback) applies one training step atomically and
// refuses a step it has already applied, so a replay after a crash is safe.
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
//     max-shifted; uniform before the first update.
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
//     (MoPPS, "Can Prompt Difficulty be Online Predicted for Accelerating RL
//     Finetuning of Reasoning Models?", github.com/thu-rllab/MoPPS):
//     α ← λα + (1−λ)α₀ + s, β ← λβ + (1−λ)β₀ + (k − s), α₀ = β₀ = 1, λ = 1.
//     Its probabilities are the probabilities that each arm's draw is the
//     largest, P(i) = ∫ fᵢ Πⱼ≠ᵢ Fⱼ, by Gauss–Legendre quadrature on a mesh
//     adapted to every posterior's scale: within 1e−6 for every α+β up to
//     MaxPosterior = 1e15 (tested: 1.5e−8 against an independent
//     integration for α+β up to 1e11, 1e−9 against closed forms up to 1e15).
//   - SamplerConfig.Epsilon mixes any of them with the uniform distribution,
//     (1−ε)·p + ε/K.
//
// BinaryAdvantages gives GRPO's advantages for a binary-reward group, the
// values DUMP and SEC feed on.
//
// # Numbers and limits
//
// Feedback values may be any finite float64, up to ±math.MaxFloat64: every
// statistic is kept as a (windowed, discounted) mean rather than a raw sum,
// means are computed without overflow, and scores saturate at
// ±math.MaxFloat64, so the state stays finite and snapshottable and every
// published probability is finite. NaN and ±Inf are refused. Sizes are
// bounded (MaxArms, MaxWindow, MaxSkills, MaxGroup, MaxPosterior for
// Thompson's α+β, 2^53 values counted per arm); larger ones are refused
// with ErrInvalid. Arm names must be valid UTF-8 and distinct, as must
// Select's candidates. Exp3 refuses a Feedback.Prob
// below the smallest probability it publishes, (1−ε)·γ/K + ε/K.
//
// # Concurrency and state
//
// A Sampler is safe for concurrent use: Probs, Sample and SampleAt read an
// immutable probability table swapped atomically by Update, which holds a
// lock for the whole step. A Pool is safe for concurrent use; a SkillIt is
// not. Sampler, Pool and SkillIt have Snapshot and Restore: versioned JSON,
// bit-identical continuation; Restore refuses a snapshot whose configuration
// or arm names differ and checks every field's domain (ErrSnapshot). Zero
// values of Sampler, Pool and SkillIt return errors wrapping ErrInvalid;
// none panics.
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
// Pool (NewPool) draws prompt ids within an arm, with replacement (DUMP) or
// from a per-arm shuffled queue refilled on exhaustion (SEC), falling back
// to the next non-empty arm when one is empty; its snapshot holds only
// (epoch, cursor) per arm because each permutation derives from (seed, arm,
// epoch). Band filters rollout groups by pass rate (DAPO's 0 < p̂ < 1 is
// Band{Low: 0, High: 1, Open: true}); TopKVariance ranks by p(1−p).
//
// Select chooses prompts before any rollout from their predicted success.
// Its default mode, Closest, returns the B prompts closest to a target
// (0.5): without a band this is MoPPS's "topk" strategy; with a band it keeps
// only in-band prompts and may return fewer than B, which is this package's
// choice, not MoPPS's. Mode Threshold is MoPPS's "threshold" strategy: a
// random subset of B in-band prompts when the band holds at least B,
// otherwise every in-band prompt filled up with the nearest out-of-band
// ones. estimate.Tracker is a Predictor as it is, and ThompsonPredictor
// draws predictions from its posteriors, as MoPPS does. Stack keeps
// requesting candidate batches until enough pass a filter, with a cap on
// rounds.
//
// # Skill mixtures
//
// SkillIt (NewSkillIt) is the online mixture of "Skill-it! A Data-Driven
// Skills Framework for Understanding and Training Language Models"
// (github.com/HazyResearch/skill-it, trainer/mw_trainer.py): it starts at
// prior ⊙ exp(η·A·prior) (prior = 1 by default) and after each evaluation is
// p ∝ prior ⊙ exp(η·A·ΣL) over the last W = 3 evaluation-loss vectors, A the
// skills graph (1 on the diagonal, 0.5 on each edge, as the reference builds
// it). Options mirror the reference's: an η schedule (the reference's
// η/(ΣL_t/ΣL_first), or the caller's), loss normalisation by the first
// losses, and dynamic λ (off-diagonal edges halved after every update).
//
// # Differences from the reference code
//
// Where a reference has a quirk, the package does the correct thing by
// default and, where reproduction matters, offers an option.
//
// DUMP (ZhentingWang/DUMP): the reference also feeds one signed validation
// reward per source into the window on each validation pass; FeedValidation
// does this with SamplerConfig.ValidationFeed (off by default). Its
// checkpoint resume leaves the sampler's weights frozen (a stale reference
// after unpickling) and its arm order follows Python's string hashing; here
// Snapshot and Restore carry the windows, counts and last step, arms keep
// their given order, and a restored sampler continues bit-identically.
//
// SEC: τ defaults to 1 (the paper's math runs use 0.4).
//
// MoPPS (thu-rllab/MoPPS, recipe/ours/mopps.py):
//   - Thompson here works on arms and publishes P(arm is best) so that a
//     draw costs one Float64; MoPPS draws one posterior sample per prompt.
//     Both give the same distribution of the chosen arm.
//   - With λ < 1, MoPPS decays only the entries of the batch it updates;
//     here every arm decays each step by default, so an arm no longer drawn
//     drifts back to the prior and is explored again.
//     SamplerConfig.DecayObservedOnly reproduces MoPPS.
//   - Several Feedback entries for one arm in a step are pooled and decay it
//     once; MoPPS would decay a prompt once per occurrence in a batch.
//   - MoPPS's update reads `… + s·n if n > 1 else 8` and so sets α and β to 8
//     when a prompt has a single rollout (operator precedence); the package
//     adds s and 1 − s as for any n.
//   - Select's ties keep candidate order (MoPPS's numpy argsort is not
//     stable), and its random subset and ThompsonPredictor's draws use the
//     caller's *rand.Rand, not numpy's global stream.
//
// Skill-it (HazyResearch/skill-it): the mixture is computed in log space
// (the reference's exp can overflow). The reference overwrites its reference
// losses loss_0 with the second evaluation's (`elif counter ==
// ckpt_steps`), which changes normalize_loss and eta_schedule from the
// second round on; here the first losses stay the reference point, and
// SkillItConfig.SecondLossAsFirst reproduces the reference. The reference's
// initialize_loss, ignore_lone_nodes, target_mask, mw_init and ni_test
// options are not offered.
package curriculum
