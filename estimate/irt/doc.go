// Package irt implements item response theory for evaluating language
// models from few, cheap observations: item models, ability estimation,
// computerized adaptive testing, calibration of an item bank from a models ×
// items response matrix, and the tinyBenchmarks estimators.
//
// # Item models
//
// An Item is in slope–intercept form with optional lower and upper
// asymptotes,
//
//	P(θ) = c + (u − c)·σ(aᵀθ + d)
//
// (unidimensional d = −a·b; TwoPL, ThreePL and OnePL build items from the
// usual (a, b, c)). Fisher information is a²(P−c)²(u−P)²/((u−c)²P(1−P)) in
// one dimension (a²P(1−P) for the 2PL) and the matching multiple of aaᵀ in
// several. A bank is a []Item sharing one dimension D (ValidateBank).
//
// # Ability
//
// MAP, MLE and EAP return an Ability: θ̂ with its covariance and standard
// errors. MAP uses Newton–Raphson with a N(0, 1) prior on [−4, 4], tolerance
// 1e-6 and at most 100 iterations, with step halving and a bisection
// fallback, as "Fluid Language Model Benchmarking" does; MLE handles
// all-correct and all-wrong patterns by the caller's choice (Extreme) and
// reports bound hits rather than clipping silently; EAP integrates over 41
// nodes on [−4.5, 4.5]. NaN marks an item not administered.
//
// # Adaptive testing
//
// A Session tests one model adaptively. The caller owns the loop, in the
// style of bufio.Scanner:
//
//	s, err := irt.NewSession(bank, irt.SessionConfig{Costs: tokens, CostExponent: 1})
//	for s.Next() {
//		j := s.Item()
//		if err := s.Observe(j, runItem(j), tokens[j]); err != nil { ... }
//	}
//	if err := s.Err(); err != nil { ... }
//	fmt.Println(s.Stop(), s.Ability().Theta, s.Ability().SE)
//
// Next picks by maximum Fisher information, D-optimality (log det of the
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
// # Calibration
//
// Calibrate fits an item bank and abilities to a models × items response
// matrix (NaN = missing): marginal maximum likelihood by Bock–Aitkin EM for
// D = 1 (with log-normal slope and normal intercept priors, converging to
// the maximum of the penalised marginal likelihood, accelerated by
// SQUAREM), and penalised joint maximum likelihood (logistic matrix
// factorisation logit = θᵢᵀaⱼ + dⱼ) for any D, with D chosen by held-out
// error and a FitReport (log-likelihood, held-out log-loss and AUC). For
// D > 1 the solution is identified only up to a rotation of θ.
//
// Calibration.ItemCov holds each item's parameter covariance; passed as
// SessionConfig.ItemCov it widens a session's standard errors by the
// calibration's uncertainty. A calibration needs about MinModels models
// (200 for the 2PL); FitReport.Warnings says when it has fewer.
//
// ModelRasch fits the Rasch (1PL) model by marginal maximum likelihood: one
// common slope, which is the ability SD on the logit scale. On lme4's
// VerbAgg data it matches lme4::glmer (adaptive Gauss–Hermite, 25 points)
// to 2e-5 in centred difficulties and 5e-5 in the ability SD
// (testdata/verbagg_rasch.R).
//
// # tinyBenchmarks
//
// "tinyBenchmarks: evaluating LLMs with fewer examples": AnchorPoints picks
// representative items by weighted k-means and Anchors.Score estimates a
// benchmark score from them; PIRT, GPIRTLambda and GPIRT are the p-IRT and
// gp-IRT estimators; BinarizeThreshold and Binarize turn non-binary scores
// into the binary responses the models expect.
//
// # Why a package of its own
//
// The IRT code and the success-rate tracker of package estimate share no
// code and no types. As their own package the IRT names read as they are
// meant at call sites (irt.Item, irt.Calibrate, irt.NewSession, irt.MAP)
// without colliding with budget.Item or the tracker's Estimate.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid or ErrSnapshot, naming the
// field and value, never a panic, and a failed call leaves state unchanged.
// The functions are safe for concurrent use; a Session is not (one per
// evaluated model).
package irt
