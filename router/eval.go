package router

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/budgetkit/budgetkit/estimate"
	"github.com/budgetkit/budgetkit/internal/num"
	"gonum.org/v1/gonum/floats"
)

// CurvePoint is one point of a deferral curve.
type CurvePoint struct {
	// Target is the strong fraction asked of CalibrateTau, Tau the
	// threshold it gave, StrongShare the fraction actually sent strong.
	Target, Tau, StrongShare float64
	// Quality and Cost are the means over the evaluation queries.
	Quality, Cost float64
}

// maxCurvePoints bounds DeferralCurve's points (its output's length).
const maxCurvePoints = 1 << 20

// DeferralCurve sweeps a two-model threshold router over strong fractions
// p = 0, 1/(points−1), …, 1 (RouteLLM's quantile sweep): at each p,
// τ = CalibrateTau(scores, p) (τ = +Inf at p = 0, so nothing is strong) and
// query i goes strong iff scores[i] ≥ τ, earning strongQ[i] at cost
// strongCost[i], else weakQ[i] at weakCost[i]. All slices have one finite
// entry per query (costs ≥ 0); points ≥ 2.
func DeferralCurve(scores, weakQ, strongQ, weakCost, strongCost []float64, points int) ([]CurvePoint, error) {
	n := len(scores)
	if n == 0 {
		return nil, fmt.Errorf("%w: no queries", ErrInvalid)
	}
	for name, s := range map[string][]float64{"weakQ": weakQ, "strongQ": strongQ, "weakCost": weakCost, "strongCost": strongCost} {
		if len(s) != n {
			return nil, fmt.Errorf("%w: len(%s) = %d, want %d", ErrInvalid, name, len(s), n)
		}
		if i, ok := num.AllFinite(s); !ok {
			return nil, fmt.Errorf("%w: %s[%d] = %v (must be finite)", ErrInvalid, name, i, s[i])
		}
	}
	for i := range weakCost {
		if weakCost[i] < 0 || strongCost[i] < 0 {
			return nil, fmt.Errorf("%w: negative cost at query %d", ErrInvalid, i)
		}
	}
	if points < 2 || points > maxCurvePoints {
		return nil, fmt.Errorf("%w: points = %d (must be in [2, 2²⁰])", ErrInvalid, points)
	}
	if i, ok := num.AllFinite(scores); !ok {
		return nil, fmt.Errorf("%w: scores[%d] = %v (must be finite)", ErrInvalid, i, scores[i])
	}
	sorted := slices.Clone(scores)
	sort.Float64s(sorted)
	out := make([]CurvePoint, points)
	for k := range out {
		p := float64(k) / float64(points-1)
		tau := math.Inf(1)
		if p > 0 {
			tau = quantileSorted(sorted, 1-p)
		}
		// Means as sums of x/n: finite for any finite inputs.
		nf := float64(n)
		var strong, q, c float64
		for i, s := range scores {
			if s >= tau {
				strong++
				q += strongQ[i] / nf
				c += strongCost[i] / nf
			} else {
				q += weakQ[i] / nf
				c += weakCost[i] / nf
			}
		}
		out[k] = CurvePoint{Target: p, Tau: tau, StrongShare: strong / nf, Quality: q, Cost: c}
	}
	return out, nil
}

// curveEnds returns the all-weak and all-strong qualities of a curve: the
// points with the smallest and largest strong share.
func curveEnds(curve []CurvePoint) (weak, strong float64, pts []CurvePoint, err error) {
	if len(curve) < 2 {
		return 0, 0, nil, fmt.Errorf("%w: a curve needs ≥ 2 points", ErrInvalid)
	}
	pts = slices.Clone(curve)
	for i, p := range pts {
		if !(p.StrongShare >= 0 && p.StrongShare <= 1) || !num.IsFinite(p.Quality) {
			return 0, 0, nil, fmt.Errorf("%w: curve[%d] = %+v", ErrInvalid, i, p)
		}
	}
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].StrongShare < pts[b].StrongShare })
	weak, strong = pts[0].Quality, pts[len(pts)-1].Quality
	if strong == weak {
		return 0, 0, nil, fmt.Errorf("%w: strong and weak qualities are equal (%v)", ErrInvalid, weak)
	}
	return weak, strong, pts, nil
}

