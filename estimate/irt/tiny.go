package irt

import (
	"fmt"
	"math"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"gonum.org/v1/gonum/floats"
)

// PIRT returns tinyBenchmarks' p-IRT estimate of a benchmark score from the
// observed scores on the seen items and the IRT-predicted probabilities
// P̂ⱼ = Pⱼ(θ̂) (or their posterior means) on the unseen ones:
//
//	p̂ = λ·mean(seen) + (1 − λ)·mean(P̂_unseen),    λ = n_seen / N
//
// Session.PredictScore computes the same quantity with posterior means.
func PIRT(seen, unseenProbs []float64) (float64, error) {
	if len(seen)+len(unseenProbs) == 0 {
		return 0, fmt.Errorf("%w: no items", ErrInvalid)
	}
	var s, u float64
	for k, y := range seen {
		if !(y >= 0 && y <= 1) {
			return 0, fmt.Errorf("%w: seen[%d] = %v (must be in [0, 1])", ErrInvalid, k, y)
		}
		s += y
	}
	for k, p := range unseenProbs {
		if !(p >= 0 && p <= 1) {
			return 0, fmt.Errorf("%w: unseenProbs[%d] = %v (must be in [0, 1])", ErrInvalid, k, p)
		}
		u += p
	}
	// λ·mean(seen) + (1 − λ)·mean(unseen) = (Σ seen + Σ unseen)/N.
	return (s + u) / float64(len(seen)+len(unseenProbs)), nil
}

// GPIRTLambda returns the weight gp-IRT gives the anchor estimate,
//
//	λ* = b² / (b² + v/(4n))
//
// where b is the bias of the p-IRT estimate (estimated on held-out
// models), v/(4n) the variance of the anchor estimate from n anchor items
// (v the weights' variance factor; each Bernoulli score has variance ≤ 1/4).
// A biased IRT model shifts weight to the anchors, a small anchor set to
// p-IRT.
func GPIRTLambda(b, v float64, n int) (float64, error) {
	if !num.IsFinite(b) || !num.IsFinite(v) || v < 0 || n < 1 {
		return 0, fmt.Errorf("%w: GPIRTLambda(b = %v, v = %v, n = %d) (need finite b, v ≥ 0, n ≥ 1)", ErrInvalid, b, v, n)
	}
	switch {
	case b == 0 && v == 0:
		return 0.5, nil
	case b == 0:
		return 0, nil
	}
	// λ* = 1/(1 + r) with r = v/(4n b²), formed without squaring b, which
	// overflows for |b| > 1.3e154 (λ* → 1) and underflows for tiny b (λ* → 0).
	r := v / (4 * float64(n)) / math.Abs(b) / math.Abs(b)
	return 1 / (1 + r), nil
}

// GPIRT returns the gp-IRT estimate λ·anchor + (1 − λ)·pirt.
func GPIRT(anchor, pirt, lambda float64) (float64, error) {
	if !(lambda >= 0 && lambda <= 1) || !num.IsFinite(anchor) || !num.IsFinite(pirt) {
		return 0, fmt.Errorf("%w: GPIRT(anchor = %v, pirt = %v, λ = %v) (need finite estimates, λ ∈ [0, 1])", ErrInvalid, anchor, pirt, lambda)
	}
	g := lambda*anchor + (1-lambda)*pirt
	if !num.IsFinite(g) {
		return 0, fmt.Errorf("%w: GPIRT(anchor = %v, pirt = %v, λ = %v) overflows", ErrInvalid, anchor, pirt, lambda)
	}
	return g, nil
}

// BinarizeThreshold returns the threshold c for turning non-binary scores
// in [0, 1] into correct/incorrect for a binary IRT model, tinyBenchmarks'
// heuristic: among the observed values, the c for which the share of
// scores above c is closest to the mean score, so binarising keeps the
// benchmark's average. NaN cells are ignored.
func BinarizeThreshold(matrix [][]float64) (float64, error) {
	var xs []float64
	for i, row := range matrix {
		for j, x := range row {
			if math.IsNaN(x) {
				continue
			}
			if !(x >= 0 && x <= 1) {
				return 0, fmt.Errorf("%w: matrix[%d][%d] = %v (must be in [0, 1] or NaN)", ErrInvalid, i, j, x)
			}
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 {
		return 0, fmt.Errorf("%w: no observed scores", ErrInvalid)
	}
	mean := floats.SumCompensated(xs) / float64(len(xs))
	slices.Sort(xs)
	n := float64(len(xs))
	best, bestGap := xs[0], math.Inf(1)
	for k := 0; k < len(xs); k++ {
		if k+1 < len(xs) && xs[k+1] == xs[k] {
			continue
		}
		above := float64(len(xs)-k-1) / n // share of scores > xs[k]
		if gap := math.Abs(above - mean); gap < bestGap {
			best, bestGap = xs[k], gap
		}
	}
	return best, nil
}

// Binarize returns a copy of matrix with scores above c mapped to 1, the
// rest to 0, and NaN kept. It returns ErrInvalid for a NaN threshold or a
// score outside [0, 1].
func Binarize(matrix [][]float64, c float64) ([][]float64, error) {
	if math.IsNaN(c) {
		return nil, fmt.Errorf("%w: Binarize threshold is NaN", ErrInvalid)
	}
	out := make([][]float64, len(matrix))
	for i, row := range matrix {
		out[i] = make([]float64, len(row))
		for j, x := range row {
			if !math.IsNaN(x) && !(x >= 0 && x <= 1) {
				return nil, fmt.Errorf("%w: matrix[%d][%d] = %v (must be in [0, 1] or NaN)", ErrInvalid, i, j, x)
			}
			switch {
			case math.IsNaN(x):
				out[i][j] = x
			case x > c:
				out[i][j] = 1
			}
		}
	}
	return out, nil
}
