package estimate

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Estimate is an ability estimate: the point θ̂, its covariance and the
// standard errors on each dimension, with a record of how it was reached.
type Estimate struct {
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

// AbilityConfig configures MAP and MLE. Zero fields mean the defaults, which
// are Fluid Benchmarking's: prior N(0, 1), range [−4, 4], tolerance 1e-6 on
// the score, 100 iterations.
type AbilityConfig struct {
	// PriorMean is μ₀ on every dimension (default 0).
	PriorMean float64
	// PriorSD is σ₀ on every dimension (default 1); the prior is
	// N(μ₀·1, σ₀²·I). MLE ignores the prior except under ExtremeMAP.
	PriorSD float64
	// Lo and Hi bound every coordinate of θ (default −4 and 4; both zero
	// means the default).
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

// irtAbility is a resolved, validated AbilityConfig.
type irtAbility struct {
	mean, sd, lo, hi, tol float64
	maxIter               int
}

func (c AbilityConfig) resolve(d int) (irtAbility, error) {
	r := irtAbility{mean: c.PriorMean, sd: c.PriorSD, lo: c.Lo, hi: c.Hi, tol: c.Tol, maxIter: c.MaxIter}
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
	case !num.IsFinite(r.mean):
		return r, fmt.Errorf("%w: PriorMean = %v (must be finite)", ErrInvalid, c.PriorMean)
	case !num.IsFinite(r.sd) || r.sd <= 0:
		return r, fmt.Errorf("%w: PriorSD = %v (must be finite and > 0)", ErrInvalid, c.PriorSD)
	case !num.IsFinite(r.lo) || !num.IsFinite(r.hi) || r.lo >= r.hi:
		return r, fmt.Errorf("%w: range [%v, %v] (need finite Lo < Hi)", ErrInvalid, c.Lo, c.Hi)
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

// irtCollect validates bank and responses (NaN = not administered) and
// returns the administered item indices and their scores.
func irtCollect(bank []Item, responses []float64) (idx []int, xs []float64, d int, err error) {
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

// irtSolver finds the mode of the log posterior (or likelihood) of θ by
// Fisher scoring with backtracking. Its buffers make repeated solves
// allocation-free.
type irtSolver struct {
	d                          int
	g, step, trial, col, theta []float64
	m, l                       []float64
}

func newIRTSolver(d int) *irtSolver {
	return &irtSolver{
		d: d, g: make([]float64, d), step: make([]float64, d), trial: make([]float64, d),
		col: make([]float64, d), theta: make([]float64, d),
		m: make([]float64, d*d), l: make([]float64, d*d),
	}
}

// irtPrior is an isotropic Gaussian prior N(mean·1, I/prec); prec = 0 means
// no prior (maximum likelihood).
type irtPrior struct{ mean, prec float64 }

// logPost returns Σ x log P + (1 − x) log(1 − P) − prec/2‖θ − μ‖².
func (s *irtSolver) logPost(bank []Item, idx []int, xs []float64, pr irtPrior, theta []float64) float64 {
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
func (s *irtSolver) gradInfo(bank []Item, idx []int, xs []float64, pr irtPrior, theta []float64) {
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

// irtErrSingular reports information that cannot be inverted.
var irtErrSingular = fmt.Errorf("%w: singular information matrix (items do not identify every dimension and there is no prior)", ErrInvalid)

// mode maximises the objective from theta (updated in place) within the box
// [lo, hi]^D. It returns the iterations used, whether the projected score
// fell below tol, and whether θ̂ sits on the box with the gradient pointing
// outward. For D = 1 a failed Newton run falls back to bisection on the
// score.
func (s *irtSolver) mode(bank []Item, idx []int, xs []float64, pr irtPrior, c irtAbility, theta []float64) (iters int, converged, atBound bool, err error) {
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
		if !irtCholesky(s.l, d) {
			return iters, false, false, irtErrSingular
		}
		copy(s.step, s.g)
		irtCholSolve(s.l, d, s.step)
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
func (s *irtSolver) bisect(bank []Item, idx []int, xs []float64, pr irtPrior, c irtAbility, theta []float64) (converged, atBound bool) {
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
func (s *irtSolver) covariance(theta []float64) (Estimate, error) {
	d := s.d
	copy(s.l, s.m)
	if !irtCholesky(s.l, d) {
		return Estimate{}, irtErrSingular
	}
	e := Estimate{Theta: append([]float64(nil), theta...), Cov: make([]float64, d*d), SE: make([]float64, d)}
	irtCholInverse(e.Cov, s.l, d, s.col)
	for k := range e.SE {
		e.SE[k] = math.Sqrt(e.Cov[k*d+k])
	}
	return e, nil
}

// MAP returns the maximum a posteriori ability estimate from the responses
// to bank (responses[j] ∈ [0, 1] is the score on item j, NaN if item j was
// not administered; fractional scores enter the Bernoulli likelihood as
// soft labels). It maximises
//
//	log p(θ | x) = Σⱼ xⱼ log Pⱼ(θ) + (1 − xⱼ) log(1 − Pⱼ(θ)) − ‖θ − μ₀‖²/(2σ₀²)
//
// by Newton–Raphson with the expected (Fisher) information — identical to
// the observed information for the 1PL and 2PL — with up to 15 step
// halvings per iteration and, for D = 1, a bisection fallback on the score,
// inside [Lo, Hi]^D. For D > 1 this is the multidimensional MAP and Cov is
// its Laplace covariance (I(θ̂) + I/σ₀²)⁻¹; SE is 1/√(I(θ̂) + 1/σ₀²) for D = 1.
func MAP(bank []Item, responses []float64, cfg AbilityConfig) (Estimate, error) {
	idx, xs, d, err := irtCollect(bank, responses)
	if err != nil {
		return Estimate{}, err
	}
	c, err := cfg.resolve(d)
	if err != nil {
		return Estimate{}, err
	}
	return irtMAP(bank, idx, xs, d, c, cfg.Start)
}

func irtMAP(bank []Item, idx []int, xs []float64, d int, c irtAbility, start []float64) (Estimate, error) {
	s := newIRTSolver(d)
	pr := irtPrior{mean: c.mean, prec: 1 / (c.sd * c.sd)}
	for k := range s.theta {
		s.theta[k] = c.mean
	}
	if start != nil {
		copy(s.theta, start)
	}
	it, conv, bound, err := s.mode(bank, idx, xs, pr, c, s.theta)
	if err != nil {
		return Estimate{}, err
	}
	e, err := s.covariance(s.theta)
	e.Iterations, e.Converged, e.AtBound = it, conv, bound
	return e, err
}

// MLE returns the maximum likelihood ability estimate (see MAP for the
// response encoding and the algorithm; here there is no prior and Cov is
// I(θ̂)⁻¹, so SE = 1/√I(θ̂) for D = 1). An all-correct or all-wrong pattern
// has no finite maximum and is handled by cfg.Extreme (default: fall back
// to MAP); otherwise a likelihood that still increases at the edge of
// [Lo, Hi] is reported with AtBound rather than clipped silently. At least
// one item must have been administered, and the information at the start
// must be invertible (ErrInvalid otherwise).
func MLE(bank []Item, responses []float64, cfg AbilityConfig) (Estimate, error) {
	idx, xs, d, err := irtCollect(bank, responses)
	if err != nil {
		return Estimate{}, err
	}
	c, err := cfg.resolve(d)
	if err != nil {
		return Estimate{}, err
	}
	if len(idx) == 0 {
		return Estimate{}, fmt.Errorf("%w: MLE needs at least one administered item", ErrInvalid)
	}
	allOne, allZero := true, true
	for _, x := range xs {
		allOne = allOne && x == 1
		allZero = allZero && x == 0
	}
	s := newIRTSolver(d)
	if cfg.Start != nil {
		copy(s.theta, cfg.Start)
	}
	if allOne || allZero {
		switch cfg.Extreme {
		case ExtremeMAP:
			e, err := irtMAP(bank, idx, xs, d, c, cfg.Start)
			e.Extreme = true
			return e, err
		case ExtremeDodd:
			if d != 1 {
				return Estimate{}, fmt.Errorf("%w: Dodd's heuristic needs D = 1 (bank has D = %d)", ErrInvalid, d)
			}
			t0 := s.theta[0]
			bmin, bmax := math.Inf(1), math.Inf(-1)
			for _, j := range idx {
				if bank[j].A[0] == 0 {
					continue
				}
				b := -bank[j].D / bank[j].A[0]
				bmin, bmax = math.Min(bmin, b), math.Max(bmax, b)
			}
			if math.IsInf(bmin, 0) {
				return Estimate{}, fmt.Errorf("%w: Dodd's heuristic needs an administered item with a ≠ 0", ErrInvalid)
			}
			if allOne {
				s.theta[0] = t0 + (bmax-t0)/2
			} else {
				s.theta[0] = t0 - (t0-bmin)/2
			}
			s.theta[0] = num.Clamp(s.theta[0], c.lo, c.hi)
		case ExtremeClamp:
			for k := range s.theta {
				if allOne {
					s.theta[k] = c.hi
				} else {
					s.theta[k] = c.lo
				}
			}
		}
		s.gradInfo(bank, idx, xs, irtPrior{}, s.theta)
		e, err := s.covariance(s.theta)
		e.Extreme, e.Converged = true, true
		e.AtBound = cfg.Extreme == ExtremeClamp
		return e, err
	}
	it, conv, bound, err := s.mode(bank, idx, xs, irtPrior{}, c, s.theta)
	if err != nil {
		return Estimate{}, err
	}
	e, err := s.covariance(s.theta)
	e.Iterations, e.Converged, e.AtBound = it, conv, bound
	return e, err
}

// EAPConfig configures EAP. Zero fields mean the defaults: prior N(0, 1) and
// 41 equally spaced nodes on [−4.5, 4.5] per dimension.
type EAPConfig struct {
	PriorMean, PriorSD float64
	// Nodes is the number of quadrature nodes per dimension (default 41).
	Nodes int
	// Lo and Hi are the grid's ends (default −4.5 and 4.5).
	Lo, Hi float64
}

// EAP returns the expected a posteriori ability estimate, the posterior
// mean of θ computed on a grid of Nodes^D equally spaced points weighted by
// the N(μ₀, σ₀²) prior density, with the posterior covariance and SD. It
// supports D ≤ 2 (the grid grows as Nodes^D). See MAP for the response
// encoding.
func EAP(bank []Item, responses []float64, cfg EAPConfig) (Estimate, error) {
	idx, xs, d, err := irtCollect(bank, responses)
	if err != nil {
		return Estimate{}, err
	}
	if d > 2 {
		return Estimate{}, fmt.Errorf("%w: EAP supports D ≤ 2 (bank has D = %d); use MAP", ErrInvalid, d)
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
	case n < 2 || n > 10000:
		return Estimate{}, fmt.Errorf("%w: Nodes = %d (must be in [2, 10000])", ErrInvalid, cfg.Nodes)
	case !num.IsFinite(lo) || !num.IsFinite(hi) || lo >= hi:
		return Estimate{}, fmt.Errorf("%w: grid [%v, %v] (need finite Lo < Hi)", ErrInvalid, cfg.Lo, cfg.Hi)
	case !num.IsFinite(mean):
		return Estimate{}, fmt.Errorf("%w: PriorMean = %v (must be finite)", ErrInvalid, cfg.PriorMean)
	case !num.IsFinite(sd) || sd <= 0:
		return Estimate{}, fmt.Errorf("%w: PriorSD = %v (must be finite and > 0)", ErrInvalid, cfg.PriorSD)
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
	s := newIRTSolver(d)
	pr := irtPrior{mean: mean, prec: 1 / (sd * sd)}
	for g := 0; g < total; g++ {
		th := pts[g*d : g*d+d]
		th[0] = nodes[g%n]
		if d == 2 {
			th[1] = nodes[g/n]
		}
		logw[g] = s.logPost(bank, idx, xs, pr, th)
	}
	lse := num.LogSumExp(logw)
	e := Estimate{Theta: make([]float64, d), Cov: make([]float64, d*d), SE: make([]float64, d), Converged: true}
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