// APGR returns the average performance gap recovered of a deferral curve
// (RouteLLM):
//
//	APGR = (AUC − AUC_weak) / (AUC_strong − AUC_weak)
//
// where AUC = ∫₀¹ quality d(strong share) by the trapezoid rule over the
// curve's points, and AUC_weak, AUC_strong are those of the all-weak and
// all-strong routers (the curve's end points, whose shares should be 0 and 1).
// Qualities so far apart that the ratio is not representable are refused
// (ErrInvalid).
func APGR(curve []CurvePoint) (float64, error) {
	weak, strong, pts, err := curveEnds(curve)
	if err != nil {
		return 0, err
	}
	var auc float64
	for i := 1; i < len(pts); i++ {
		auc += (pts[i].StrongShare - pts[i-1].StrongShare) * (pts[i].Quality/2 + pts[i-1].Quality/2)
	}
	span := pts[len(pts)-1].StrongShare - pts[0].StrongShare
	v := (auc - weak*span) / ((strong - weak) * span)
	if !num.IsFinite(v) {
		return 0, fmt.Errorf("%w: APGR of a curve with qualities in [%v, %v] is not representable", ErrInvalid, weak, strong)
	}
	return v, nil
}

// CPT returns the call-performance threshold CPT(x) (RouteLLM): the smallest
// strong share at which the curve's quality reaches
//
//	weak + x·(strong − weak),  x ∈ [0, 1],
//
// interpolating linearly between consecutive curve points.
func CPT(curve []CurvePoint, x float64) (float64, error) {
	if err := checkProb("x", x); err != nil {
		return 0, err
	}
	weak, strong, pts, err := curveEnds(curve)
	if err != nil {
		return 0, err
	}
	target := weak*(1-x) + strong*x // weak + x·(strong − weak), without overflow
	reached := func(q float64) bool {
		if strong > weak {
			return q >= target
		}
		return q <= target
	}
	if reached(pts[0].Quality) {
		return pts[0].StrongShare, nil
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if reached(b.Quality) {
			if b.Quality == a.Quality {
				return b.StrongShare, nil
			}
			f := (target - a.Quality) / (b.Quality - a.Quality)
			if !num.IsFinite(f) { // a difference overflowed: interpolate in halves
				f = (target/2 - a.Quality/2) / (b.Quality/2 - a.Quality/2)
			}
			return a.StrongShare + num.Clamp(f, 0, 1)*(b.StrongShare-a.StrongShare), nil
		}
	}
	return pts[len(pts)-1].StrongShare, nil
}

// RunSummary summarises one router's run over an evaluation set.
type RunSummary struct {
	// Quality and Cost are per-query means.
	Quality, Cost float64
	// CostOfPass is mean cost / mean score, the expected cost of one
	// correct answer (package estimate's convention: +Inf if nothing
	// passed, the only non-finite value Summarize returns).
	CostOfPass float64
}

// Summarize returns a router's mean quality, mean cost and cost-of-pass
// ("Cost-of-Pass: An Economic Framework for Evaluating Language Models",
// via estimate.CostOfPass) from per-query costs ≥ 0 and scores in [0, 1].
func Summarize(costs, scores []float64) (RunSummary, error) {
	cop, err := estimate.CostOfPass(costs, scores)
	if err != nil {
		return RunSummary{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	n := float64(len(costs))
	quality, cost := floats.SumCompensated(scores)/n, floats.SumCompensated(costs)/n
	if !num.IsFinite(cost) {
		// The sum overflowed: the mean as a sum of c/n is finite.
		cost = 0
		for _, c := range costs {
			cost += c / n
		}
	}
	if quality > 0 {
		cop = cost / quality
		if !num.IsFinite(cop) {
			return RunSummary{}, fmt.Errorf("%w: cost-of-pass = %v / %v overflows", ErrInvalid, cost, quality)
		}
	}
	return RunSummary{Quality: quality, Cost: cost, CostOfPass: cop}, nil
}
