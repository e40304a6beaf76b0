// Package guidance controls how long a reasoning model thinks: it predicts,
// for every candidate next token, how many thinking tokens would remain, and
// reweights the logits so that thinking ends within a budget.
//
// It implements "Steering LLM Thinking with Budget Guidance" (reference code
// github.com/UMass-Embodied-AGI/BudgetGuidance).
//
// # The predictor
//
// A Head maps caller-supplied features h (the CLS output of a small encoder
// over the LLM's hidden states; d = 768 in the reference) to a Gamma
// distribution for every candidate next token v over x = log(L+1), where L
// is the number of thinking tokens left if v is emitted (L = 1 for the
// end-of-thinking token):
//
//	α_v = softplus(W_α[v]·h),   λ_v = softplus(W_λ[v]·h)   (λ is a rate)
//
// Gamma carries the distribution's maths in log space (LogCDF, LogSurvival,
// Quantile) and the conversions between x and remaining tokens. A Trainer
// fits the head by the Gamma negative log-likelihood
//
//	ℓ = −[α ln λ − ln Γ(α) + (α−1) ln x − λx]
//
// with Adam (lr 1e-4, as in the reference); weights load from the
// reference's safetensors checkpoints (ReadHeadSafetensors) or JSON.
// LengthModel is a feature-free fallback for API-only callers: a Gamma over
// log(L+1) of the remaining length of traces still running at t; it knows
// nothing about the question and is much weaker (held-out NLL 1.58 against
// the head's 0.72 in examples/guidance).
//
// # The guide
//
// With t thinking tokens generated and budget B, b_t = max(B−t, 1), a Guide
// weights each candidate by
//
//	w_v = F(log(b_t+1); α_v, λ_v) · [λ_v ≥ 10] · [α_v > 1] · [exp((α_v−1)/λ_v) − 1 ≥ 0.9]
//
// and samples from q ∝ softmax(logits)·w, applied as logit + ln w; if no
// candidate keeps a weight, the raw argmax is taken. Guidance runs on the
// first thinking token and after each newline token, and stops at the
// end-of-thinking token.
//
// Differences from the reference: weights are kept in float64 log space
// (Float32 reproduces the reference's float32 rounding and its argmax
// fall-back when every weight underflows); the caller chooses the scored
// candidates, and tokens outside them are banned by default (PassUnscored
// leaves them alone). Additions: EveryToken, a hard cap, the s1-style
// Forcing baseline, an exact greedy shortcut (Guide.Greedy), Batch over a
// [batch × vocab] slab, and Guide.Difficulty, the first step's predicted
// thinking length, which the paper reports tracks question difficulty.
//
// # Errors and concurrency
//
// Bad input returns an error wrapping ErrInvalid, ErrSnapshot,
// ErrSafetensors or ErrHeadMismatch that names the field and value; nothing
// panics and a failed call changes nothing. Gamma, Head (for scoring) and
// LengthModel are safe for concurrent use; Guide, Batch, Forcing and Trainer
// belong to one goroutine. The zero value of each pointer type reports
// ErrInvalid ("not created with NewX").
//
// # Example
//
//	g, _ := guidance.NewGuide(500, endThinkingID, guidance.Config{})
//	for !g.Done() {
//		if g.Due() { // the first thinking token, and after each newline
//			_ = head.Score(features(), topK, params) // α, λ for each candidate
//			_, _ = g.Apply(logits, topK, params)     // logit += ln P(finish within budget)
//		}
//		tok := sample(logits)
//		_ = g.Advance(guidance.Token{ID: tok, Newline: strings.Contains(text(tok), "\n")})
//	}
package guidance
