package guidance

import "math"

// RemainingToX maps a count of remaining thinking tokens L to the predictor's
// scale x = log(L + 1), the variable the Gamma predictions are over. It is
// the reference's encode_budget(L, "log").
func RemainingToX(tokens float64) float64 { return math.Log1p(tokens) }

// RemainingFromX is the inverse of RemainingToX: L = exp(x) − 1 (the
// reference's decode_budget(x, "log")).
func RemainingFromX(x float64) float64 { return math.Expm1(x) }

// ProbFinishWithin returns P(L ≤ tokens) = F(log(tokens + 1)): the
// probability that thinking ends within the given number of further tokens.
// This is the budget-guidance weight before masking.
func (g Gamma) ProbFinishWithin(tokens float64) float64 {
	if math.IsNaN(tokens) {
		return math.NaN()
	}
	if tokens < 0 {
		tokens = 0
	}
	return g.CDF(RemainingToX(tokens))
}

// ExpectedRemaining returns E[L] = E[e^x] − 1, the mean number of remaining
// thinking tokens. By the Gamma moment-generating function
//
//	E[e^x] = (1 − 1/λ)^(−α)   for λ > 1,
//
// so E[L] = expm1(−α·log1p(−1/λ)); for λ ≤ 1 the mean is infinite (+Inf).
func (g Gamma) ExpectedRemaining() float64 {
	if !g.ok() {
		return math.NaN()
	}
	if g.Rate <= 1 {
		return math.Inf(1)
	}
	return math.Expm1(-g.Shape * math.Log1p(-1/g.Rate))
}

// RemainingQuantile returns the p-quantile of the remaining token count,
// exp(Quantile(p)) − 1: with probability p thinking ends within this many
// further tokens.
func (g Gamma) RemainingQuantile(p float64) float64 {
	return RemainingFromX(g.Quantile(p))
}

// MedianRemaining returns the median remaining token count,
// RemainingQuantile(0.5).
func (g Gamma) MedianRemaining() float64 { return g.RemainingQuantile(0.5) }

// ModeRemaining returns exp(Mode()) − 1, the remaining token count at the
// density's mode on the x scale. The reference calls this quantity
// "expected_L" and masks candidates for which it is below 0.9.
func (g Gamma) ModeRemaining() float64 { return RemainingFromX(g.Mode()) }
