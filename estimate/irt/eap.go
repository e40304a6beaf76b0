package irt

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// EAPConfig configures EAP. Zero fields mean the defaults: prior N(0, 1) and
// 41 equally spaced nodes on [−4.5, 4.5] per dimension.
type EAPConfig struct {
	// PriorMean and PriorSD are μ₀ (default 0, |μ₀| ≤ 1000) and σ₀
	// (default 1, in [1e-6, 1e6]).
	PriorMean, PriorSD float64
	// Nodes is the number of quadrature nodes per dimension (default 41;
	// at most 10000 for D = 1 and 1024 for D = 2).
	Nodes int
	// Lo and Hi are the grid's ends (default −4.5 and 4.5; within ±1000).
	Lo, Hi float64
}

// EAP returns the expected a posteriori ability estimate, the posterior
// mean of θ computed on a grid of Nodes^D equally spaced points weighted by
// the N(μ₀, σ₀²) prior density, with the posterior covariance and SD. It
// supports D ≤ 2 (the grid grows as Nodes^D). See MAP for the response
// encoding.
func EAP(bank []Item, responses []float64, cfg EAPConfig) (Ability, error) {
	idx, xs, d, err := collect(bank, responses)
	if err != nil {
		return Ability{}, err
	}
	if d > 2 {
		return Ability{}, fmt.Errorf("%w: EAP supports D ≤ 2 (bank has D = %d); use MAP", ErrInvalid, d)
	}
	n, lo, hi, mean, sd := cfg.Nodes, cfg.Lo, cfg.Hi, cfg.PriorMean, cfg.PriorSD
	if n == 0 {
		n = 41
	}
	if lo == 0 && hi == 0 {
		lo, hi = -4.5, 4.5
	}
	if sd == 0 {
		sd = 1
	}
	switch {
	case n < 2 || n > 10000 || (d == 2 && n > 1024):
		return Ability{}, fmt.Errorf("%w: Nodes = %d (must be in [2, 10000] for D = 1, [2, 1024] for D = 2)", ErrInvalid, cfg.Nodes)
	case !(lo >= -maxAbsTheta && hi <= maxAbsTheta && lo < hi):
		return Ability{}, fmt.Errorf("%w: grid [%v, %v] (need −%g ≤ Lo < Hi ≤ %g)", ErrInvalid, cfg.Lo, cfg.Hi, maxAbsTheta, maxAbsTheta)
	case !(math.Abs(mean) <= maxAbsTheta):
		return Ability{}, fmt.Errorf("%w: PriorMean = %v (must be finite, |μ₀| ≤ %g)", ErrInvalid, cfg.PriorMean, maxAbsTheta)
	case !(sd >= minSD && sd <= maxSD):
		return Ability{}, fmt.Errorf("%w: PriorSD = %v (must be in [%g, %g])", ErrInvalid, cfg.PriorSD, minSD, maxSD)
	}
	nodes := make([]float64, n)
	for i := range nodes {
		nodes[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	total := n
	if d == 2 {
		total = n * n
	}
	logw := make([]float64, total)
	pts := make([]float64, total*d)
	s := newModeSolver(d)
	pr := gaussPrior{mean: mean, prec: 1 / (sd * sd)}
	for g := 0; g < total; g++ {
		th := pts[g*d : g*d+d]
		th[0] = nodes[g%n]
		if d == 2 {
			th[1] = nodes[g/n]
		}
		logw[g] = s.logPost(bank, idx, xs, pr, th)
	}
	lse := num.LogSumExp(logw)
	if !num.IsFinite(lse) {
		return Ability{}, fmt.Errorf("%w: the posterior underflows on every node of the grid [%v, %v] (widen the grid or the prior)", ErrInvalid, lo, hi)
	}
	e := Ability{Theta: make([]float64, d), Cov: make([]float64, d*d), SE: make([]float64, d), Converged: true}
	for g := range logw {
		w := math.Exp(logw[g] - lse)
		logw[g] = w
		for k := 0; k < d; k++ {
			e.Theta[k] += w * pts[g*d+k]
		}
	}
	for g, w := range logw {
		for k := 0; k < d; k++ {
			for l := 0; l < d; l++ {
				e.Cov[k*d+l] += w * (pts[g*d+k] - e.Theta[k]) * (pts[g*d+l] - e.Theta[l])
			}
		}
	}
	for k := range e.SE {
		e.SE[k] = math.Sqrt(e.Cov[k*d+k])
	}
	return e, nil
}
