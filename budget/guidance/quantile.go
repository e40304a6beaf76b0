package guidance

import "math"

// Quantile returns the x with F(x) = p: 0 at p = 0, +Inf at p = 1, NaN for
// invalid parameters or p outside [0, 1]. It solves in log space, as
// LogQuantile does, on ln P when p < ½ and on ln Q = ln(1 − p) otherwise,
// so both tails keep full relative accuracy (1e-9 or better wherever the
// answer is a normal float64).
func (g Gamma) Quantile(p float64) float64 {
	if !g.ok() || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	switch {
	case p == 0:
		return 0
	case p == 1:
		return math.Inf(1)
	case g.Shape > gammaHugeShape:
		return g.scale(gammaWilsonHilferty(g.Shape, math.Log(p), math.Log1p(-p)))
	case p < 0.5:
		return g.scale(gammaSolveLower(g.Shape, math.Log(p)))
	default:
		return g.scale(gammaSolveUpper(g.Shape, math.Log1p(-p)))
	}
}

// gammaHugeShape is the shape above which the quantile uses the
// Wilson–Hilferty transform: ln Γ(α) and α·ln y then carry too few
// significant digits for the log-space solver, and the transform's
// relative error, O(1/α) for moderate z, is far below 1e-9.
const gammaHugeShape = 1e10

// gammaWilsonHilferty returns u = ln y for P(a, y) = e^logp (lq = ln(1 − p))
// by y = a·(1 − 1/(9a) + z/(3√a))³ with z the standard normal quantile,
// "The distribution of chi-square" (Wilson and Hilferty, 1931).
func gammaWilsonHilferty(a, logp, lq float64) float64 {
	var z float64
	if logp < -math.Ln2 {
		z = normalQuantileLog(logp)
	} else {
		z = -normalQuantileLog(lq)
	}
	c := 1 - 1/(9*a) + z/(3*math.Sqrt(a))
	if !(c > 0) {
		return math.Inf(-1)
	}
	return math.Log(a) + 3*math.Log(c)
}

// normalQuantileLog returns z ≤ 0 with ln Φ(z) = logp ≤ −ln 2, by Newton's
// method on ln Φ, evaluated with erfc (for z > −37) or Mills' ratio
// ln Φ(z) ≈ −z²/2 − ln(−z) − ½ ln 2π + ln(1 − 1/z² + 3/z⁴), from
// z₀ = −√(−2·logp).
func normalQuantileLog(logp float64) float64 {
	lnPhi := func(z float64) float64 {
		if z > -37 {
			return math.Log(0.5 * math.Erfc(-z/math.Sqrt2))
		}
		iz2 := 1 / (z * z)
		return -z*z/2 - math.Log(-z) - 0.5*math.Log(2*math.Pi) + math.Log1p(-iz2+3*iz2*iz2)
	}
	z := -math.Sqrt(-2 * logp)
	for i := 0; i < 100; i++ {
		f := lnPhi(z) - logp
		d := math.Exp(-z*z/2 - 0.5*math.Log(2*math.Pi) - lnPhi(z)) // φ/Φ
		step := f / d
		z -= step
		if z > 0 {
			z = 0
		}
		if math.Abs(step) <= 1e-15*math.Max(1, math.Abs(z)) {
			break
		}
	}
	return z
}

// LogQuantile returns the x with ln F(x) = logp, for logp ≤ 0: the quantile
// of p = e^logp without forming p, so it reaches the deep lower tail
// (logp = −700 and beyond) where p underflows. It is accurate to 1e-9
// relative (tested for shapes from 1e-3 to 1e12; in practice ~1e-12)
// wherever the answer is a normal float64, returns 0 where the answer underflows and +Inf where
// it overflows or logp = 0, and NaN for invalid parameters, NaN or
// logp > 0. It never panics.
//
// With y = λx and u = ln y it solves h(u) = 0 for the increasing function
//
//	h(u) = ln P(α, eᵘ) − logp            (logp < −ln 2)
//	h(u) = ln(1 − p) − ln Q(α, eᵘ)       (otherwise; ln(1 − p) = ln(−expm1(logp)))
//
// by Newton's method with h′(u) = eᵘ·f(eᵘ)/P (or /Q), f the Gamma(α, 1)
// density, safeguarded by a bracket [lo, hi] that every step keeps: a step
// leaving it is replaced by bisection. The lower-tail bracket starts from
// the bound ln P ≤ α·u − ln Γ(α+1), whose root is below the answer and is
// also the Newton start. At most 400 evaluations of ln P or ln Q. Above
// shape 1e10 it uses the Wilson–Hilferty transform instead, whose relative
// error there is below 1e-12 for |z| ≤ 100 and 1e-9 for |z| ≤ 1000
// (logp ≥ −5·10⁵).
func (g Gamma) LogQuantile(logp float64) float64 {
	if !g.ok() || math.IsNaN(logp) || logp > 0 {
		return math.NaN()
	}
	switch {
	case logp == 0:
		return math.Inf(1)
	case math.IsInf(logp, -1):
		return 0
	case g.Shape > gammaHugeShape:
		return g.scale(gammaWilsonHilferty(g.Shape, logp, math.Log(-math.Expm1(logp))))
	case logp < -math.Ln2:
		return g.scale(gammaSolveLower(g.Shape, logp))
	default:
		return g.scale(gammaSolveUpper(g.Shape, math.Log(-math.Expm1(logp))))
	}
}

