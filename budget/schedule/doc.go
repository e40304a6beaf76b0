// Package schedule provides budget-aware schedules: learning-rate profiles
// that know the training budget, and token-budget curricula for reasoning RL.
//
// # Learning-rate schedules
//
// A Schedule is a pure function of the step, so a checkpoint needs only the
// step. Following "REX: Revisiting Budgeted Training with an Improved
// Schedule", a profile is a function of the progress z = t/T and the
// sampling rate is separate (Every re-reads the profile every k steps).
// Profiles: Constant, StepDecay, MultiStep, Exponential, Polynomial (linear
// for power 1), Cosine with a floor, InvSqrt, WSD (warm-up–stable–decay with
// linear, cosine or 1−√x decay), OneCycle (PyTorch's OneCycleLR defaults:
// pct_start 0.3, div_factor 25, final_div_factor 1e4, cosine annealing, two
// or three phases) and REX,
//
//	η(z) = η₀(1 − z)/(1/2 + (1 − z)/2).
//
// Wrappers: Warmup, Floor, Scale, Every, and Phases for re-warming and
// re-decaying ("Simple and Scalable Strategies to Continually Pre-train
// Large Language Models"); Table materialises values. UBA ("Stepsize
// anything: A unified learning rate schedule for budgeted-iteration
// training") is not included: its formula could not be verified from a
// primary source, and guessing it would be worse than leaving it out.
//
// # Token budgets
//
// A Budget gives an integer thinking budget per step. ExpDecay is the
// curriculum of "Train Long, Think Short: Curriculum Learning for Efficient
// Reasoning", B(t) = max(Min, ⌊B0·γ^⌊t/T⌋⌋) (the paper's example: B0 = 256,
// γ = 0.7); LinearBudget decays linearly with rounding to nearest. Prior
// samples per-rollout budgets from uniform, linearly increasing or custom
// discrete priors, as "Optimizing Anytime Reasoning via Budget Relative
// Policy Optimization" trains. LengthReward combines correctness with a
// length term relative to the budget, optionally gated as GRPO-λ ("Stable
// Reinforcement Learning for Efficient Reasoning"): the length penalty
// applies only to groups whose correctness ratio reaches the gate.
//
// # Errors and concurrency
//
// Constructors validate their parameters and return an error wrapping
// ErrInvalid; At never panics. Everything here is immutable and safe for
// concurrent use.
//
// # Example
//
//	rex, _ := schedule.REX(3e-4, 9500)
//	lr, _ := schedule.Warmup(rex, 500) // lr.At(step)
//	tokens := schedule.ExpDecay{B0: 4096, Gamma: 0.7, T: 1000, Min: 256}
//	_ = tokens.At(step)
package schedule
