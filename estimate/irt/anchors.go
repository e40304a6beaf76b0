package irt

import (
	"fmt"
	"math"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
)

// maxAbsFeature bounds AnchorPoints' features so that squared distances
// and weighted sums stay finite.
const maxAbsFeature = 1e100

// AnchorConfig configures AnchorPoints. Zero fields mean the defaults.
type AnchorConfig struct {
	// K is the number of anchor items (required, 1 ≤ K ≤ number of items).
	K int
	// Weights[j] ≥ 0 is item j's weight in the benchmark score (nil: equal
	// weights). tinyBenchmarks uses balance weights so that every
	// sub-scenario counts equally.
	Weights []float64
	// Restarts is the number of k-means++ initialisations; the clustering of
	// least weighted inertia wins (default 10).
	Restarts int
	// MaxIter caps Lloyd iterations per restart (default 300, scikit-learn's).
	MaxIter int
	// Seed makes the clustering reproducible.
	Seed uint64
}

// Anchors is a set of representative items and their weights.
type Anchors struct {
	// Items are the anchor items, one per cluster: the member closest to
	// the cluster's weighted centroid.
	Items []int
	// Weights[k] is the total weight of cluster k, normalised to sum to 1.
	Weights []float64
	// Cluster[j] is item j's cluster.
	Cluster []int
}

