package irt

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// collect validates bank and responses (NaN = not administered) and
// returns the administered item indices and their scores.
func collect(bank []Item, responses []float64) (idx []int, xs []float64, d int, err error) {
	d, err = ValidateBank(bank)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(responses) != len(bank) {
		return nil, nil, 0, fmt.Errorf("%w: len(responses) = %d, len(bank) = %d (must match; NaN marks items not administered)", ErrInvalid, len(responses), len(bank))
	}
	for j, x := range responses {
		if math.IsNaN(x) {
			continue
		}
		if !(x >= 0 && x <= 1) {
			return nil, nil, 0, fmt.Errorf("%w: responses[%d] = %v (must be in [0, 1], or NaN for not administered)", ErrInvalid, j, x)
		}
		idx = append(idx, j)
		xs = append(xs, x)
	}
	return idx, xs, d, nil
}

// modeSolver finds the mode of the log posterior (or likelihood) of θ by
// Fisher scoring with backtracking. Its buffers make repeated solves
// allocation-free.
type modeSolver struct {
	d                          int
	g, step, trial, col, theta []float64
	m, l                       []float64
}

func newModeSolver(d int) *modeSolver {
	return &modeSolver{
		d: d, g: make([]float64, d), step: make([]float64, d), trial: make([]float64, d),
		col: make([]float64, d), theta: make([]float64, d),
		m: make([]float64, d*d), l: make([]float64, d*d),
	}
}

// gaussPrior is an isotropic Gaussian prior N(mean·1, I/prec); prec = 0 means
// no prior (maximum likelihood).
type gaussPrior struct{ mean, prec float64 }

// logPost returns Σ x log P + (1 − x) log(1 − P) − prec/2‖θ − μ‖².
func (s *modeSolver) logPost(bank []Item, idx []int, xs []float64, pr gaussPrior, theta []float64) float64 {
	var f float64
	for n, j := range idx {
		it := &bank[j]
		r := it.response(it.logit(theta))
		x := xs[n]
		if x > 0 {
			f += x * math.Log(r.p)
		}
		if x < 1 {
			f += (1 - x) * math.Log(r.q)
		}
	}
	if pr.prec > 0 {
		for _, t := range theta {
			f -= pr.prec / 2 * (t - pr.mean) * (t - pr.mean)
		}
	}
	return f
}

// gradInfo sets s.g to the score and s.m to the Fisher information plus the
// prior precision, both at theta.
func (s *modeSolver) gradInfo(bank []Item, idx []int, xs []float64, pr gaussPrior, theta []float64) {
	d := s.d
	for k := range s.g {
		s.g[k] = -pr.prec * (theta[k] - pr.mean)
	}
	for k := range s.m {
		s.m[k] = 0
	}
	for k := 0; k < d; k++ {
		s.m[k*d+k] = pr.prec
	}
	for n, j := range idx {
		it := &bank[j]
		r := it.response(it.logit(theta))
		gz := (xs[n] - r.p) * r.r
		if d == 1 {
			a := it.A[0]
			s.g[0] += a * gz
			s.m[0] += r.w * a * a
			continue
		}
		for k, ak := range it.A {
			s.g[k] += ak * gz
			row := s.m[k*d : k*d+d]
			wa := r.w * ak
			for l, al := range it.A {
				row[l] += wa * al
			}
		}
	}
}

// mode maximises the objective from theta (updated in place) within the box
// [lo, hi]^D. It returns the iterations used, whether the projected score
// fell below tol, and whether θ̂ sits on the box with the gradient pointing
// outward. For D = 1 a failed Newton run falls back to bisection on the
// score.
func (s *modeSolver) mode(bank []Item, idx []int, xs []float64, pr gaussPrior, c abilityParams, theta []float64) (iters int, converged, atBound bool, err error) {
	d := s.d
	for k := range theta {
		theta[k] = num.Clamp(theta[k], c.lo, c.hi)
	}
	f := s.logPost(bank, idx, xs, pr, theta)
	for iters = 0; iters <= c.maxIter; iters++ {
		s.gradInfo(bank, idx, xs, pr, theta)
		converged, atBound = true, false
		for k, gk := range s.g {
			if (theta[k] >= c.hi && gk > 0) || (theta[k] <= c.lo && gk < 0) {
				atBound = true
				continue
			}
			if !(math.Abs(gk) < c.tol) {
				converged = false
			}
		}
		if converged || iters == c.maxIter {
			break
		}
		copy(s.l, s.m)
		if !cholesky(s.l, d) {
			return iters, false, false, errSingular
		}
		copy(s.step, s.g)
		cholSolve(s.l, d, s.step)
		t, accepted := 1.0, false
		for h := 0; h <= 15; h++ {
			moved := false
			for k := range theta {
				s.trial[k] = num.Clamp(theta[k]+t*s.step[k], c.lo, c.hi)
				if s.trial[k] != theta[k] {
					moved = true
				}
			}
			if !moved {
				break
			}
			ft := s.logPost(bank, idx, xs, pr, s.trial)
			if ft >= f-1e-12*(1+math.Abs(f)) {
				copy(theta, s.trial)
				f, accepted = ft, true
				break
			}
			t /= 2
		}
		if !accepted {
			break
		}
	}
	if !converged && d == 1 {
		converged, atBound = s.bisect(bank, idx, xs, pr, c, theta)
		s.gradInfo(bank, idx, xs, pr, theta)
	}
	return iters, converged, atBound, nil
}

// bisect finds a zero of the unidimensional score on [lo, hi].
func (s *modeSolver) bisect(bank []Item, idx []int, xs []float64, pr gaussPrior, c abilityParams, theta []float64) (converged, atBound bool) {
	g := func(t float64) float64 {
		theta[0] = t
		s.gradInfo(bank, idx, xs, pr, theta)
		return s.g[0]
	}
	lo, hi := c.lo, c.hi
	glo, ghi := g(lo), g(hi)
	if glo <= 0 {
		theta[0] = lo
		return true, glo < 0
	}
	if ghi >= 0 {
		theta[0] = hi
		return true, ghi > 0
	}
	for i := 0; i < 200 && hi-lo > 1e-13; i++ {
		mid := (lo + hi) / 2
		gm := g(mid)
		if math.Abs(gm) < c.tol {
			theta[0] = mid
			return true, false
		}
		if gm > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	theta[0] = (lo + hi) / 2
	return true, false
}

// covariance returns (copies of) θ̂, M⁻¹ and the standard errors, where M is
// the current s.m. It reports a singular M.
func (s *modeSolver) covariance(theta []float64) (Ability, error) {
	d := s.d
	copy(s.l, s.m)
	if !cholesky(s.l, d) {
		return Ability{}, errSingular
	}
	e := Ability{Theta: append([]float64(nil), theta...), Cov: make([]float64, d*d), SE: make([]float64, d)}
	cholInverse(e.Cov, s.l, d, s.col)
	for k := range e.SE {
		e.SE[k] = math.Sqrt(e.Cov[k*d+k])
	}
	return e, nil
}
