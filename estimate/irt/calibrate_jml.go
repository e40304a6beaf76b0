package irt

import (
	"context"
	"math"

	"github.com/budgetkit/budgetkit/internal/randx"
	"gonum.org/v1/gonum/mat"
)

// newtonBlock does one damped Newton step of a small penalised logistic
// regression: maximise Σ x log σ(z) + (1 − x) log σ(−z) − Σₗ precₗ βₗ²/2 with
// z = fᵀβ + offset over a block's cells.
type newtonBlock struct {
	p                         int
	f, g, h, step, trial, col []float64
}

func newNewtonBlock(p int) *newtonBlock {
	return &newtonBlock{p: p, f: make([]float64, p), g: make([]float64, p), h: make([]float64, p*p),
		step: make([]float64, p), trial: make([]float64, p), col: make([]float64, p)}
}

// feat fills f with cell k's features and returns its score and offset.
type cellFeat func(k int, f []float64) (x, off float64)

func (b *newtonBlock) objective(beta, prec []float64, n int, feat cellFeat) float64 {
	var obj float64
	for l, v := range beta {
		obj -= prec[l] * v * v / 2
	}
	for k := 0; k < n; k++ {
		x, off := feat(k, b.f)
		z := off
		for l, v := range beta {
			z += b.f[l] * v
		}
		obj += cellLogLik(x, clipLogit(z))
	}
	return obj
}

// cellLogLik returns x log σ(z) + (1 − x) log σ(−z), with one exp and one
// log for binary x.
func cellLogLik(x, z float64) float64 {
	switch x {
	case 1:
		return logSigmoid(z)
	case 0:
		return logSigmoid(-z)
	}
	return x*logSigmoid(z) + (1-x)*logSigmoid(-z)
}

// logSigmoid returns log σ(z) = −log(1 + e^−z) without overflow.
func logSigmoid(z float64) float64 {
	if z >= 0 {
		return -math.Log1p(math.Exp(-z))
	}
	return z - math.Log1p(math.Exp(z))
}

// newton updates beta in place and returns the largest coordinate change.
func (b *newtonBlock) newton(beta, prec []float64, n int, feat cellFeat) float64 {
	p := b.p
	var f0 float64
	for l := range b.g {
		b.g[l] = -prec[l] * beta[l]
		f0 -= prec[l] * beta[l] * beta[l] / 2
	}
	clear(b.h)
	for l := 0; l < p; l++ {
		b.h[l*p+l] = prec[l]
	}
	for k := 0; k < n; k++ {
		x, off := feat(k, b.f)
		z := off
		for l, v := range beta {
			z += b.f[l] * v
		}
		s, sb := sigmoid(clipLogit(z))
		switch x {
		case 1:
			f0 += math.Log(s)
		case 0:
			f0 += math.Log(sb)
		default:
			f0 += x*math.Log(s) + (1-x)*math.Log(sb)
		}
		e, w := x-s, s*sb
		for l, fl := range b.f {
			b.g[l] += e * fl
			row := b.h[l*p : l*p+p]
			wf := w * fl
			for m, fm := range b.f {
				row[m] += wf * fm
			}
		}
	}
	if !cholesky(b.h, p) {
		return 0
	}
	copy(b.step, b.g)
	cholSolve(b.h, p, b.step)
	t := 1.0
	for h := 0; h < 10; h++ {
		for l := range beta {
			b.trial[l] = beta[l] + t*b.step[l]
		}
		if b.objective(b.trial, prec, n, feat) >= f0 {
			var change float64
			for l := range beta {
				change = math.Max(change, math.Abs(b.trial[l]-beta[l]))
				beta[l] = b.trial[l]
			}
			return change
		}
		t /= 2
	}
	return 0
}

