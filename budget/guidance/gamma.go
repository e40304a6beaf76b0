package guidance

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Gamma is the Gamma distribution with shape α = Shape and rate λ = Rate
// (not scale), the predictive distribution budget guidance places over
// x = log(L + 1), L being the number of thinking tokens still to come:
//
//	p(x; α, λ) = λ^α x^(α−1) e^(−λx) / Γ(α),   x > 0
//	F(x)       = P(α, λx)   (regularised lower incomplete gamma function)
//
// Gamma is a value type; its methods never modify it and are safe for
// concurrent use. Parameters must be finite and positive (see Validate);
// methods return NaN for invalid parameters, as gonum's distributions do, so
// validate once at the boundary. Values are finite for parameters in
// [1e-300, 1e300]; beyond, where α·ln λ or ln Γ(α) overflow, some methods
// may return NaN. The CDF and survival function are also
// available in log space (LogCDF, LogSurvival), which stay finite where the
// plain values underflow to 0.
type Gamma struct {
	Shape float64 // α > 0
	Rate  float64 // λ > 0
}

// Validate reports whether g's parameters are finite and positive, wrapping
// ErrInvalid otherwise.
func (g Gamma) Validate() error {
	if !(g.Shape > 0) || math.IsInf(g.Shape, 0) {
		return fmt.Errorf("%w: Gamma.Shape = %v (must be finite and > 0)", ErrInvalid, g.Shape)
	}
	if !(g.Rate > 0) || math.IsInf(g.Rate, 0) {
		return fmt.Errorf("%w: Gamma.Rate = %v (must be finite and > 0)", ErrInvalid, g.Rate)
	}
	return nil
}

func (g Gamma) ok() bool {
	return g.Shape > 0 && g.Rate > 0 && !math.IsInf(g.Shape, 0) && !math.IsInf(g.Rate, 0)
}

// LogProb returns the log density ln p(x) = α ln λ − ln Γ(α) + (α−1) ln x − λx.
// It is −Inf for x < 0; at x = 0 it is +Inf for α < 1, ln λ for α = 1 and
// −Inf for α > 1.
func (g Gamma) LogProb(x float64) float64 {
	if !g.ok() || math.IsNaN(x) {
		return math.NaN()
	}
	if x < 0 || math.IsInf(x, 1) {
		return math.Inf(-1)
	}
	a, l := g.Shape, g.Rate
	if x == 0 {
		switch {
		case a < 1:
			return math.Inf(1)
		case a == 1:
			return math.Log(l)
		default:
			return math.Inf(-1)
		}
	}
	lg, _ := math.Lgamma(a)
	return a*math.Log(l) - lg + (a-1)*math.Log(x) - l*x
}

// Prob returns the density p(x) = exp(LogProb(x)).
func (g Gamma) Prob(x float64) float64 { return math.Exp(g.LogProb(x)) }

// CDF returns F(x) = P(α, λx), the regularised lower incomplete gamma
// function (gonum mathext.GammaIncReg). It may underflow to 0 deep in the
// lower tail; use LogCDF there.
func (g Gamma) CDF(x float64) float64 {
	if !g.ok() || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 0
	}
	if math.IsInf(x, 1) {
		return 1
	}
	return gammaP(g.Shape, g.Rate*x)
}

// gammaFast reports whether (a, y) lies where gonum switches to Temme's
// uniform asymptotic expansion (20 < a < 200, |y − a| < 0.3a), accurate but
// slow (~400 ns). There this file sums the power series (y < a) or the
// continued fraction (y ≥ a) instead; both converge in O(√a) terms and agree
// with the mpmath table to ~1e-13.
func gammaFast(a, y float64) bool {
	return a > 20 && a < 200 && math.Abs(y-a) < 0.3*a
}

// gammaP returns P(a, y).
func gammaP(a, y float64) float64 {
	if gammaFast(a, y) {
		if y < a {
			return math.Exp(gammaLogLowerSeries(a, y))
		}
		return -math.Expm1(gammaLogUpperCF(a, y))
	}
	return mathext.GammaIncReg(a, y)
}

// gammaQ returns Q(a, y) = 1 − P(a, y).
func gammaQ(a, y float64) float64 {
	if gammaFast(a, y) {
		if y >= a {
			return math.Exp(gammaLogUpperCF(a, y))
		}
		return -math.Expm1(gammaLogLowerSeries(a, y))
	}
	return mathext.GammaIncRegComp(a, y)
}

