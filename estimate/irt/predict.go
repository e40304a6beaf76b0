package irt

import (
	"fmt"
	"math"
)

// Prediction is a predicted score with its posterior standard deviation.
type Prediction struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// PredictScore predicts the mean score over items: administered items count
// with their observed score, the others with the posterior mean of Pⱼ(θ)
// under the Laplace posterior θ ~ N(θ̂, M⁻¹) — not Pⱼ(θ̂) — as in
// tinyBenchmarks' p-IRT. SD is the posterior standard deviation of that
// mean. Each item's expectation is exact up to quadrature: the logit
// zⱼ = aⱼᵀθ + dⱼ is normal with mean aⱼᵀθ̂ + dⱼ and variance aⱼᵀM⁻¹aⱼ, and a
// 20-node Gauss–Hermite rule integrates over it. The SD integrates the mean
// over θ with a Gauss–Hermite product rule for D ≤ 2 and the third-degree
// spherical–radial cubature (2D points) for D > 2.
func (s *Session) PredictScore(items []int) (Prediction, error) {
	if s.bank == nil {
		return Prediction{}, errNotCreated
	}
	if len(items) == 0 {
		return Prediction{}, fmt.Errorf("%w: PredictScore of no items", ErrInvalid)
	}
	for _, j := range items {
		if j < 0 || j >= len(s.bank) {
			return Prediction{}, fmt.Errorf("%w: item %d (bank has %d items)", ErrInvalid, j, len(s.bank))
		}
	}
	obs := s.observedScores()
	return s.predict(items, obs), nil
}

// PredictTasks predicts the mean score on each task, where labels[j] is
// item j's task ("" leaves the item out), as PredictScore does per label.
func (s *Session) PredictTasks(labels []string) (map[string]Prediction, error) {
	if s.bank == nil {
		return nil, errNotCreated
	}
	if len(labels) != len(s.bank) {
		return nil, fmt.Errorf("%w: len(labels) = %d, len(bank) = %d", ErrInvalid, len(labels), len(s.bank))
	}
	groups := map[string][]int{}
	for j, l := range labels {
		if l != "" {
			groups[l] = append(groups[l], j)
		}
	}
	obs := s.observedScores()
	out := make(map[string]Prediction, len(groups))
	for l, items := range groups {
		out[l] = s.predict(items, obs)
	}
	return out, nil
}

func (s *Session) observedScores() map[int]float64 {
	obs := make(map[int]float64, len(s.order))
	for n, j := range s.order {
		obs[j] = s.scores[n]
	}
	return obs
}

func (s *Session) predict(items []int, obs map[int]float64) Prediction {
	gh := gaussHermite20()
	var mean float64
	var unseen []int
	for _, j := range items {
		if x, ok := obs[j]; ok {
			mean += x
			continue
		}
		unseen = append(unseen, j)
		it := &s.bank[j]
		m := it.D
		for k, a := range it.A {
			m += a * s.theta[k]
		}
		sd := math.Sqrt(math.Max(quadForm(s.cov, it.A), 0))
		var e float64
		for q, z := range gh.x {
			e += gh.w[q] * it.response(clipLogit(m+sd*z)).p
		}
		mean += e
	}
	n := float64(len(items))
	mean /= n
	if len(unseen) == 0 {
		return Prediction{Mean: mean}
	}
	// Variance of S(θ) = (1/n)Σ_unseen Pⱼ(θ) over the posterior.
	pts, wts := s.posteriorPoints()
	th := make([]float64, s.d)
	var m1, m2 float64
	for p, w := range wts {
		copy(th, pts[p*s.d:p*s.d+s.d])
		var sum float64
		for _, j := range unseen {
			it := &s.bank[j]
			sum += it.response(it.logit(th)).p
		}
		sum /= n
		m1 += w * sum
		m2 += w * sum * sum
	}
	return Prediction{Mean: mean, SD: math.Sqrt(math.Max(m2-m1*m1, 0))}
}

// posteriorPoints returns quadrature points (row-major, D per point) and
// weights for N(θ̂, M⁻¹).
func (s *Session) posteriorPoints() ([]float64, []float64) {
	d := s.d
	l := append([]float64(nil), s.cov...)
	if !cholesky(l, d) {
		return append([]float64(nil), s.theta...), []float64{1}
	}
	var z [][]float64
	var w []float64
	switch d {
	case 1:
		gh := gaussHermite20()
		for q := range gh.x {
			z = append(z, []float64{gh.x[q]})
			w = append(w, gh.w[q])
		}
	case 2:
		gh := gaussHermite10()
		for q1 := range gh.x {
			for q2 := range gh.x {
				z = append(z, []float64{gh.x[q1], gh.x[q2]})
				w = append(w, gh.w[q1]*gh.w[q2])
			}
		}
	default:
		r := math.Sqrt(float64(d))
		for k := 0; k < d; k++ {
			for _, sgn := range []float64{1, -1} {
				v := make([]float64, d)
				v[k] = sgn * r
				z = append(z, v)
				w = append(w, 1/float64(2*d))
			}
		}
	}
	pts := make([]float64, len(z)*d)
	for p, zp := range z {
		for r := 0; r < d; r++ {
			x := s.theta[r]
			for c := 0; c <= r; c++ {
				x += l[r*d+c] * zp[c]
			}
			pts[p*d+r] = x
		}
	}
	return pts, w
}

// quadForm returns aᵀMa for the symmetric D×D matrix m (row-major).
func quadForm(m, a []float64) float64 {
	d := len(a)
	var q float64
	for r := 0; r < d; r++ {
		var t float64
		for c, ac := range a {
			t += m[r*d+c] * ac
		}
		q += a[r] * t
	}
	return q
}