// fitJML fits logistic matrix factorisation by alternating Newton steps.
func fitJML(ctx context.Context, dt *respData, d int, c CalibrateConfig) (*fitResult, error) {
	rng := randx.New(c.Seed, 0x1a1, uint64(d))
	params := make([]float64, dt.n*d+dt.m*(d+1)) // θ per model, then (a, d) per item
	theta, item := params[:dt.n*d], params[dt.n*d:]
	// Start: first coordinate of θ from the row's mean score, the others
	// small random numbers to break the rotational symmetry.
	for i, row := range dt.byRow {
		var s float64
		for _, cell := range row {
			s += cell.x
		}
		p := math.Min(math.Max(s/float64(len(row)), 0.02), 0.98)
		theta[i*d] = math.Log(p / (1 - p))
		for k := 1; k < d; k++ {
			theta[i*d+k] = 0.1 * rng.NormFloat64()
		}
	}
	standardise(theta, nil, dt.n, 0, d)
	for j, col := range dt.byCol {
		var s float64
		for _, cell := range col {
			s += cell.x
		}
		p := math.Min(math.Max(s/float64(len(col)), 0.02), 0.98)
		item[j*(d+1)+d] = math.Log(p / (1 - p))
	}
	precTheta := make([]float64, d)
	for k := range precTheta {
		precTheta[k] = 1 / (c.AbilityPriorSD * c.AbilityPriorSD)
	}
	precItem := make([]float64, d+1)
	for k := 0; k < d; k++ {
		precItem[k] = 1 / (c.SlopePriorSD * c.SlopePriorSD)
	}
	precItem[d] = 1 / (c.InterceptPriorSD * c.InterceptPriorSD)
	bt, bi := newNewtonBlock(d), newNewtonBlock(d+1)
	// sweep is one alternating pass: a Newton step on every item's (a, d),
	// then on every model's θ. It returns the largest coordinate change.
	sweep := func() float64 {
		var change float64
		for j, col := range dt.byCol {
			feat := func(k int, f []float64) (float64, float64) {
				cell := col[k]
				copy(f, theta[int(cell.i)*d:int(cell.i)*d+d])
				f[d] = 1
				return cell.x, 0
			}
			change = math.Max(change, bi.newton(item[j*(d+1):(j+1)*(d+1)], precItem, len(col), feat))
		}
		for i, row := range dt.byRow {
			feat := func(k int, f []float64) (float64, float64) {
				cell := row[k]
				p := item[int(cell.j)*(d+1) : int(cell.j+1)*(d+1)]
				copy(f, p[:d])
				return cell.x, p[d]
			}
			change = math.Max(change, bt.newton(theta[i*d:(i+1)*d], precTheta, len(row), feat))
		}
		return change
	}
	objective := func() float64 {
		f := jointLogLik(dt.train, theta, item, d)
		for k, t := range theta {
			f -= precTheta[k%d] * t * t / 2
		}
		for k, v := range item {
			f -= precItem[k%(d+1)] * v * v / 2
		}
		return f
	}
	// Sweeps are accelerated by SQUAREM, as EM is (see squaremCycle): two
	// sweeps, an extrapolation and a stabilising sweep, kept only if the
	// penalised joint log-likelihood does not fall, else the second sweep's
	// point. Alternating Newton steps zig-zag along the θ–a scale trade-off;
	// the extrapolation cuts 132 sweeps on 1,000 × 500 to a few dozen.
	np := len(params)
	p0, p1, p2, r, v := make([]float64, np), make([]float64, np), make([]float64, np), make([]float64, np), make([]float64, np)
	rep := FitReport{Method: MethodJML, Dims: d}
	for it := 1; it <= c.MaxIter; it++ {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		copy(p0, params)
		f0 := objective()
		change := sweep()
		copy(p1, params)
		sweep()
		copy(p2, params)
		var rr, vv float64
		for k := range params {
			r[k] = p1[k] - p0[k]
			v[k] = p2[k] - p1[k] - r[k]
			rr += r[k] * r[k]
			vv += v[k] * v[k]
		}
		if vv > 0 {
			accepted := false
			for try, alpha := 0, math.Min(-math.Sqrt(rr/vv), -1); try < 4 && alpha < -1 && !accepted; try++ {
				for k := range params {
					params[k] = p0[k] - 2*alpha*r[k] + alpha*alpha*v[k]
				}
				sweep()
				accepted = objective() >= f0
				alpha = math.Min((alpha-1)/2, -1)
			}
			if !accepted {
				copy(params, p2)
			}
		}
		rep.Iterations = it
		if c.Progress != nil {
			c.Progress(Progress{Dims: d, Iteration: it, Objective: jointLogLik(dt.train, theta, item, d), Change: change})
		}
		if change < c.Tol {
			rep.Converged = true
			break
		}
	}
	standardise(theta, item, dt.n, dt.m, d)
	rep.LogLik = jointLogLik(dt.train, theta, item, d)
	f := &fitResult{report: rep, bank: make([]Item, dt.m), abilities: make([][]float64, dt.n)}
	for j := range f.bank {
		p := item[j*(d+1) : (j+1)*(d+1)]
		f.bank[j] = Item{A: append([]float64(nil), p[:d]...), D: p[d]}
	}
	for i := range f.abilities {
		f.abilities[i] = append([]float64(nil), theta[i*d:(i+1)*d]...)
	}
	f.predict = func(i, j int) float64 { return f.bank[j].Prob(f.abilities[i]...) }
	return f, nil
}

