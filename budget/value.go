package budget

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Value is the worth of giving an item more rollouts, expressed through its
// marginal gains: Gain(n) = V(n+1) − V(n), the improvement from the item's
// (n+1)-th rollout. Allocate maximises Σᵢ Vᵢ(nᵢ) subject to the budget, so
// only gains matter.
//
// A Value is concave when Gain is non-increasing in n; greedy allocation is
// then exactly optimal for equal costs. Every built-in value is concave.
// Gain must return a finite, non-negative number for every n ≥ 0 that
// Allocate asks about (Min ≤ n < Max); Neyman values return +Inf at n = 0 to
// say that a first rollout comes before any second one.
type Value interface {
	Gain(n int) float64
}

// stepper is implemented by built-in values whose successive gains
// follow a two-term recurrence, so the greedy solvers never recompute a
// power per step: first returns Gain(n) and a state, next advances the state
// to Gain(n+1).
type stepper interface {
	first(n int) (float64, stepState)
	next(s *stepState) float64
}

// stepState is the recurrence state of an stepper.
type stepState struct {
	a, b float64 // the two terms of the gain
	n    float64 // the n the terms belong to
}

// GainFunc adapts a function to the Value interface. The caller is
// responsible for its concavity; Allocate's Auto solver checks it.
type GainFunc func(n int) float64

// Gain returns f(n).
func (f GainFunc) Gain(n int) float64 { return f(n) }

// Knapsack is the value of a rollout group in "Knapsack RL: Unlocking
// Exploration of LLMs via Optimizing Budget Allocation" for a prompt with
// success probability P:
//
//	V(N) = (1 − pᴺ − qᴺ) · p·q²,   q = 1 − p
//
// 1 − pᴺ − qᴺ is the probability that a group of N rollouts mixes successes
// and failures (a non-zero GRPO gradient); p·q² is the paper's information
// gain, largest at p = 1/3. Its gains have the closed form
//
//	Δ(N) = V(N+1) − V(N) = p^{N+1}·q³ + p²·q^{N+2}
//
// which Allocate evaluates incrementally. Gains are zero when P is 0 or 1.
type Knapsack struct {
	P float64
}

// Gain returns p^{n+1}q³ + p²q^{n+2}.
func (v Knapsack) Gain(n int) float64 {
	p, q := v.P, 1-v.P
	m := float64(n)
	return math.Pow(p, m+1)*q*q*q + p*p*math.Pow(q, m+2)
}

func (v Knapsack) first(n int) (float64, stepState) {
	p, q := v.P, 1-v.P
	m := float64(n)
	s := stepState{a: math.Pow(p, m+1) * q * q * q, b: p * p * math.Pow(q, m+2), n: m}
	return s.a + s.b, s
}

func (v Knapsack) next(s *stepState) float64 {
	s.a *= v.P
	s.b *= 1 - v.P
	s.n++
	return s.a + s.b
}

// Value returns V(n) itself, for reporting.
func (v Knapsack) Value(n int) float64 {
	p, q := v.P, 1-v.P
	m := float64(n)
	return (1 - math.Pow(p, m) - math.Pow(q, m)) * p * q * q
}

// BetaKnapsack is the Knapsack value averaged over an uncertain success
// probability p ~ Beta(Alpha, Beta), budgetkit's default for allocation
// from a success-rate posterior (an extension of Knapsack RL). Its gains are
//
//	Δ(N) = E[p^{N+1} q³] + E[p² q^{N+2}],   E[pˣ qʸ] = B(α+x, β+y) / B(α, β)
//
// evaluated incrementally with the ratios
// E[p^{x+1}qʸ]/E[pˣqʸ] = (α+x)/(α+β+x+y). Unlike Knapsack with a point
// estimate, it gives sensible allocations to unseen prompts (the prior) and
// to prompts whose recent window reads p̂ ∈ {0, 1}.
type BetaKnapsack struct {
	Alpha, Beta float64
}