// Survival returns 1 − F(x) = Q(α, λx) (gonum mathext.GammaIncRegComp),
// computed directly rather than as 1 − CDF so the upper tail keeps its
// relative accuracy.
func (g Gamma) Survival(x float64) float64 {
	if !g.ok() || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	if math.IsInf(x, 1) {
		return 0
	}
	return gammaQ(g.Shape, g.Rate*x)
}

// gammaTiny is the threshold below which a probability computed by gonum is
// recomputed in log space: below it the value is subnormal or has lost
// relative precision.
const gammaTiny = 1e-290

// LogCDF returns ln F(x). Where F(x) underflows it evaluates the power
// series of the lower incomplete gamma function in log space,
//
//	ln P(a, y) = a ln y − y − ln Γ(a+1) + ln Σₙ yⁿ / ((a+1)(a+2)…(a+n)),
//
// (DLMF 8.7.1, dlmf.nist.gov/8.7#E1) so it stays finite for any x > 0.
func (g Gamma) LogCDF(x float64) float64 { return math.Min(0, g.logCDF(x)) }

func (g Gamma) logCDF(x float64) float64 {
	if !g.ok() || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return math.Inf(-1)
	}
	if math.IsInf(x, 1) {
		return 0
	}
	y := g.Rate * x
	if gammaFast(g.Shape, y) {
		if y < g.Shape {
			return gammaLogLowerSeries(g.Shape, y)
		}
		return math.Log1p(-math.Exp(gammaLogUpperCF(g.Shape, y)))
	}
	if lp, ok := gammaLogLarge(g.Shape, y, false); ok {
		return lp
	}
	p := mathext.GammaIncReg(g.Shape, y)
	if p > gammaTiny {
		return math.Log(p)
	}
	return gammaLogLowerSeries(g.Shape, y)
}

// gammaLogLowerSeries evaluates ln P(a, y) by the power series; it is used
// only where P underflows, which implies y < a, where the series converges
// geometrically with ratio below y/(a+1).
func gammaLogLowerSeries(a, y float64) float64 {
	if y == 0 {
		return math.Inf(-1)
	}
	sum, _ := lowerSeries(a, y, 99999) // converges long before for y < a
	lg, _ := math.Lgamma(a + 1)
	r := a*math.Log(y) - y - lg + math.Log(sum)
	if math.IsNaN(r) {
		// a ln y and ln Γ(a+1) both overflow (a > ~1e305, y < a): P is
		// below anything representable.
		return math.Inf(-1)
	}
	return r
}

// LogSurvival returns ln(1 − F(x)). Where the survival function underflows
// it evaluates the continued fraction of the upper incomplete gamma
// function in log space (DLMF 8.9.2, modified Lentz algorithm).
func (g Gamma) LogSurvival(x float64) float64 { return math.Min(0, g.logSurvival(x)) }

func (g Gamma) logSurvival(x float64) float64 {
	if !g.ok() || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 0
	}
	if math.IsInf(x, 1) {
		return math.Inf(-1)
	}
	y := g.Rate * x
	if gammaFast(g.Shape, y) {
		if y >= g.Shape {
			return gammaLogUpperCF(g.Shape, y)
		}
		return math.Log1p(-math.Exp(gammaLogLowerSeries(g.Shape, y)))
	}
	if lq, ok := gammaLogLarge(g.Shape, y, true); ok {
		return lq
	}
	q := mathext.GammaIncRegComp(g.Shape, y)
	if q > gammaTiny {
		return math.Log(q)
	}
	return gammaLogUpperCF(g.Shape, y)
}

