package irt

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Item is one test item (a benchmark question) in slope–intercept form:
//
//	P(θ) = c + (u − c)·σ(aᵀθ + d),    σ(z) = 1/(1 + e^−z)
//
// where θ is the respondent's ability vector of dimension D = len(A), A the
// item's discriminations (slopes), D its intercept, C its lower asymptote
// (guessing) and U its upper asymptote (slipping). With C = 0 and U = 1 this
// is the two-parameter logistic (2PL) model, with C > 0 the 3PL, with U < 1
// the 4PL. For D = 1 the familiar difficulty is b = −d/a, so that
// aθ + d = a(θ − b).
//
// The zero value of U means 1, so Item{A: []float64{1}} is a valid 2PL item
// of difficulty 0. Parameters are checked by ValidateBank (which NewSession,
// MAP, MLE, EAP and the other entry points call): finite, |a| ≤ 1000,
// |d| ≤ 1e6, 0 ≤ c < u ≤ 1. Prob, Info and InfoWeight return NaN for a θ of
// the wrong dimension or a NaN θ rather than panic (and rather than an error,
// to stay cheap in inner loops); the functions that take a bank check θ.
//
// For numerical safety the logit is clipped to [−35, 35] (σ(±35) differs
// from 0 and 1 by 6e−16), as tinyBenchmarks clips it to ±30.
type Item struct {
	A []float64 `json:"a"`
	D float64   `json:"d"`
	C float64   `json:"c,omitempty"`
	U float64   `json:"u,omitempty"`
}

// OnePL returns the Rasch (1PL) item of difficulty b: P(θ) = σ(θ − b).
func OnePL(b float64) Item { return Item{A: []float64{1}, D: -b} }

// TwoPL returns the 2PL item with discrimination a and difficulty b:
// P(θ) = σ(a(θ − b)), i.e. slope a and intercept d = −a·b.
func TwoPL(a, b float64) Item { return Item{A: []float64{a}, D: -a * b} }

// ThreePL returns the 3PL item with discrimination a, difficulty b and
// guessing c: P(θ) = c + (1 − c)·σ(a(θ − b)).
func ThreePL(a, b, c float64) Item { return Item{A: []float64{a}, D: -a * b, C: c} }

// Dim returns the item's dimension D = len(it.A).
func (it Item) Dim() int { return len(it.A) }

// upper returns the upper asymptote, mapping the zero value to 1.
func (it *Item) upper() float64 {
	if it.U == 0 {
		return 1
	}
	return it.U
}

// logit returns aᵀθ + d clipped to [−35, 35], or NaN on a dimension mismatch.
func (it *Item) logit(theta []float64) float64 {
	if len(theta) != len(it.A) {
		return math.NaN()
	}
	z := it.D
	for k, a := range it.A {
		z += a * theta[k]
	}
	return clipLogit(z)
}

func clipLogit(z float64) float64 {
	if z > 35 {
		return 35
	}
	if z < -35 {
		return -35
	}
	return z
}

// sigmoid returns σ(z) and σ(−z) = 1 − σ(z), both without cancellation.
func sigmoid(z float64) (s, sbar float64) {
	if z >= 0 {
		e := math.Exp(-z)
		return 1 / (1 + e), e / (1 + e)
	}
	e := math.Exp(z)
	return e / (1 + e), 1 / (1 + e)
}

// itemResponse holds everything the estimators need about one item at one θ
// given the logit z: P, 1 − P, the information weight w (I = w·a aᵀ) and
// r = dP/dz / (P(1 − P)), so that d log L/dz = (x − P)·r.
type itemResponse struct {
	p, q, w, r float64
}

func (it *Item) response(z float64) itemResponse {
	s, sb := sigmoid(z)
	c, u := it.C, it.upper()
	if c == 0 && u == 1 {
		return itemResponse{p: s, q: sb, w: s * sb, r: 1}
	}
	p := c + (u-c)*s
	q := (1 - u) + (u-c)*sb
	dp := (u - c) * s * sb // dP/dz = (P − c)(u − P)/(u − c)
	pq := p * q
	return itemResponse{p: p, q: q, w: dp * dp / pq, r: dp / pq}
}

// Prob returns P(θ), the probability of a correct response. It returns NaN
// if len(theta) ≠ it.Dim(). For D = 1, call it as it.Prob(θ).
func (it Item) Prob(theta ...float64) float64 {
	z := it.logit(theta)
	if math.IsNaN(z) {
		return z
	}
	return it.response(z).p
}

// InfoWeight returns the scalar w(θ) such that the item's Fisher information
// matrix at θ is w·a aᵀ:
//
//	w = (P − c)²(u − P)² / ((u − c)² P (1 − P))
//
// which is P(1 − P) for the 2PL. It returns NaN on a dimension mismatch.
func (it Item) InfoWeight(theta ...float64) float64 {
	z := it.logit(theta)
	if math.IsNaN(z) {
		return z
	}
	return it.response(z).w
}

// Info returns the item's Fisher information at θ. For D = 1 it is the
// 4PL formula
//
//	I(θ) = a²(P − c)²(u − P)² / ((u − c)² P (1 − P))
//
// (a²P(1 − P) for the 2PL). For D > 1 it returns the trace of the
// information matrix, w(θ)·‖a‖²; use InfoMatrix for the matrix itself.
func (it Item) Info(theta ...float64) float64 {
	w := it.InfoWeight(theta...)
	var aa float64
	for _, a := range it.A {
		aa += a * a
	}
	return w * aa
}

