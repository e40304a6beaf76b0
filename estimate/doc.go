// Package estimate estimates what a model can do from few, cheap
// observations: per-prompt success-rate posteriors for RL training, item
// response theory (IRT) models with their calibration and adaptive item
// selection for evaluation, and cost-of-pass.
//
// # Success-rate tracking
//
// Tracker keeps a Beta(α, β) posterior of each prompt's success probability
// (prior Beta(1, 1) by default), optionally discounting old evidence toward
// the prior before each update, as MoPPS does,
//
//	α ← λα + (1−λ)a₀ + s,   β ← λβ + (1−λ)b₀ + (k − s),
//
// optionally keeping a window of the last W binary outcomes (Knapsack RL
// uses W = 16, valid after 8 observations), and optionally capping the
// number of prompts with least-recently-used eviction. Estimate returns
// (p̂, valid) and Posterior returns (α, β): they feed budget.KnapsackRL,
// budget.BetaKnapsack, curricula and routers. It is safe for concurrent use
// (sharded locks; Observe on a known prompt takes under 100 ns and does not
// allocate) and snapshots to versioned JSON.
//
// # Item response theory
//
// Items are in slope–intercept form with optional lower and upper
// asymptotes,
//
//	P(θ) = c + (u − c)·σ(aᵀθ + d)
//
// (unidimensional d = −a·b; TwoPL, ThreePL and OnePL build items from the
// usual (a, b, c)). Fisher information is a²(P−c)²(u−P)²/((u−c)²P(1−P)) in
// one dimension (a²P(1−P) for the 2PL) and the matching multiple of aaᵀ in
// several. Abilities are estimated by MAP (Newton–Raphson with a N(0, 1)
// prior on [−4, 4], tolerance 1e-6, at most 100 iterations with step
// halving and a bisection fallback, as "Fluid Language Model Benchmarking"),
// MLE (all-correct and all-wrong response patterns handled by the caller's
// choice, with bound hits reported rather than clipped silently), and EAP
// (41 nodes on [−4.5, 4.5], posterior SD). NaN marks an item not
// administered.
//
// Session runs computerized adaptive testing for one model: NextItem picks
// by maximum Fisher information, D-optimality (log det of the
// prior-augmented information matrix, gains by the matrix determinant lemma
// with M⁻¹ kept by Sherman–Morrison), A-optimality, randomesque exposure
// control, or cost-aware selection gain/cost^γ within the remaining budget
// (our formulation of "Cost-Efficient Estimation of General Abilities Across
// Benchmarks", whose exact discount is not published in its abstract).
// Stopping rules compose (maximum items, default 100; minimum items; SE ≤ 0.3
// on every dimension; budget; |Δθ̂| small; bank exhausted) in catsim's
// priority order. PredictScore and PredictTasks average P_j(θ) over the
// posterior, with its SD.
//
// Calibrate fits an item bank and abilities to a models × items response
// matrix (NaN = missing): marginal maximum likelihood by Bock–Aitkin EM for
// D = 1, accelerated by parameter expansion (8 iterations and 0.4 s on
// 1,000 × 500 where plain EM needs hundreds), and penalised joint maximum
// likelihood (logistic matrix factorisation logit = θᵢᵀaⱼ + dⱼ) for any D,
// with D chosen by held-out error and a fit report (log-likelihood, held-out
// log-loss and AUC). For D > 1 the solution is identified only up to a
// rotation of θ. The tinyBenchmarks helpers give anchor points (weighted
// k-means), the p-IRT and gp-IRT estimators and the binarisation of
// non-binary scores.
//
// # Cost-of-pass
//
// "Cost-of-Pass: An Economic Framework for Evaluating Language Models":
// CostOfPass is mean cost / mean score over a model's attempts at a problem
// (+Inf when none passes); Frontier is the minimum over models and an
// optional human-expert baseline; TokenCost prices token counts per million.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid, ErrUnknownID, ErrNoItem or
// ErrSnapshot, never a panic, and a failed call leaves state unchanged.
// Tracker is safe for concurrent use; Session is not (one per evaluated
// model).
package estimate
