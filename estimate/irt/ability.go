package irt

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Ability is an ability estimate: the point θ̂, its covariance and the
// standard errors on each dimension, with a record of how it was reached.
type Ability struct {
	// Theta is θ̂ (length D).
	Theta []float64 `json:"theta"`
	// Cov is the D×D covariance of θ̂, row-major: the inverse of the
	// (prior-augmented) Fisher information at θ̂ for MAP and MLE (the
	// Laplace approximation), the posterior covariance for EAP.
	Cov []float64 `json:"cov"`
	// SE holds √Cov[k][k], the standard error (posterior SD for EAP) of
	// each coordinate.
	SE []float64 `json:"se"`
	// Iterations counts Newton iterations (0 for EAP and closed forms).
	Iterations int `json:"iterations"`
	// Converged reports that the score fell below the tolerance.
	Converged bool `json:"converged"`
	// AtBound reports that θ̂ stopped at the edge of [Lo, Hi] with the
	// likelihood still increasing outward: the estimate is a bound, not an
	// interior optimum.
	AtBound bool `json:"at_bound"`
	// Extreme reports that MLE met an all-correct or all-wrong pattern and
	// applied AbilityConfig.Extreme.
	Extreme bool `json:"extreme"`
}

// Extreme says what MLE does with an all-correct or all-wrong response
// pattern, for which the likelihood has no finite maximum.
type Extreme int

const (
	// ExtremeMAP falls back to the MAP estimate under the configured prior
	// (the default).
	ExtremeMAP Extreme = iota
	// ExtremeDodd applies Dodd's (1990) heuristic as catsim does: from the
	// start value θ₀, move halfway towards the largest difficulty (all
	// correct) or the smallest (all wrong). D = 1 only.
	ExtremeDodd
	// ExtremeClamp returns the range bound (Hi for all correct, Lo for all
	// wrong) and sets AtBound.
	ExtremeClamp
)

// Domains of ability-scale quantities. Abilities are logits: beyond ±1000
// every probability is 0 or 1 to double precision, and prior SDs outside
// [1e-6, 1e6] make the prior a point mass or flat to machine precision.
const (
	maxAbsTheta     = 1e3 // |θ|, |μ₀|, |Lo|, |Hi| of MAP, MLE and EAP
	maxAbsThetaInfo = 1e6 // |θ| of TestInfo and StandardError
	minSD, maxSD    = 1e-6, 1e6
	maxAbsSlope     = 1e3 // |a|
	maxAbsIntercept = 1e6 // |d|
	maxCostExponent = 16
	maxItemVar      = 1e6 // |entries| of SessionConfig.ItemCov
)

// AbilityConfig configures MAP and MLE. Zero fields mean the defaults, which
// are Fluid Benchmarking's: prior N(0, 1), range [−4, 4], tolerance 1e-6 on
// the score, 100 iterations.
type AbilityConfig struct {
	// PriorMean is μ₀ on every dimension (default 0; |μ₀| ≤ 1000).
	PriorMean float64
	// PriorSD is σ₀ on every dimension (default 1; in [1e-6, 1e6]); the
	// prior is N(μ₀·1, σ₀²·I). MLE ignores the prior except under
	// ExtremeMAP.
	PriorSD float64
	// Lo and Hi bound every coordinate of θ (default −4 and 4; both zero
	// means the default; both within ±1000).
	Lo, Hi float64
	// Tol is the convergence tolerance on the largest absolute component of
	// the score (the gradient of the log posterior; default 1e-6).
	Tol float64
	// MaxIter caps Newton iterations (default 100).
	MaxIter int
	// Start is the starting point (default: the prior mean for MAP, 0 for
	// MLE); it is also Dodd's θ₀.
	Start []float64
	// Extreme is MLE's policy for all-correct / all-wrong patterns.
	Extreme Extreme
}

// abilityParams is a resolved, validated AbilityConfig.
type abilityParams struct {
	mean, sd, lo, hi, tol float64
	maxIter               int
}

func (c AbilityConfig) resolve(d int) (abilityParams, error) {
	r := abilityParams{mean: c.PriorMean, sd: c.PriorSD, lo: c.Lo, hi: c.Hi, tol: c.Tol, maxIter: c.MaxIter}
	if r.sd == 0 {
		r.sd = 1
	}
	if r.lo == 0 && r.hi == 0 {
		r.lo, r.hi = -4, 4
	}
	if r.tol == 0 {
		r.tol = 1e-6
	}
	if r.maxIter == 0 {
		r.maxIter = 100
	}
	switch {
	case !(math.Abs(r.mean) <= maxAbsTheta):
		return r, fmt.Errorf("%w: PriorMean = %v (must be finite, |μ₀| ≤ %g)", ErrInvalid, c.PriorMean, maxAbsTheta)
	case !(r.sd >= minSD && r.sd <= maxSD):
		return r, fmt.Errorf("%w: PriorSD = %v (must be in [%g, %g])", ErrInvalid, c.PriorSD, minSD, maxSD)
	case !(r.lo >= -maxAbsTheta && r.hi <= maxAbsTheta && r.lo < r.hi):
		return r, fmt.Errorf("%w: range [%v, %v] (need −%g ≤ Lo < Hi ≤ %g)", ErrInvalid, c.Lo, c.Hi, maxAbsTheta, maxAbsTheta)
	case !num.IsFinite(r.tol) || r.tol <= 0:
		return r, fmt.Errorf("%w: Tol = %v (must be finite and > 0)", ErrInvalid, c.Tol)
	case r.maxIter < 0:
		return r, fmt.Errorf("%w: MaxIter = %d (must be ≥ 0)", ErrInvalid, c.MaxIter)
	case c.Extreme < ExtremeMAP || c.Extreme > ExtremeClamp:
		return r, fmt.Errorf("%w: Extreme = %d (unknown policy)", ErrInvalid, c.Extreme)
	}
	if c.Start != nil {
		if len(c.Start) != d {
			return r, fmt.Errorf("%w: len(Start) = %d, bank has D = %d", ErrInvalid, len(c.Start), d)
		}
		if k, ok := num.AllFinite(c.Start); !ok {
			return r, fmt.Errorf("%w: Start[%d] = %v (must be finite)", ErrInvalid, k, c.Start[k])
		}
	}
	return r, nil
}

// String returns the policy's name, or Extreme(n) for an unknown value.
func (e Extreme) String() string {
	switch e {
	case ExtremeMAP:
		return "MAP"
	case ExtremeDodd:
		return "Dodd"
	case ExtremeClamp:
		return "clamp"
	}
	return fmt.Sprintf("Extreme(%d)", int(e))
}