// InfoMatrix adds the item's D×D Fisher information matrix at θ,
// w(θ)·a aᵀ, to dst (row-major, length D²). It returns ErrInvalid, leaving
// dst unchanged, if the dimensions do not match, θ is not finite or beyond
// ±1e6, or the item is invalid.
func (it Item) InfoMatrix(dst, theta []float64) error {
	d := len(it.A)
	if len(theta) != d || len(dst) != d*d {
		return fmt.Errorf("%w: InfoMatrix with D = %d, len(theta) = %d, len(dst) = %d (want D and D²)", ErrInvalid, d, len(theta), len(dst))
	}
	for k, t := range theta {
		if !(math.Abs(t) <= maxAbsThetaInfo) {
			return fmt.Errorf("%w: theta[%d] = %v (must be finite, |θ| ≤ %g)", ErrInvalid, k, t, maxAbsThetaInfo)
		}
	}
	if err := it.validate(d); err != nil {
		return err
	}
	w := it.InfoWeight(theta...)
	for i, ai := range it.A {
		for j, aj := range it.A {
			dst[i*d+j] += w * ai * aj
		}
	}
	return nil
}

// Difficulty returns b = −d/a for a unidimensional item. It returns
// ErrInvalid if D ≠ 1, a = 0 or b overflows.
func (it Item) Difficulty() (float64, error) {
	if len(it.A) != 1 {
		return 0, fmt.Errorf("%w: Difficulty of a %d-dimensional item (needs D = 1)", ErrInvalid, len(it.A))
	}
	b := -it.D / it.A[0]
	if !num.IsFinite(b) {
		return 0, fmt.Errorf("%w: Difficulty −d/a = −(%v)/(%v) is not finite", ErrInvalid, it.D, it.A[0])
	}
	return b, nil
}

// MaxInfoTheta returns the ability at which a unidimensional item is most
// informative. Closed forms: θ* = b for the 1PL and 2PL, and for the 3PL
// (Birnbaum, 1968)
//
//	θ* = b + (1/a)·log((1 + √(1 + 8c)) / 2).
//
// The 4PL (u < 1) has no closed form; it is found by golden-section search
// on log I over b ± 40/|a|. It returns ErrInvalid if D ≠ 1, a = 0 or the item
// is invalid.
func (it Item) MaxInfoTheta() (float64, error) {
	if err := it.validate(1); err != nil {
		return 0, err
	}
	a := it.A[0]
	if a == 0 {
		return 0, fmt.Errorf("%w: MaxInfoTheta of an item with a = 0", ErrInvalid)
	}
	t := (it.peakLogit() - it.D) / a
	if !num.IsFinite(t) {
		return 0, fmt.Errorf("%w: MaxInfoTheta of an item with a = %v, d = %v is not finite", ErrInvalid, a, it.D)
	}
	return t, nil
}

// peakLogit returns the logit z* = aᵀθ + d at which the information weight
// w(z) peaks: log((1 + √(1 + 8c))/2) when u = 1 (0 for the 2PL), otherwise
// found by golden-section search on [−35, 35] (w is unimodal in z).
func (it *Item) peakLogit() float64 {
	if it.upper() == 1 {
		return math.Log((1 + math.Sqrt(1+8*it.C)) / 2)
	}
	f := func(z float64) float64 { return it.response(z).w }
	lo, hi := -35.0, 35.0
	const g = 0.6180339887498949
	x1, x2 := hi-g*(hi-lo), lo+g*(hi-lo)
	f1, f2 := f(x1), f(x2)
	for hi-lo > 1e-10 {
		if f1 < f2 {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + g*(hi-lo)
			f2 = f(x2)
		} else {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - g*(hi-lo)
			f1 = f(x1)
		}
	}
	return (lo + hi) / 2
}

// maxInfoWeight returns the largest information weight the item reaches at
// any θ, w(z*) (1/4 for the 2PL).
func (it *Item) maxInfoWeight() float64 {
	if it.C == 0 && it.upper() == 1 {
		return 0.25
	}
	return it.response(it.peakLogit()).w
}

// validate checks one item; dim < 0 accepts any dimension ≥ 1.
func (it *Item) validate(dim int) error {
	if len(it.A) == 0 {
		return fmt.Errorf("%w: item has no discriminations (D = 0)", ErrInvalid)
	}
	if dim >= 0 && len(it.A) != dim {
		return fmt.Errorf("%w: item has D = %d, want %d", ErrInvalid, len(it.A), dim)
	}
	for k, a := range it.A {
		if !(math.Abs(a) <= maxAbsSlope) {
			return fmt.Errorf("%w: A[%d] = %v (must be finite, |a| ≤ %g)", ErrInvalid, k, a, maxAbsSlope)
		}
	}
	if !(math.Abs(it.D) <= maxAbsIntercept) {
		return fmt.Errorf("%w: D = %v (must be finite, |d| ≤ %g)", ErrInvalid, it.D, maxAbsIntercept)
	}
	u := it.upper()
	if !(it.C >= 0 && it.C < u && u <= 1) {
		return fmt.Errorf("%w: C = %v, U = %v (need 0 ≤ C < U ≤ 1)", ErrInvalid, it.C, it.U)
	}
	return nil
}