// Gain returns E[p^{n+1}q³] + E[p²q^{n+2}] under Beta(Alpha, Beta).
func (v BetaKnapsack) Gain(n int) float64 {
	g, _ := v.first(n)
	return g
}

func (v BetaKnapsack) moment(x, y float64) float64 {
	return math.Exp(mathext.Lbeta(v.Alpha+x, v.Beta+y) - mathext.Lbeta(v.Alpha, v.Beta))
}

// moments returns a = E[p^{n+1} q³] and b = E[p² q^{n+2}]. For n up to
// 64 it multiplies the ratios of rising factorials (x)ₖ = Γ(x+k)/Γ(x),
//
//	a = (α)ₙ₊₁ (β)₃ / (α+β)ₙ₊₄,   b = (α)₂ (β)ₙ₊₂ / (α+β)ₙ₊₄,
//
// each ratio below 1 (no overflow) and the product accurate to a few ulps,
// about five times faster than four log-beta calls; beyond, it uses them.
func (v BetaKnapsack) moments(n int) (a, b float64) {
	if n > 64 {
		m := float64(n)
		return v.moment(m+1, 3), v.moment(2, m+2)
	}
	al, be, s := v.Alpha, v.Beta, v.Alpha+v.Beta
	a, b = 1, 1
	for i := 0; i <= n; i++ { // (α)ₙ₊₁ / (α+β)ₙ₊₁
		a *= (al + float64(i)) / (s + float64(i))
	}
	for j := 0; j < 3; j++ { // (β)₃ / (α+β+n+1)₃
		a *= (be + float64(j)) / (s + float64(n+1+j))
	}
	for i := 0; i < 2; i++ { // (α)₂ / (α+β)₂
		b *= (al + float64(i)) / (s + float64(i))
	}
	for j := 0; j < n+2; j++ { // (β)ₙ₊₂ / (α+β+2)ₙ₊₂
		b *= (be + float64(j)) / (s + float64(2+j))
	}
	return a, b
}

func (v BetaKnapsack) first(n int) (float64, stepState) {
	a, b := v.moments(n)
	s := stepState{a: a, b: b, n: float64(n)}
	return s.a + s.b, s
}

func (v BetaKnapsack) next(s *stepState) float64 {
	// a = E[p^{n+1} q³] → E[p^{n+2} q³]; b = E[p² q^{n+2}] → E[p² q^{n+3}].
	den := v.Alpha + v.Beta + s.n + 4
	s.a *= (v.Alpha + s.n + 1) / den
	s.b *= (v.Beta + s.n + 2) / den
	s.n++
	return s.a + s.b
}

// MixedGroup values a group of N rollouts by the probability that it mixes
// successes and failures, V(N) = 1 − pᴺ − qᴺ, the chance of a non-zero GRPO
// gradient. Gains: Δ(N) = p^N·q + q^N·p.
type MixedGroup struct {
	P float64
}

// Gain returns pⁿq + qⁿp.
func (v MixedGroup) Gain(n int) float64 {
	p, q := v.P, 1-v.P
	m := float64(n)
	return math.Pow(p, m)*q + math.Pow(q, m)*p
}

func (v MixedGroup) first(n int) (float64, stepState) {
	p, q := v.P, 1-v.P
	m := float64(n)
	s := stepState{a: math.Pow(p, m) * q, b: math.Pow(q, m) * p, n: m}
	return s.a + s.b, s
}

func (v MixedGroup) next(s *stepState) float64 {
	s.a *= v.P
	s.b *= 1 - v.P
	s.n++
	return s.a + s.b
}

// Neyman values rollouts by the variance they remove from an estimate with
// per-rollout standard deviation Sigma (Neyman allocation, as used by DUET
// and CurES): V(n) = −σ²/n, so
//
//	Δ(n) = σ²/n − σ²/(n+1) = σ² / (n(n+1)),   Δ(0) = +Inf
//
// With a per-rollout cost L (Item.Cost, e.g. expected rollout length in
// tokens) the continuous optimum of min Σ σᵢ²/nᵢ s.t. Σ Lᵢnᵢ ≤ B is
// nᵢ ∝ σᵢ/√Lᵢ; the ratio-greedy solver approaches it in integers.
type Neyman struct {
	Sigma float64
}

