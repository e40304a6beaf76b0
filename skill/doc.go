// Package skill optimises a skill document — the rules, procedures and
// patterns a frozen agent reads at inference — by bounded, validation-gated
// text edits, after "SkillOpt: Executive Strategy for Self-Evolving Agent
// Skills" (reference code github.com/microsoft/SkillOpt).
//
// This package currently holds the edit engine the optimisation loop is
// built on:
//
//   - Document: immutable Markdown text with a content hash (the key of an
//     evaluation cache), Markdown sections, and protected regions between
//     <!-- SLOW_UPDATE_START --> and <!-- SLOW_UPDATE_END --> that edits may
//     not touch (the slow update writes them).
//
//   - Edit: append, insert_after and replace and delete, the reference's
//     ops, plus insert_before and append_section.
//
//   - Apply: strict and atomic. Every target is resolved against the input
//     document first and must match exactly once; missing targets (with the
//     most similar line as a hint), ambiguous targets (with every matching
//     line), overlapping edits, edits into protected regions, empty and
//     no-op edits are reported together as *EditError values joined into one
//     error, and the document is left unchanged. Since every edit is resolved
//     on the input, the order of edits never changes the result.
//
//   - ApplyLenient reproduces the reference's behaviour for comparison:
//     sequential application, first occurrence, missing targets skipped
//     silently, insert_after falling back to append.
//
//   - ParseProposal reads the reference's optimizer reply
//     {"patch": {"reasoning", "edits": [{"op", "target", "content"}]}} (and
//     the unwrapped and bare-list forms), tolerant of code fences and strict
//     otherwise.
//
//   - Measure and Diff size a change (lines and characters added and
//     removed, tokens through a caller's tokenizer) and render a unified
//     diff (github.com/aymanbagabas/go-udiff).
//
//   - Schedule is the textual learning rate, the number of edits a step may
//     make: cosine from 4 to 2 by default (also linear and constant),
//     max(Min, round(Min + (Max−Min)(1 + cos πt)/2)) with t = (step+1)/Steps
//     and Python's half-to-even rounding, as the reference computes it.
//
//   - Budget gives every step Limits on edits (the schedule above by
//     default), lines, characters and document length, each following its
//     own schedule; Within checks a change against them (ErrOverBudget names
//     the limit), and a Selector trims an over-budget proposal: FirstK (the
//     reference's fallback), Ranked (a caller's or the optimizer model's
//     ranking) or Greedy (greedy within size).
//
// Not yet here: the validation gate, the rejected-edit buffer, the slow and meta updates, the
// Optimizer loop with its ask/tell form, hard budgets, audit trail and
// checkpoints, and the examples.
package skill