// AnchorPoints chooses K anchor items as tinyBenchmarks does ("tinyBenchmarks:
// evaluating LLMs with fewer examples"): weighted k-means over the items'
// feature vectors (their IRT parameters, or their correctness across
// training models), with each anchor standing for its cluster's weight. A
// new model's benchmark score is then estimated from the anchors alone by
// Anchors.Score. Features must be finite with |x| ≤ 1e100, weights finite
// and ≥ 0 with a positive finite sum.
func AnchorPoints(features [][]float64, cfg AnchorConfig) (Anchors, error) {
	n := len(features)
	if n == 0 {
		return Anchors{}, fmt.Errorf("%w: no items to cluster", ErrInvalid)
	}
	dim := len(features[0])
	if dim == 0 {
		return Anchors{}, fmt.Errorf("%w: empty feature vectors", ErrInvalid)
	}
	for j, f := range features {
		if len(f) != dim {
			return Anchors{}, fmt.Errorf("%w: features[%d] has length %d, want %d", ErrInvalid, j, len(f), dim)
		}
		for k, x := range f {
			if !(math.Abs(x) <= maxAbsFeature) {
				return Anchors{}, fmt.Errorf("%w: features[%d][%d] = %v (must be finite, |x| ≤ %g)", ErrInvalid, j, k, x, maxAbsFeature)
			}
		}
	}
	if cfg.K < 1 || cfg.K > n {
		return Anchors{}, fmt.Errorf("%w: K = %d (must be in [1, %d])", ErrInvalid, cfg.K, n)
	}
	w := make([]float64, n)
	var wsum float64
	for j := range w {
		w[j] = 1
		if cfg.Weights != nil {
			if len(cfg.Weights) != n {
				return Anchors{}, fmt.Errorf("%w: len(Weights) = %d, want %d", ErrInvalid, len(cfg.Weights), n)
			}
			w[j] = cfg.Weights[j]
			if !num.IsFinite(w[j]) || w[j] < 0 {
				return Anchors{}, fmt.Errorf("%w: Weights[%d] = %v (must be finite and ≥ 0)", ErrInvalid, j, w[j])
			}
		}
		wsum += w[j]
	}
	if !(wsum > 0) || !num.IsFinite(wsum) {
		return Anchors{}, fmt.Errorf("%w: weights sum to %v (must be finite and > 0)", ErrInvalid, wsum)
	}
	for j := range w { // normalised, so weighted squared distances stay finite
		w[j] /= wsum
	}
	wsum = 1
	restarts, maxIter := cfg.Restarts, cfg.MaxIter
	if restarts == 0 {
		restarts = 10
	}
	if maxIter == 0 {
		maxIter = 300
	}
	if restarts < 0 || maxIter < 0 {
		return Anchors{}, fmt.Errorf("%w: Restarts = %d, MaxIter = %d (must be ≥ 0)", ErrInvalid, cfg.Restarts, cfg.MaxIter)
	}
	dist := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += (a[i] - b[i]) * (a[i] - b[i])
		}
		return s
	}
	k := cfg.K
	bestInertia := math.Inf(1)
	var bestAssign []int
	var bestCent [][]float64
	assign := make([]int, n)
	d2 := make([]float64, n)
	for r := 0; r < restarts; r++ {
		rng := randx.New(cfg.Seed, 0xa2c4, uint64(r))
		cent := make([][]float64, 0, k)
		// k-means++ seeding, weighted by item weight × squared distance.
		first := weightedPick(w, wsum, rng.Float64())
		cent = append(cent, slices.Clone(features[first]))
		for j := range d2 {
			d2[j] = dist(features[j], cent[0])
		}
		for len(cent) < k {
			var tot float64
			for j := range d2 {
				tot += w[j] * d2[j]
			}
			var next int
			if tot > 0 {
				u := rng.Float64() * tot
				next = n - 1
				for j := range d2 {
					u -= w[j] * d2[j]
					if u < 0 {
						next = j
						break
					}
				}
			} else {
				next = rng.IntN(n) // all remaining points coincide with centres
			}
			cent = append(cent, slices.Clone(features[next]))
			for j := range d2 {
				d2[j] = math.Min(d2[j], dist(features[j], cent[len(cent)-1]))
			}
		}
		var inertia float64
		for it := 0; it <= maxIter; it++ {
			changed := it == 0
			inertia = 0
			for j, f := range features {
				best, bd := 0, math.Inf(1)
				for c := range cent {
					if dd := dist(f, cent[c]); dd < bd {
						best, bd = c, dd
					}
				}
				if assign[j] != best {
					changed = true
				}
				assign[j] = best
				inertia += w[j] * bd
			}
			if !changed || it == maxIter {
				break
			}
			cw := make([]float64, k)
			for c := range cent {
				clear(cent[c])
			}
			for j, f := range features {
				c := assign[j]
				cw[c] += w[j]
				for i, v := range f {
					cent[c][i] += w[j] * v
				}
			}
			for c := range cent {
				if cw[c] > 0 {
					for i := range cent[c] {
						cent[c][i] /= cw[c]
					}
				}
			}
		}
		if inertia < bestInertia {
			bestInertia, bestAssign, bestCent = inertia, slices.Clone(assign), cent
		}
	}
	out := Anchors{Cluster: bestAssign}
	cw := make([]float64, k)
	for j, c := range bestAssign {
		cw[c] += w[j]
	}
	for c := range bestCent {
		best, bd := -1, math.Inf(1)
		for j, f := range features {
			if bestAssign[j] != c {
				continue
			}
			if dd := dist(f, bestCent[c]); dd < bd {
				best, bd = j, dd
			}
		}
		if best < 0 {
			continue // empty cluster (only with duplicate points)
		}
		out.Items = append(out.Items, best)
		out.Weights = append(out.Weights, cw[c]/wsum)
	}
	return out, nil
}

func weightedPick(w []float64, total, u float64) int {
	u *= total
	for j, x := range w {
		u -= x
		if u < 0 {
			return j
		}
	}
	return len(w) - 1
}

// Score returns the anchor estimate of the benchmark score, Σₖ wₖ·yₖ,
// from the scores yₖ ∈ [0, 1] on the anchor items (in Items order).
//
// The zero Anchors (no anchor items) returns an error wrapping ErrInvalid.
func (a Anchors) Score(scores []float64) (float64, error) {
	if len(a.Items) == 0 || len(a.Weights) != len(a.Items) {
		return 0, fmt.Errorf("%w: Anchors with %d items and %d weights (use AnchorPoints)", ErrInvalid, len(a.Items), len(a.Weights))
	}
	if len(scores) != len(a.Items) {
		return 0, fmt.Errorf("%w: %d scores for %d anchors", ErrInvalid, len(scores), len(a.Items))
	}
	var s float64
	for k, y := range scores {
		if !(y >= 0 && y <= 1) {
			return 0, fmt.Errorf("%w: scores[%d] = %v (must be in [0, 1])", ErrInvalid, k, y)
		}
		s += a.Weights[k] * y
	}
	return s, nil
}