// Gain returns σ²/(n(n+1)), +Inf at n = 0 (0 when σ = 0).
func (v Neyman) Gain(n int) float64 {
	if v.Sigma == 0 {
		return 0
	}
	if n <= 0 {
		return math.Inf(1)
	}
	m := float64(n)
	return v.Sigma * v.Sigma / (m * (m + 1))
}

// GVM returns the Neyman value of the gradient-variance-minimising
// allocation of "Optimizing Chain-of-Thought Reasoners via Gradient Variance
// Minimization" (GVM-RAFT): a prompt with gradient-norm estimate g and
// success probability p gets weight
//
//	w = g / √(p + α/p^{β−1})
//
// with defaults α = 1e-3 and β = 2 (pass 0 for either to use them), and
// n ∝ w. A prompt with g = 0 or p = 0 gets w = 0 and so no rollouts beyond
// its Min. Minimising Σ w²/n, whose optimum is n ∝ w, is exactly a Neyman
// value with σ = w.
func GVM(g, p, alpha, beta float64) (Neyman, error) {
	if alpha == 0 {
		alpha = 1e-3
	}
	if beta == 0 {
		beta = 2
	}
	switch {
	case !(g >= 0) || math.IsInf(g, 1):
		return Neyman{}, fmt.Errorf("%w: GVM gradient norm %v (must be finite and ≥ 0)", ErrInvalid, g)
	case !(p >= 0 && p <= 1):
		return Neyman{}, fmt.Errorf("%w: GVM success probability %v (must be in [0, 1])", ErrInvalid, p)
	case !(alpha > 0) || math.IsInf(alpha, 1):
		return Neyman{}, fmt.Errorf("%w: GVM alpha %v (must be finite and > 0)", ErrInvalid, alpha)
	case math.IsNaN(beta) || math.IsInf(beta, 0):
		return Neyman{}, fmt.Errorf("%w: GVM beta %v (must be finite)", ErrInvalid, beta)
	}
	if g == 0 || p == 0 {
		return Neyman{}, nil
	}
	sigma := g / math.Sqrt(p+alpha/math.Pow(p, beta-1))
	if !(sigma >= 0 && sigma <= 1e150) {
		return Neyman{}, fmt.Errorf("%w: GVM weight %v from g = %v, p = %v, alpha = %v, beta = %v (must be in [0, 1e150])", ErrInvalid, sigma, g, p, alpha, beta)
	}
	return Neyman{Sigma: sigma}, nil
}

// checkValue validates the parameters of built-in values.
func checkValue(i int, v Value) error {
	bad := func(field string, x float64, want string) error {
		return fmt.Errorf("%w: items[%d].Value.%s = %v (%s)", ErrInvalid, i, field, x, want)
	}
	switch v := v.(type) {
	case nil:
		return fmt.Errorf("%w: items[%d].Value is nil", ErrInvalid, i)
	case Knapsack:
		if !(v.P >= 0 && v.P <= 1) {
			return bad("P", v.P, "must be in [0, 1]")
		}
	case MixedGroup:
		if !(v.P >= 0 && v.P <= 1) {
			return bad("P", v.P, "must be in [0, 1]")
		}
	case BetaKnapsack:
		if !(v.Alpha > 0) || math.IsInf(v.Alpha, 1) {
			return bad("Alpha", v.Alpha, "must be finite and > 0")
		}
		if !(v.Beta > 0) || math.IsInf(v.Beta, 1) {
			return bad("Beta", v.Beta, "must be finite and > 0")
		}
	case Neyman:
		if !(v.Sigma >= 0) || v.Sigma > 1e150 {
			return bad("Sigma", v.Sigma, "must be in [0, 1e150], so that σ² is finite")
		}
	}
	return nil
}
