// Package skill optimises a skill document — the rules, procedures and
// patterns a frozen agent reads at inference — by bounded, validation-gated
// text edits, after "SkillOpt: Executive Strategy for Self-Evolving Agent
// Skills" (reference code github.com/microsoft/SkillOpt).
//
// Hand-written skills plateau, and one-shot rewrites or loose self-revision
// often make them worse. SkillOpt trains the document like weights: an
// optimizer model turns scored rollouts into a few add/delete/replace edits,
// and an edit is kept only if it strictly improves a held-out validation
// score. The library never calls a model: the caller supplies the agent run
// and its scorer (Evaluator) and the optimizer model (Proposer, optionally
// EpochHook); the package owns the document, the edits, the budget, the
// gate, the memory, the schedule, the accounting and the audit trail.
//
// # The loop
//
// NewOptimizer(initial, trainIDs, validationIDs, OptimizerConfig{}) and
// Optimizer.Run, or the ask/tell form Optimizer.Next (NextAt with an
// explicit time) / Optimizer.Tell, which Run is built on (the caller then
// owns every call):
//
//	o, err := skill.NewOptimizer(doc, trainIDs, valIDs, skill.OptimizerConfig{})
//	out, err := o.Run(ctx, agent, optimizerModel) // skill.Evaluator, skill.Proposer
//	fmt.Println(out.BestScore, out.Best.Text())
//
// The initial document is scored on the
// validation split first (the baseline). Then, for each of OptimizerConfig.Epochs
// epochs (4), the training ids are shuffled and cut into steps of
// OptimizerConfig.BatchSize (40); each step
//
//  1. runs the current document on the step's batch (rollouts);
//  2. splits the rollouts into failures and successes (successes are
//     skipped with FailureOnly), shuffles each and asks the Proposer once per
//     minibatch of OptimizerConfig.PerCall (8) with the document, the step's Limits,
//     the rejected-edit Buffer and the optimizer memory; a proposal that
//     does not apply strictly is asked again with its errors (Retries, 1);
//  3. merges the calls' edits (duplicates and conflicting edits dropped),
//     trims them to the step's limits with the Selector (FirstK) and applies
//     them atomically;
//  4. scores the candidate on the validation split — once per distinct
//     document: scores are cached by content hash — and the Gate accepts it
//     iff its score beats the current one by more than MinDelta (0: strictly;
//     ties are rejected); the best document is tracked separately;
//  5. appends one entry to the Buffer: decision, failure patterns with task
//     ids and, for a rejected step, the score before → after and the
//     rejected edits. The buffer is emptied at each epoch start.
//
// At each epoch end from epoch 2 (epoch 1 only adds an empty protected
// block), the previous epoch's last document and the current one run on the
// same OptimizerConfig.SlowSamples (20) sampled training items; the items are sorted
// into improved, regressed, persistent-fail and stable-success, and the
// EpochHook returns new guidance for the protected block (force-accepted by
// default, SlowGated to gate it; Run with a Proposer that is not an
// EpochHook skips the epoch-end updates under the default SlowAuto, and
// WithEpochHook pairs a ProposerFunc with an EpochHookFunc) and new optimizer memory (the meta skill:
// never deployed, given to every later call). At the end, if the last
// document differs from the best and scores strictly higher, it is
// promoted.
//
// # Formulas and defaults
//
// The textual learning rate is the number of edits a step may make, a
// Schedule over global steps t = (step+1)/Steps:
//
//	cosine:  max(Min, round(Min + (Max − Min)·(1 + cos πt)/2))   (default, 4 → 2)
//	linear:  max(Min, round(Max − (Max − Min)·t))
//
// with halves rounded to even as Python does: 8 steps give [4 4 3 3 3 2 2 2].
// Budget adds schedules for lines and characters changed and for the
// document's length; Within checks a change against them.
//
// The gate's score is the mean hard score (MetricHard), the mean soft score
// or (1 − w)·hard + w·soft with w = 0.5 (MetricMixed). Optional, off by
// default: a paired significance test on per-item scores (TestSign, the
// exact one-sided sign test P(Bin(n, ½) ≥ k) = I_½(k, n−k+1) over the n
// items that changed, k of them for the better; or TestBootstrap) at Level
// (0.05), for small noisy splits; and a length cap (Gate.MaxLength) for
// multi-objective acceptance.
//
// # Differences from the reference
//
//   - Apply is strict and atomic: every target is resolved against the input
//     and must match exactly once; missing targets (with the nearest line as
//     a hint), ambiguous ones (with every matching line), overlapping,
//     protected, empty and no-op edits are *EditError values joined into one
//     error, and nothing is applied. The order of edits never changes the
//     result (several insertions at one point are ordered by their text).
//     The reference takes the first occurrence, skips missing targets
//     silently and falls back to appending for insert_after: ApplyLenient
//     and OptimizerConfig.Lenient reproduce that.
//   - A refused proposal is asked again with its errors (the reference never
//     retries; Retries: -1 turns it off).
//   - Limits can bound lines, characters and document length, not only the
//     number of edits; over-budget steps are trimmed or rejected with the
//     reason.
//   - Hard budgets on evaluation units, proposer calls, cost and wall time,
//     checked before each call; a run stops cleanly with the best document.
//   - A force-accepted slow update keeps the current score as the gate's
//     reference, as the reference does, but its unmeasured document is not
//     written into the evaluation cache under that score.
//
// # Audit, checkpoints and replay
//
// Every step's proposals, dropped and applied edits, diff, size, limits,
// scores and decision form a Record (Optimizer.Records, WriteAudit as JSON
// Lines, ReadAudit). Optimizer.Snapshot and Restore save and resume the whole
// state — documents, scores, buffer, memory, cache, RNG, counters and the
// step in progress — so an interrupted run resumes exactly; NewReplay
// answers a run's proposer calls from its audit trail, reproducing it bit
// for bit with a deterministic evaluator.
//
// # Concurrency
//
// An Optimizer is single-owner: do not call its methods concurrently. The
// Evaluator may run items in parallel; no callback runs under a lock.
// Documents are immutable values, safe to share.
package skill
