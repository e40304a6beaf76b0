package irt

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/integrate/quad"
)

// gaussHermite holds Gauss–Hermite nodes and weights for E[f(Z)] with
// Z ~ N(0, 1) (probabilists' form; the weights sum to 1).
type gaussHermite struct{ x, w []float64 }

var (
	gh20Once, gh10Once sync.Once
	gh20, gh10         gaussHermite
)

// gaussHermite20 is the 20-node rule PredictScore integrates each item's
// logit with; gaussHermite10 the per-axis rule of the 2-D product rule.
func gaussHermite20() gaussHermite {
	gh20Once.Do(func() { gh20 = newGaussHermite(20) })
	return gh20
}

func gaussHermite10() gaussHermite {
	gh10Once.Do(func() { gh10 = newGaussHermite(10) })
	return gh10
}

// newGaussHermite converts gonum's n-point rule for ∫ f(x) e^(−x²) dx
// (physicists' form) to the standard normal: x ← √2·x, w ← w/√π.
func newGaussHermite(n int) gaussHermite {
	g := gaussHermite{x: make([]float64, n), w: make([]float64, n)}
	quad.Hermite{}.FixedLocations(g.x, g.w, math.Inf(-1), math.Inf(1))
	for i := range g.x {
		g.x[i] *= math.Sqrt2
		g.w[i] /= math.Sqrt(math.Pi)
	}
	return g
}
