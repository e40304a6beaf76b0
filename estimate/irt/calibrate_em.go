package irt

import (
	"context"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// emState holds the quadrature and per-iteration buffers of Bock–Aitkin EM.
type emState struct {
	q          int
	nodes, lw  []float64 // nodes and log prior weights
	a, d       []float64
	logP, logQ []float64 // m×q
	nq, rq     []float64 // m×q expected counts
	post       []float64 // n×q posterior of each model
	mu, m2     float64   // mean of the models' posterior first and second moments of θ
	rasch      bool      // one slope shared by every item
}

// estep computes every model's posterior over the nodes and accumulates the
// expected counts; it returns the marginal log-likelihood.
func (s *emState) estep(dt *respData, accumulate bool) float64 {
	q := s.q
	for j := range s.a {
		for k, x := range s.nodes {
			z := clipLogit(s.a[j]*x + s.d[j])
			p, pb := sigmoid(z)
			s.logP[j*q+k] = math.Log(p)
			s.logQ[j*q+k] = math.Log(pb)
		}
	}
	if accumulate {
		clear(s.nq)
		clear(s.rq)
		s.mu, s.m2 = 0, 0
	}
	var ll float64
	for i, row := range dt.byRow {
		l := s.post[i*q : i*q+q]
		copy(l, s.lw)
		for _, c := range row {
			j := int(c.j) * q
			switch c.x {
			case 1:
				lp := s.logP[j : j+q]
				for k := range l {
					l[k] += lp[k]
				}
			case 0:
				lq := s.logQ[j : j+q]
				for k := range l {
					l[k] += lq[k]
				}
			default:
				lp, lq := s.logP[j:j+q], s.logQ[j:j+q]
				x := c.x
				for k := range l {
					l[k] += x*lp[k] + (1-x)*lq[k]
				}
			}
		}
		lse := num.LogSumExp(l)
		ll += lse
		for k := range l {
			l[k] = math.Exp(l[k] - lse)
		}
		if !accumulate {
			continue
		}
		for k, p := range l {
			s.mu += p * s.nodes[k]
			s.m2 += p * s.nodes[k] * s.nodes[k]
		}
		for _, c := range row {
			j := int(c.j) * q
			nq := s.nq[j : j+q]
			for k, p := range l {
				nq[k] += p
			}
			if c.x != 0 {
				rq := s.rq[j : j+q]
				x := c.x
				for k, p := range l {
					rq[k] += x * p
				}
			}
		}
	}
	if accumulate && len(dt.byRow) > 0 {
		n := float64(len(dt.byRow))
		s.mu /= n
		s.m2 /= n
	}
	return ll
}

// mstep updates item j by up to 5 Fisher-scoring steps in (α = log a, d)
// on the expected complete-data log posterior. (Convergence is judged after
// the parameter-expansion step, on all items at once.)
func (s *emState) mstep(j int, sa, sd float64) {
	q := s.q
	nq, rq := s.nq[j*q:j*q+q], s.rq[j*q:j*q+q]
	alpha, d := math.Log(s.a[j]), s.d[j]
	obj := func(alpha, d float64) float64 {
		a := math.Exp(alpha)
		f := -alpha*alpha/(2*sa*sa) - d*d/(2*sd*sd)
		for k, x := range s.nodes {
			z := clipLogit(a*x + d)
			p, pb := sigmoid(z)
			f += rq[k]*math.Log(p) + (nq[k]-rq[k])*math.Log(pb)
		}
		return f
	}
	f := obj(alpha, d)
	for it := 0; it < 5; it++ {
		a := math.Exp(alpha)
		var ge, gx, hw, hwx, hwxx float64
		for k, x := range s.nodes {
			p, pb := sigmoid(clipLogit(a*x + d))
			e := rq[k] - nq[k]*p
			w := nq[k] * p * pb
			ge += e
			gx += x * e
			hw += w
			hwx += w * x
			hwxx += w * x * x
		}
		gA := a*gx - alpha/(sa*sa)
		gD := ge - d/(sd*sd)
		hAA := a*a*hwxx + 1/(sa*sa)
		hAD := a * hwx
		hDD := hw + 1/(sd*sd)
		det := hAA*hDD - hAD*hAD
		if !(det > 0) {
			break
		}
		stepA := (hDD*gA - hAD*gD) / det
		stepD := (hAA*gD - hAD*gA) / det
		t := 1.0
		accepted := false
		for h := 0; h < 10; h++ {
			na, nd := alpha+t*stepA, d+t*stepD
			if fn := obj(na, nd); fn >= f {
				alpha, d, f, accepted = na, nd, fn, true
				break
			}
			t /= 2
		}
		if !accepted || math.Abs(t*stepA)+math.Abs(t*stepD) < 1e-8 {
			break
		}
	}
	alpha = num.Clamp(alpha, -6, 3) // a ∈ [0.0025, 20]
	s.a[j], s.d[j] = math.Exp(alpha), d
}

// squarem holds the vectors of a SQUAREM cycle over p = (log a, d).
type squarem struct{ p0, p1, p2, r, v []float64 }

func newSquarem(n int) *squarem {
	return &squarem{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
}

func (s *emState) get(p []float64) {
	for j, a := range s.a {
		p[2*j], p[2*j+1] = math.Log(a), s.d[j]
	}
}

func (s *emState) set(p []float64) {
	for j := range s.a {
		s.a[j] = math.Exp(num.Clamp(p[2*j], -6, 3)) // a ∈ [0.0025, 20], as mstep
		s.d[j] = num.Clamp(p[2*j+1], -maxAbsIntercept, maxAbsIntercept)
	}
}

// logPrior returns Σⱼ −(log aⱼ)²/2σa² − dⱼ²/2σd² at the current items
// (one slope term for the Rasch model's common slope).
func (s *emState) logPrior(sa, sd float64) float64 {
	var f float64
	for j, a := range s.a {
		la := math.Log(a)
		if !s.rasch || j == 0 {
			f -= la * la / (2 * sa * sa)
		}
		f -= s.d[j] * s.d[j] / (2 * sd * sd)
	}
	return f
}

// emStep is one Bock–Aitkin EM step from the current items; it returns the
// penalised marginal log-likelihood at the items it started from.
func (s *emState) emStep(dt *respData, sa, sd float64) float64 {
	f := s.logPrior(sa, sd) + s.estep(dt, true)
	if s.rasch {
		s.mstepRasch(sa, sd)
		return f
	}
	for j := range s.a {
		s.mstep(j, sa, sd)
	}
	return f
}

// squaremCycle advances the items by one SQUAREM cycle (Varadhan and
// Roland, "Simple and globally convergent methods for accelerating the
// convergence of any EM algorithm", 2008, scheme S3): two EM steps
// p₁ = F(p₀), p₂ = F(p₁), the extrapolation p′ = p₀ − 2αr + α²v with
// r = p₁ − p₀, v = p₂ − p₁ − r and α = min(−‖r‖/‖v‖, −1), then one
// stabilising EM step p₃ = F(p′). p₃ is kept if its penalised marginal
// likelihood is at least p₀'s; otherwise α is halved toward −1 (at most
// three times) and, failing that, the plain-EM point p₂ is kept. So the
// objective never decreases and the fixed points are EM's: the stationary
// points of the penalised marginal likelihood. It returns the penalised
// objective at the cycle's starting point.
//
// SQUAREM replaces the parameter expansion (PX-EM) used before: the PX map
// a ← aσ, d ← d + aμ leaves the likelihood unchanged but not the priors on
// log a and d, and pulled EM away from the penalised optimum (issue 15).
func (s *emState) squaremCycle(dt *respData, sq *squarem, sa, sd float64) float64 {
	s.get(sq.p0)
	f0 := s.emStep(dt, sa, sd)
	s.get(sq.p1)
	s.emStep(dt, sa, sd)
	s.get(sq.p2)
	var rr, vv float64
	for k := range sq.p0 {
		sq.r[k] = sq.p1[k] - sq.p0[k]
		sq.v[k] = sq.p2[k] - sq.p1[k] - sq.r[k]
		rr += sq.r[k] * sq.r[k]
		vv += sq.v[k] * sq.v[k]
	}
	if !(vv > 0) {
		return f0
	}
	alpha := math.Min(-math.Sqrt(rr/vv), -1)
	for try := 0; try < 4 && alpha < -1; try++ {
		for k := range sq.p0 {
			sq.p1[k] = sq.p0[k] - 2*alpha*sq.r[k] + alpha*alpha*sq.v[k]
		}
		s.set(sq.p1)
		s.emStep(dt, sa, sd)
		if s.logPrior(sa, sd)+s.estep(dt, false) >= f0 {
			return f0
		}
		alpha = math.Min((alpha-1)/2, -1)
	}
	s.set(sq.p2)
	return f0
}

// mstepRasch is the M-step of the Rasch model: with one slope a shared by
// every item, it alternates, 5 times, one Newton step on each intercept dⱼ
// (a fixed) and one Fisher-scoring step on α = log a (the d fixed), each
// with step halving on the expected complete-data log posterior, so every
// M-step raises it (a generalised EM).
func (s *emState) mstepRasch(sa, sd float64) {
	q := s.q
	alpha := math.Log(s.a[0])
	itemObj := func(j int, a, d float64) float64 {
		nq, rq := s.nq[j*q:j*q+q], s.rq[j*q:j*q+q]
		f := -d * d / (2 * sd * sd)
		for k, x := range s.nodes {
			p, pb := sigmoid(clipLogit(a*x + d))
			f += rq[k]*math.Log(p) + (nq[k]-rq[k])*math.Log(pb)
		}
		return f
	}
	totalObj := func(alpha float64) float64 {
		f := -alpha * alpha / (2 * sa * sa)
		for j := range s.d {
			f += itemObj(j, math.Exp(alpha), s.d[j]) + s.d[j]*s.d[j]/(2*sd*sd)
		}
		return f
	}
	for it := 0; it < 5; it++ {
		a := math.Exp(alpha)
		for j := range s.d {
			nq, rq := s.nq[j*q:j*q+q], s.rq[j*q:j*q+q]
			g, h := -s.d[j]/(sd*sd), 1/(sd*sd)
			for k, x := range s.nodes {
				p, pb := sigmoid(clipLogit(a*x + s.d[j]))
				g += rq[k] - nq[k]*p
				h += nq[k] * p * pb
			}
			f0, step := itemObj(j, a, s.d[j]), g/h
			for k := 0; k < 10; k++ {
				if nd := s.d[j] + step; itemObj(j, a, nd) >= f0 {
					s.d[j] = nd
					break
				}
				step /= 2
			}
		}
		g, h := -alpha/(sa*sa), 1/(sa*sa)
		for j := range s.d {
			nq, rq := s.nq[j*q:j*q+q], s.rq[j*q:j*q+q]
			for k, x := range s.nodes {
				p, pb := sigmoid(clipLogit(a*x + s.d[j]))
				g += a * x * (rq[k] - nq[k]*p)
				h += a * a * x * x * nq[k] * p * pb
			}
		}
		f0, step := totalObj(alpha), g/h
		for k := 0; k < 10; k++ {
			if na := alpha + step; totalObj(na) >= f0 {
				alpha = na
				break
			}
			step /= 2
		}
	}
	alpha = num.Clamp(alpha, -6, 3)
	for j := range s.a {
		s.a[j] = math.Exp(alpha)
	}
}

// fitEM runs Bock–Aitkin EM for the unidimensional 2PL or Rasch model.
func fitEM(ctx context.Context, dt *respData, c CalibrateConfig) (*fitResult, error) {
	q := c.QuadNodes
	s := &emState{
		q: q, nodes: make([]float64, q), lw: make([]float64, q),
		a: make([]float64, dt.m), d: make([]float64, dt.m),
		logP: make([]float64, dt.m*q), logQ: make([]float64, dt.m*q),
		nq: make([]float64, dt.m*q), rq: make([]float64, dt.m*q), post: make([]float64, dt.n*q),
		rasch: c.Model == ModelRasch,
	}
	for k := range s.nodes {
		x := -c.QuadRange + 2*c.QuadRange*float64(k)/float64(q-1)
		s.nodes[k] = x
		s.lw[k] = -x * x / 2
	}
	lse := num.LogSumExp(s.lw)
	for k := range s.lw {
		s.lw[k] -= lse
	}
	for j, col := range dt.byCol {
		var sum float64
		for _, cell := range col {
			sum += cell.x
		}
		p := num.Clamp(sum/float64(len(col)), 0.02, 0.98)
		s.a[j], s.d[j] = 1, 1.2*math.Log(p/(1-p))
	}
	rep := FitReport{Method: MethodEM, Model: c.Model, Dims: 1}
	prevA, prevD := make([]float64, dt.m), make([]float64, dt.m)
	sq := newSquarem(2 * dt.m)
	for it := 1; it <= c.MaxIter; it++ {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		copy(prevA, s.a)
		copy(prevD, s.d)
		obj := s.squaremCycle(dt, sq, c.SlopePriorSD, c.InterceptPriorSD)
		var change float64
		for j := range s.a {
			change = math.Max(change, math.Max(math.Abs(s.a[j]-prevA[j]), math.Abs(s.d[j]-prevD[j])))
		}
		rep.Iterations = it
		if c.Progress != nil {
			c.Progress(Progress{Dims: 1, Iteration: it, Objective: obj, Change: change})
		}
		if change < c.Tol {
			rep.Converged = true
			break
		}
	}
	rep.LogLik = s.estep(dt, false)
	f := &fitResult{report: rep, bank: make([]Item, dt.m), abilities: make([][]float64, dt.n)}
	for j := range f.bank {
		f.bank[j] = Item{A: []float64{s.a[j]}, D: s.d[j]}
	}
	for i := range f.abilities {
		var m float64
		for k, p := range s.post[i*q : i*q+q] {
			m += p * s.nodes[k]
		}
		f.abilities[i] = []float64{m}
	}
	f.predict = func(i, j int) float64 {
		var p float64
		for k, w := range s.post[i*q : i*q+q] {
			p += w * math.Exp(s.logP[j*q+k])
		}
		return p
	}
	f.itemCov, f.itemSE = s.itemCovariances(dt, c.SlopePriorSD, c.InterceptPriorSD)
	return f, nil
}

// itemCovariances returns each item's 2×2 covariance of (a, d) and the
// standard errors, from the posteriors of the last E-step: the XPD
// information Σᵢ sᵢsᵢᵀ, sᵢ = Σq postᵢq (xᵢⱼ − Pⱼ(Xq))·(a·Xq, 1) the model's
// score for (log a, d), plus the priors' curvature diag(1/σa², 1/σd²),
// inverted and mapped to (a, d) by J = diag(a, 1). For the Rasch model the
// slope is shared, so each item's block uses its own scores as well (an
// approximation that ignores the sharing).
func (s *emState) itemCovariances(dt *respData, sa, sd float64) ([][]float64, [][]float64) {
	q := s.q
	cov, se := make([][]float64, len(s.a)), make([][]float64, len(s.a))
	for j, col := range dt.byCol {
		a := s.a[j]
		hAA, hAD, hDD := 1/(sa*sa), 0.0, 1/(sd*sd)
		for _, cell := range col {
			post := s.post[int(cell.i)*q : int(cell.i)*q+q]
			lp := s.logP[j*q : j*q+q]
			var sA, sD float64
			for k, w := range post {
				e := w * (cell.x - math.Exp(lp[k]))
				sA += e * a * s.nodes[k]
				sD += e
			}
			hAA += sA * sA
			hAD += sA * sD
			hDD += sD * sD
		}
		det := hAA*hDD - hAD*hAD
		if !(det > 0) { // cannot happen: the priors make H positive definite
			cov[j], se[j] = []float64{a * a * sa * sa, 0, 0, sd * sd}, []float64{a * sa, sd}
			continue
		}
		// Cov(log a, d) = H⁻¹; Cov(a, d) = J H⁻¹ J with J = diag(a, 1).
		vAA, vAD, vDD := hDD/det, -hAD/det, hAA/det
		cov[j] = []float64{a * a * vAA, a * vAD, a * vAD, vDD}
		se[j] = []float64{a * math.Sqrt(vAA), math.Sqrt(vDD)}
	}
	return cov, se
}