// scale returns x = eᵘ/λ, through exp(u − ln λ) when eᵘ itself would
// underflow or overflow.
func (g Gamma) scale(u float64) float64 {
	if math.IsNaN(u) {
		return math.NaN()
	}
	if u > -700 && u < 700 {
		return math.Exp(u) / g.Rate
	}
	return math.Exp(u - math.Log(g.Rate))
}

// gammaLogP returns ln P(a, eᵘ), and ln(eᵘ·f(eᵘ)) for the derivative,
// where f is the Gamma(a, 1) density; it does not underflow for very
// negative u.
func gammaLogP(a, u float64) (lp, ldens float64) {
	y := math.Exp(u)
	lga, _ := math.Lgamma(a)
	ldens = a*u - y - lga
	if y < 1e-300 {
		// P = yᵃ/Γ(a+1)·(1 − a·y/(a+1) + …): the correction is below 1e-300.
		lg1, _ := math.Lgamma(a + 1)
		return a*u - lg1, ldens
	}
	return Gamma{Shape: a, Rate: 1}.LogCDF(y), ldens
}

// gammaLogQ is gammaLogP for ln Q(a, eᵘ).
func gammaLogQ(a, u float64) (lq, ldens float64) {
	y := math.Exp(u)
	lga, _ := math.Lgamma(a)
	ldens = a*u - y - lga
	if math.IsInf(y, 1) {
		return math.Inf(-1), ldens
	}
	return Gamma{Shape: a, Rate: 1}.LogSurvival(y), ldens
}

// gammaSolveLower returns u = ln y with ln P(a, y) = logp, logp < −ln 2.
func gammaSolveLower(a, logp float64) float64 {
	h := func(u float64) (float64, float64) {
		lp, ld := gammaLogP(a, u)
		return lp - logp, math.Exp(ld - lp)
	}
	lg1, _ := math.Lgamma(a + 1)
	lo := (logp + lg1) / a // ln P ≤ a·u − ln Γ(a+1): the root is above lo
	if math.IsInf(lo, -1) || math.IsNaN(lo) {
		return math.Inf(-1)
	}
	for i := 0; i < 64; i++ { // rounding could leave h(lo) > 0
		if f, _ := h(lo); !(f > 0) {
			break
		}
		lo -= math.Max(1, math.Abs(lo))
	}
	return gammaSolve(h, lo, lo)
}

// gammaSolveUpper returns u = ln y with ln Q(a, y) = lq, lq ≤ −ln 2.
func gammaSolveUpper(a, lq float64) float64 {
	h := func(u float64) (float64, float64) {
		lqu, ld := gammaLogQ(a, u)
		return lq - lqu, math.Exp(ld - lqu)
	}
	// Start at ln a, near the median, and move down until Q ≥ 1 − p there.
	lo := math.Log(a)
	for step := 1.0; ; step *= 2 {
		if f, _ := h(lo); !(f > 0) || step > 1e6 {
			break
		}
		lo -= step
	}
	return gammaSolve(h, lo, lo)
}

// gammaSolve finds the root of the increasing function h, given h(lo) ≤ 0,
// starting Newton's method at u0 ≥ lo. It first finds hi with h(hi) ≥ 0 by
// doubling steps (u beyond ln(MaxFloat64) gives h = +Inf), then keeps the
// bracket, bisecting whenever a Newton step leaves it or h′ is unusable.
func gammaSolve(h func(float64) (float64, float64), lo, u0 float64) float64 {
	hi := lo
	for step := 1.0; ; step *= 2 {
		hi = lo + step
		if f, _ := h(hi); f >= 0 || math.IsNaN(f) || hi > 1000 {
			break
		}
		lo = hi
	}
	u := math.Max(u0, lo)
	for it := 0; it < 400; it++ {
		f, d := h(u)
		switch {
		case f == 0:
			return u
		case f < 0:
			lo = u
		default: // f > 0 or NaN (beyond the float64 range): move down
			hi = u
		}
		next := math.NaN()
		if d > 0 && !math.IsInf(d, 0) && !math.IsNaN(f) && !math.IsInf(f, 0) {
			next = u - f/d
		}
		if !(next > lo && next < hi) {
			next = lo + (hi-lo)/2
		}
		if math.Abs(next-u) <= 1e-15*math.Max(1, math.Abs(u)) || hi-lo <= 1e-15*math.Max(1, math.Abs(lo)) {
			return next
		}
		if math.IsNaN(next) { // ln P unusable everywhere (shapes near 5e-324)
			return lo
		}
		u = next
	}
	return u
}
