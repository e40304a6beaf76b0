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
// validate once at the boundary. The CDF and survival function are also
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
func (g Gamma) LogCDF(x float64) float64 {
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
	sum, term := 1.0, 1.0
	for n := 1; n < 100000; n++ {
		term *= y / (a + float64(n))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
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
func (g Gamma) LogSurvival(x float64) float64 {
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
	q := mathext.GammaIncRegComp(g.Shape, y)
	if q > gammaTiny {
		return math.Log(q)
	}
	return gammaLogUpperCF(g.Shape, y)
}

// gammaLogUpperCF evaluates ln Q(a, y) by the continued fraction
//
//	Q(a, y) = e^(−y) y^a / Γ(a) · 1/(y+1−a− 1·(1−a)/(y+3−a− 2·(2−a)/(y+5−a− …)))
//
// which converges quickly for y > a + 1, the only region where Q underflows.
func gammaLogUpperCF(a, y float64) float64 {
	const fpmin = 1e-300
	b := y + 1 - a
	c := 1 / fpmin
	d := 1 / b
	h := d
	for i := 1; i < 100000; i++ {
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
			break
		}
	}
	lg, _ := math.Lgamma(a)
	r := a*math.Log(y) - y - lg + math.Log(h)
	if math.IsNaN(r) {
		return math.Inf(-1) // overflow for astronomically large a and y
	}
	return r
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

// Quantile returns the x with F(x) = p, computed as
// P⁻¹(α, p)/λ with gonum mathext.GammaIncRegInv. It returns NaN for p
// outside [0, 1].
func (g Gamma) Quantile(p float64) float64 {
	if !g.ok() || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	if p == 0 {
		return 0
	}
	if p == 1 {
		return math.Inf(1)
	}
	y := mathext.GammaIncRegInv(g.Shape, p)
	if !(y > 1e-280) {
		y = gammaInvLowerTail(g.Shape, p)
	}
	return y / g.Rate
}

// gammaInvLowerTail solves P(a, y) = p deep in the lower tail, where gonum's
// inverse underflows: start from the series' leading term
// y₀ = (p·Γ(a+1))^(1/a) and refine with Newton steps on ln P(a, y) − ln p in
// log y (d ln P/d ln y = y·p(y)/P).
func gammaInvLowerTail(a, p float64) float64 {
	lp := math.Log(p)
	lg, _ := math.Lgamma(a + 1)
	ly := (lp + lg) / a
	for i := 0; i < 50; i++ {
		y := math.Exp(ly)
		if y == 0 {
			return 0
		}
		lP := gammaLogLowerSeries(a, y)
		lga, _ := math.Lgamma(a)
		// ln(y·density of Gamma(a,1) at y) − ln P
		slope := math.Exp(a*ly - y - lga - lP)
		step := (lP - lp) / slope
		ly -= step
		if math.Abs(step) < 1e-14 {
			break
		}
	}
	return math.Exp(ly)
}