func jointLogLik(cells []obsCell, theta, item []float64, d int) float64 {
	var ll float64
	for _, c := range cells {
		p := item[int(c.j)*(d+1) : int(c.j+1)*(d+1)]
		z := p[d]
		for k := 0; k < d; k++ {
			z += theta[int(c.i)*d+k] * p[k]
		}
		s, sb := sigmoid(clipLogit(z))
		ll += c.x*math.Log(s) + (1-c.x)*math.Log(sb)
	}
	return ll
}

// standardise maps θ to mean 0 and identity covariance, θ' = L⁻¹(θ − μ)
// with Σθ = L Lᵀ, and the items (if item ≠ nil) to a' = Lᵀa, d' = d + aᵀμ,
// leaving every logit unchanged. It then rotates to the principal axes of
// Σⱼ aⱼaⱼᵀ (largest first) and flips signs so each slope column has a
// positive sum: a deterministic choice among the equivalent rotations.
func standardise(theta, item []float64, n, m, d int) {
	mu := make([]float64, d)
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			mu[k] += theta[i*d+k] / float64(n)
		}
	}
	cov := make([]float64, d*d)
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			for l := 0; l < d; l++ {
				cov[k*d+l] += (theta[i*d+k] - mu[k]) * (theta[i*d+l] - mu[l]) / float64(n)
			}
		}
	}
	for j := 0; j < m && item != nil; j++ {
		p := item[j*(d+1) : (j+1)*(d+1)]
		for k := 0; k < d; k++ {
			p[d] += p[k] * mu[k]
		}
	}
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			theta[i*d+k] -= mu[k]
		}
	}
	if !cholesky(cov, d) {
		return // degenerate: centred only
	}
	tmp := make([]float64, d)
	for i := 0; i < n; i++ {
		t := theta[i*d : (i+1)*d]
		for r := 0; r < d; r++ { // forward substitution L x = t
			s := t[r]
			for c := 0; c < r; c++ {
				s -= cov[r*d+c] * t[c]
			}
			t[r] = s / cov[r*d+r]
		}
	}
	if item == nil {
		return
	}
	for j := 0; j < m; j++ {
		a := item[j*(d+1) : j*(d+1)+d]
		for r := 0; r < d; r++ { // a' = Lᵀa
			var s float64
			for c := r; c < d; c++ {
				s += cov[c*d+r] * a[c]
			}
			tmp[r] = s
		}
		copy(a, tmp)
	}
	if d == 1 {
		var s float64
		for j := 0; j < m; j++ {
			s += item[j*2]
		}
		if s < 0 {
			for j := 0; j < m; j++ {
				item[j*2] = -item[j*2]
			}
			for i := 0; i < n; i++ {
				theta[i] = -theta[i]
			}
		}
		return
	}
	aa := mat.NewSymDense(d, nil)
	for j := 0; j < m; j++ {
		a := item[j*(d+1) : j*(d+1)+d]
		for k := 0; k < d; k++ {
			for l := k; l < d; l++ {
				aa.SetSym(k, l, aa.At(k, l)+a[k]*a[l])
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(aa, true) {
		return
	}
	var v mat.Dense
	eig.VectorsTo(&v) // ascending eigenvalues; use columns in reverse
	rot := func(x []float64) {
		for r := 0; r < d; r++ {
			var s float64
			for c := 0; c < d; c++ {
				s += v.At(c, d-1-r) * x[c]
			}
			tmp[r] = s
		}
		copy(x, tmp)
	}
	for j := 0; j < m; j++ {
		rot(item[j*(d+1) : j*(d+1)+d])
	}
	for i := 0; i < n; i++ {
		rot(theta[i*d : (i+1)*d])
	}
	for k := 0; k < d; k++ {
		var s float64
		for j := 0; j < m; j++ {
			s += item[j*(d+1)+k]
		}
		if s < 0 {
			for j := 0; j < m; j++ {
				item[j*(d+1)+k] = -item[j*(d+1)+k]
			}
			for i := 0; i < n; i++ {
				theta[i*d+k] = -theta[i*d+k]
			}
		}
	}
}