// gammaLogLarge evaluates ln P(a, y) (upper = false) or ln Q(a, y) for
// large shapes (a > 1e5) more than two standard deviations from the mean,
// where gonum's incomplete gamma loses digits (ln P off by 1.7e-3 at
// a = 1e7, P = e⁻⁵⁰). With t = y/a and d = t − 1 the common factor is
//
//	ln(yᵃe⁻ʸ/Γ(a+1)) = −a·(d − ln(1+d)) − ½ ln(2πa) − 1/(12a) + 1/(360a³),
//
// free of the cancellation between a·ln y, y and ln Γ(a+1); the series of
// DLMF 8.7.1 (y < a) or the continued fraction of DLMF 8.9.2 (y > a) then
// supply the rest. It reports false where it does not apply, or where the
// series or fraction would need more than 4·10⁶ terms.
func gammaLogLarge(a, y float64, upper bool) (float64, bool) {
	if !(a > 1e5) || math.Abs(y-a) <= 2*math.Sqrt(a) || math.IsInf(a, 0) {
		return 0, false
	}
	d := y/a - 1
	if 40/math.Abs(d) > 4e6 { // the series or fraction would need ~40/|d| terms
		return 0, false
	}
	var dl float64 // d − ln(1+d)
	if math.Abs(d) < 0.1 {
		// d − ln(1+d) = Σ_{k≥2} (−d)ᵏ/k, without the cancellation.
		pw := -d
		for k := 2; k < 60; k++ {
			pw *= -d
			dl += pw / float64(k)
			if math.Abs(pw) < 1e-18*math.Abs(dl) {
				break
			}
		}
	} else {
		dl = d - math.Log1p(d)
	}
	pre := -a*dl - 0.5*math.Log(2*math.Pi*a) - 1/(12*a) + 1/(360*a*a*a)
	if y < a {
		sum, ok := lowerSeries(a, y, 4e6)
		if !ok {
			return 0, false
		}
		lp := pre + math.Log(sum)
		if upper {
			return math.Log1p(-math.Exp(lp)), true
		}
		return lp, true
	}
	// ln Q = ln(yᵃe⁻ʸ/Γ(a)) + ln CF, Γ(a) = Γ(a+1)/a.
	h, ok := upperCF(a, y, 4e6)
	if !ok {
		return 0, false
	}
	lq := pre + math.Log(a) + math.Log(h)
	if upper {
		return lq, true
	}
	return math.Log1p(-math.Exp(lq)), true
}

// gammaLogUpperCF evaluates ln Q(a, y) by the continued fraction
//
//	Q(a, y) = e^(−y) y^a / Γ(a) · 1/(y+1−a− 1·(1−a)/(y+3−a− 2·(2−a)/(y+5−a− …)))
//
// which converges quickly for y > a + 1, the only region where Q underflows.
func gammaLogUpperCF(a, y float64) float64 {
	// A continued fraction that has not converged in 10⁵ steps is still
	// used (y > a + 1 makes that unreachable in practice); a NaN or ±Inf
	// step makes h non-finite, and the result −Inf below.
	h, _ := upperCF(a, y, 99999)
	lg, _ := math.Lgamma(a)
	r := a*math.Log(y) - y - lg + math.Log(h)
	if math.IsNaN(r) {
		return math.Inf(-1) // overflow for astronomically large a and y
	}
	return r
}

// lowerSeries sums the series of P(a, y)·Γ(a+1)·eʸ/yᵃ (DLMF 8.7.1),
//
//	1 + y/(a+1) + y²/((a+1)(a+2)) + …,
//
// for at most maxIter terms after the first. ok is false when it did not
// converge (to 1e-17 relative) or the sum became NaN or ±Inf; sum is then
// the value reached.
func lowerSeries(a, y float64, maxIter int) (sum float64, ok bool) {
	sum, term := 1.0, 1.0
	for n := 1; n <= maxIter; n++ {
		term *= y / (a + float64(n))
		sum += term
		if term < sum*1e-17 {
			return sum, true
		}
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			return sum, false
		}
	}
	return sum, false
}

// upperCF evaluates the continued fraction of Q(a, y)·Γ(a)·eʸ/yᵃ,
//
//	1/(y+1−a− 1·(1−a)/(y+3−a− 2·(2−a)/(y+5−a− …))),
//
// by the modified Lentz method, for at most maxIter terms. ok is false when
// it did not converge (to 1e-16 relative) or a step was NaN or ±Inf; h is
// then the value reached.
func upperCF(a, y float64, maxIter int) (h float64, ok bool) {
	const fpmin = 1e-300
	b := y + 1 - a
	c := 1 / fpmin
	d := 1 / b
	h = d
	for i := 1; i <= maxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < fpmin {
			d = fpmin
		}
		c = b + an/c
		if math.Abs(c) < fpmin {
			c = fpmin
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			return h, true
		}
		if math.IsNaN(del) || math.IsInf(del, 0) {
			return h, false
		}
	}
	return h, false
}

// Mean returns E[x] = α/λ.
func (g Gamma) Mean() float64 {
	if !g.ok() {
		return math.NaN()
	}
	return g.Shape / g.Rate
}

// Variance returns Var[x] = α/λ².
func (g Gamma) Variance() float64 {
	if !g.ok() {
		return math.NaN()
	}
	return g.Shape / (g.Rate * g.Rate)
}

// Mode returns the density's maximiser (α−1)/λ for α ≥ 1, and 0 for α < 1.
// Budget guidance masks candidates whose mode maps to fewer than 0.9
// remaining tokens: exp(Mode) − 1 < 0.9.
func (g Gamma) Mode() float64 {
	if !g.ok() {
		return math.NaN()
	}
	if g.Shape < 1 {
		return 0
	}
	return (g.Shape - 1) / g.Rate
}
