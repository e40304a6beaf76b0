// Package stoprule implements the per-rollout stop rule of "DUET: Optimize
// Token-Budget Allocation for RLVR" (duet_logits_processor.py,
// duet_marker_detector.py and the K1/K2 estimator in ray_trainer.py of
// github.com/Haoyu-Hu/DUET), engine-agnostic: the caller feeds each
// generated token's text and the confidence of the next distribution, and
// forces end-of-sequence when told.
//
// # The rule
//
// A Controller holds what the rollouts of a training run share: the
// checkpoints K1 and K2 and the history of kept lengths. Each rollout gets a
// Rule (Controller.Rule). Before MinTokens = 200 nothing happens. From K1 on,
// every 8 tokens, the text of the last 256 tokens is searched for an answer
// marker (Markers: \boxed{…} with two nesting levels, \boxed[…], "## Final
// Answer", "Final answer: x", <answer>…</answer>,
// <final_answer>…</final_answer>, "Therefore, the answer is x", closed code
// fences; math, code and generic presets). Once armed, the rule fires when
// the signal (Confidence: top-1 minus top-2 probability, top-1 probability
// or entropy) passes the prompt's threshold for 5 consecutive tokens,
// skipping a firing with probability ε_len = 0.05. A rollout with no marker
// by K2 + 150 is aborted with probability 0.95 (weight 0, gradient zeroed)
// or kept to its natural end with weight 1/0.05.
//
// K1 and K2 start at ⌊0.3·MaxLength⌋ and ⌊0.7·MaxLength⌋. With steps counted
// from 1 and the last refit starting at step −1, EndStep refits when
//
//	step − lastRefit ≥ 10   and   at least 32 kept lengths are known,
//
// setting K1 = max(⌊q₃₀⌋, 32), K2 = max(⌊q₈₀⌋, K1 + 50), where q_p is numpy's
// linear percentile of the last 1,024 kept lengths: the first refit is at
// step 9, and a refit deferred for lack of lengths restarts the count
// (e.g. 12, then 22). Thresholds ranks prompts by information rate ŝ²/L̂
// and maps the rank linearly onto [0.5, 0.99] (the reference's
// batch_percentile mode). Each rollout's random decisions come from a
// stream derived from (seed, step, rollout), so results do not depend on
// scheduling.
//
// # Differences from the reference
//
// Checked by tests against stdlib ports of the reference's code
// (testdata/refit_ref.py: K1/K2 after every step of 62 runs;
// testdata/window_ref.py: every marker check of 120 rollouts):
//
//   - decoding the last 256 tokens is modelled as concatenating the texts
//     the caller passes; a tokenizer whose decode differs from the
//     concatenation of per-token decodes (merged byte-level pieces,
//     skipped special tokens) can see different text;
//   - the patterns are Go's RE2 translation: Python's \s and \S become its
//     Unicode whitespace class (\t–\r, U+001C–U+001F, U+0085, U+00A0,
//     U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) and
//     its complement, \Z becomes \z; \w stays ASCII, where Python's
//     matches any Unicode letter or digit (only a code fence's language
//     tag uses it);
//   - a literal prefilter skips the regular expressions when no marker
//     keyword is present (same answers, checked by a fuzz test);
//   - the reference's code defaults (min_tokens 32, hysteresis 1) differ
//     from its training scripts' (200, 5); the scripts' values are the
//     defaults here;
//   - the reference's hash-based per-rollout RNG is replaced by a PCG
//     stream derived from (Seed, step, index): the same probabilities, not
//     the same draws.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid (or ErrSnapshot from
// Restore) naming the field and value; nothing panics and a failed call
// changes nothing. Controller and MarkerSet are safe for concurrent use; a
// Rule belongs to one rollout.
//
// # Example
//
//	ctl, _ := stoprule.NewController(stoprule.Config{MaxLength: 4096, Seed: 1})
//	th, _ := ctl.Thresholds(signal, length) // one threshold per prompt
//	rule, _ := ctl.Rule(step, rollout, th[prompt])
//	for each generated token {
//		c, _ := stoprule.Confidence(stoprule.Margin, nextLogits)
//		if force, _ := rule.Next(text, c); force { emit end-of-sequence }
//	}
//	if rule.Result().Outcome != stoprule.Aborted { _ = ctl.ObserveLength(length) }
//	// after the step: _, _ = ctl.EndStep()
package stoprule
