// Package router holds cost-aware routing rules for inference gateways and
// agent stacks: calibrated thresholds, cascades, budgeted assignment, online
// budget pacing, budget tiers and guards.
//
// # The problem
//
// A gateway sends each request to one of several models (or one of several
// budget tiers of a pipeline module) and must keep quality high while
// staying under a spend limit. Routed systems can beat the strongest single
// model at a fraction of its cost — MMR-Bench reports about a third — but
// only if the decision rule is calibrated to the traffic actually seen and
// the budget is enforced under concurrency. Callers bring their own quality
// predictors and embeddings through small interfaces (WinRateScorer,
// SuccessPredictor, ConfidenceScorer, Embedder, Classifier, TierPolicy);
// the package has no vendor dependency. Every rule that allows it works
// with N models, not only a strong/weak pair.
//
// # Types
//
// A Model carries prices in dollars per million input and output tokens and
// an expected output length; Model.Cost is FORC's estimate
//
//	ĉ = (input tokens·InputPrice + ExpectedOutputTokens·OutputPrice) / 10⁶,
//
// overridable per model with CostFunc. A Query is routed to a Choice (model,
// tier, cascade stage, predicted quality and cost, rejection and reason,
// budget reservation); what happened is reported back as an Outcome (actual
// cost, quality, error). Routers implement Router (Route) and, when they
// learn from feedback or hold reservations, Learner (Observe).
//
// # Rules
//
// Threshold (RouteLLM): strong iff the predicted win rate s ≥ τ; with N
// models and ascending thresholds, model k = #{j : s ≥ τⱼ}. CalibrateTau
// sets τ so that a fraction p of calibration queries goes strong:
//
//	τ = Quantile(scores, 1 − p)   (linear interpolation, pandas' default)
//
// so the scores [0.05 0.12 0.20 0.33 0.41 0.50 0.62 0.70 0.81 0.95] give
// τ = 0.722, 0.455 and 0.184 at p = 0.2, 0.5 and 0.8. Because calibration
// sets rarely match live traffic, TauTracker adjusts τ online by
// Robbins–Monro, τ ← clip(τ + η(1{s ≥ τ} − p), 0, 1) (η = 0.01), which keeps
// the realised strong fraction at p: with a constant step it is off by at
// most |τ_T − τ₀|/(ηT) after T requests.
//
// Cascade (FrugalGPT): stages are called in order; stage j's answer is
// accepted when its confidence ≥ τⱼ; the last stage always accepts; every
// stage called is paid for. Route returns the first stage and Escalate the
// next one, so the caller runs the models. FitCascade fits the thresholds
// as FrugalGPT's optimizer does: non-decreasing quantile levels qⱼ on a
// 40-point grid in [10⁻⁵, 1 − 10⁻⁵], τⱼ = the qⱼ-quantile of the
// confidences reaching stage j, maximising mean quality subject to mean
// cost ≤ the budget; FitConfig.SearchOrder also searches the stage order
// over ordered subsets of up to 3 models (the reference's cascade depth).
//
// Utility and assignment (FORC, MMR-Bench): Utility routes to
// argmax_m q̂_m − λ·ĉ_m; Thresholding is FORC's rule — the cheapest model
// with predicted success > 0.5, else the most expensive. AssignBatch solves
// a batch as a multiple-choice knapsack, max Σ q[i][xᵢ] s.t. Σ c[i][xᵢ] ≤ B,
// through its Lagrangian D(λ) = λB + Σᵢ maxₘ(q − λc): it locates the dual
// price λ* exactly on the convex hulls of each query's options (where
// bisection on λ converges), repairs the integer solution greedily with the
// leftover budget, and reports the LP bound and the optimality gap.
//
// Pacer (online dual descent; Balseiro, Lu & Mirrokni; PORT): each request
// goes to argmax q̂_m − λĉ_m among the models whose predicted cost fits the
// budget left after settled spend and outstanding reservations. Route
// reserves the predicted cost and Observe settles the actual one, so
// concurrent requests can never overspend; then
//
//	λ ← max(0, λ + η(c − ρₜ)),  ρₜ = remaining budget / remaining requests
//
// (normalised by the per-request budget ρ₀ so one default, η = 0.05, fits
// any currency), or its multiplicative variant. PacerConfig.WarmStart fits
// the initial λ from the first requests by the batch dual (PORT). When
// nothing fits the pacer rejects (ErrBudgetExhausted) or, if asked, falls
// back to the cheapest model. Budgets are a total over a horizon of N
// requests and/or a rolling time window; time is a parameter (Query.At,
// Settle's now) in the style of x/time/rate, never a hidden clock.
//
// TierRouter (BudgetMem): modules offered in Low/Mid/High tiers; a
// per-module policy (LinearTierPolicy, or any TierPolicy) scores the tiers,
// and the combination maximising Σ score − λ·Σ cost among those that fit
// is chosen under a pacer's budget. CostNormalizer is the reward shaping
// BudgetMem and Router-R1 share,
//
//	eff(c) = 1 − clip((√c − Q_lo)/(Q_hi − Q_lo), 0, 1),
//
// Q_lo and Q_hi the 5th and 95th percentiles of √c over a sliding window of
// recent costs (BudgetMem 2,000, the default; Router-R1 1,000).
//
// Guard (Guarded Query Routing): a classifier's class probabilities; queries
// whose top probability is below τ are rejected as out of domain
// (ErrRejected), the rest delegated to their domain's router.
//
// # Evaluation
//
// DeferralCurve sweeps the strong fraction as RouteLLM does; APGR =
// (AUC − AUC_weak)/(AUC_strong − AUC_weak); CPT(x) is the strong share
// needed to reach weak + x·(strong − weak); Summarize reports mean quality,
// mean cost and cost-of-pass (package estimate).
//
// # Differences from the reference implementations
//
//   - FitCascade omits the Nelder–Mead polish scipy's brute applies after the
//     grid (it cannot improve a piecewise-constant objective); its last stage
//     always accepts and is paid for, where the reference's accepts only
//     scores > 0 and silently drops the rest from both cost and accuracy;
//     it accepts on confidence ≥ τ where the reference tests score > 1 − δ.
//   - CostNormalizer returns 0.5 when the percentile range collapses
//     (Router-R1's rule); BudgetMem's rule scores a window of equal costs 0
//     — DegenerateBudgetMem (BudgetMemNormalizer) reproduces it. Negative
//     costs are refused, where BudgetMem clamps them to 0.
//   - The pacer's step is scaled by the per-request budget (η′ = η/ρ₀²) and
//     money is accounted in integer units of budget/2⁴⁰, costs rounded up,
//     so concurrent settlement order never changes the totals.
//   - AssignBatch computes λ* exactly instead of by bisection.
//
// # Conventions
//
// Errors wrap ErrInvalid (bad arguments: NaN or ±Inf, negative prices or
// costs, budgets ≤ 0, predictors returning the wrong number of values),
// ErrSnapshot, ErrRejected, ErrBudgetExhausted (which also matches
// ErrRejected), ErrUnknownReservation and ErrInfeasible. A failed call
// leaves state unchanged; NaN never propagates. Pacer, TauTracker and
// CostNormalizer are safe for concurrent use and snapshot themselves as
// versioned JSON (Snapshot/Restore) so a run resumes
// bit-identically; the other routers hold no mutable state. Predictors and
// cost functions are called outside every lock.
//
// # Example
//
//	p, _ := router.NewPacer(router.PacerConfig{
//		Models:  models,   // []router.Model with prices
//		Budget:  30,       // dollars …
//		Horizon: 100_000,  // … for this many requests
//	}, predictor)          // router.SuccessPredictor
//	ch, err := p.Route(ctx, router.Query{Text: prompt, InputTokens: n})
//	if errors.Is(err, router.ErrBudgetExhausted) { /* shed load */ }
//	answer, cost := callModel(ch.Model, prompt)
//	p.Observe(ctx, q, ch, router.Outcome{Cost: cost})
//
// # References
//
//   - I. Ong et al., "RouteLLM: Learning to Route LLMs with Preference
//     Data", 2024 (lm-sys/RouteLLM).
//   - L. Chen, M. Zaharia, J. Zou, "FrugalGPT: How to Use Large Language
//     Models While Reducing Cost and Improving Performance", 2023
//     (stanford-futuredata/FrugalGPT).
//   - M. Šakota, M. Peyrard, R. West, "Fly-Swat or Cannon? Cost-Effective
//     Language Model Choice via Meta-Modeling", WSDM 2024 (epfl-dlab/forc).
//   - "Learning Query-Aware Budget-Tier Routing for Runtime Agent Memory"
//     (BudgetMem; ViktorAxelsen/BudgetMem).
//   - H. Zhang, T. Feng, J. You, "Router-R1: Teaching LLMs Multi-Round
//     Routing and Aggregation via Reinforcement Learning", NeurIPS 2025
//     (ulab-uiuc/Router-R1).
//   - R. Šléher, W. Brach, T. Sloboda, K. Košťál, L. Galke, "Guarded Query
//     Routing for Large Language Models", arXiv:2505.14524, 2025.
//   - "Doing More with Less: A Survey on Routing Strategies for Resource
//     Optimisation in Large Language Model-Based Systems", 2025.
//   - H. Ma, G. Lai, H.-J. Ye, "MMR-Bench: A Comprehensive Benchmark for
//     Multimodal LLM Routing", arXiv:2601.17814, 2026.
//   - S. Balseiro, H. Lu, V. Mirrokni, "The Best of Many Worlds: Dual
//     Mirror Descent for Online Allocation Problems", Operations Research
//     2023; "PORT: Efficient Training-Free Online Routing for High-Volume
//     Multi-LLM Serving" (fzwark/PORT), training-free online routing by
//     dual prices.
//   - P. Sinha, A. Zoltners, "The Multiple-Choice Knapsack Problem",
//     Operations Research 1979.
//   - H. Robbins, S. Monro, "A Stochastic Approximation Method", Annals of
//     Mathematical Statistics 1951.
//   - "Cost-of-Pass: An Economic Framework for Evaluating Language Models",
//     2025.
package router
