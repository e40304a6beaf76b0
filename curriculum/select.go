package curriculum

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
	"gonum.org/v1/gonum/stat/distuv"
)

// Predictor predicts a prompt's success rate. estimate.Tracker implements
// it: its Estimate method has exactly this signature.
type Predictor interface {
	Estimate(id string) (p float64, valid bool)
}

// PosteriorSource gives a Beta posterior of a prompt's success rate.
// estimate.Tracker implements it.
type PosteriorSource interface {
	Posterior(id string) (alpha, beta float64, err error)
}

// ThompsonPredictor returns a Predictor that draws each prediction from the
// prompt's Beta posterior (the uniform prior for prompts the source does not
// know or reports out of domain), as MoPPS selects prompts. src and r must
// be non-nil. The predictor uses r, so it is as safe for concurrent use as r
// is (not, for a *rand.Rand).
func ThompsonPredictor(src PosteriorSource, r *rand.Rand) (Predictor, error) {
	if src == nil || r == nil {
		return nil, fmt.Errorf("%w: ThompsonPredictor needs a non-nil source and *rand.Rand", ErrInvalid)
	}
	return thompsonPredictor{src, r}, nil
}

type thompsonPredictor struct {
	src PosteriorSource
	r   *rand.Rand
}

func (t thompsonPredictor) Estimate(id string) (float64, bool) {
	a, b, err := t.src.Posterior(id)
	if err != nil || !(a > 0) || !(b > 0) || math.IsInf(a, 1) || math.IsInf(b, 1) {
		a, b = 1, 1
	}
	return distuv.Beta{Alpha: a, Beta: b, Src: t.r}.Rand(), true
}

// SelectConfig configures Select.
type SelectConfig struct {
	// B is the number of prompts to select (required).
	B int
	// Target is the predicted success rate preferred (0.5 when zero).
	Target float64
	// Band, when non-nil, keeps only prompts inside it (e.g. [0.3, 0.7]),
	// then picks those closest to Target.
	Band *Band
	// Unknown is the prediction used for prompts the predictor has no valid
	// estimate for (Target when zero, so unseen prompts are preferred
	// alongside the most informative ones).
	Unknown float64
}

// Select picks up to B prompts from candidates whose predicted success is
// closest to the target, before any rollout is spent (pre-rollout
// selection), optionally only from those inside a band. Ties keep candidate
// order. It returns the chosen ids in order of closeness, in O(n log n).
func Select(candidates []string, pred Predictor, cfg SelectConfig) ([]string, error) {
	if pred == nil {
		return nil, fmt.Errorf("%w: nil predictor", ErrInvalid)
	}
	if cfg.B < 0 {
		return nil, fmt.Errorf("%w: SelectConfig.B = %d (must be ≥ 0)", ErrInvalid, cfg.B)
	}
	if cfg.Target == 0 {
		cfg.Target = 0.5
	}
	if cfg.Unknown == 0 {
		cfg.Unknown = cfg.Target
	}
	if !(cfg.Target >= 0 && cfg.Target <= 1) || !(cfg.Unknown >= 0 && cfg.Unknown <= 1) {
		return nil, fmt.Errorf("%w: SelectConfig Target = %v, Unknown = %v (must be in [0, 1])", ErrInvalid, cfg.Target, cfg.Unknown)
	}
	type cand struct {
		id   string
		dist float64
	}
	keep := make([]cand, 0, len(candidates))
	for _, id := range candidates {
		p, ok := pred.Estimate(id)
		if !ok {
			p = cfg.Unknown
		}
		if !num.IsFinite(p) || p < 0 || p > 1 {
			return nil, fmt.Errorf("%w: predictor returned %v for %q (must be in [0, 1])", ErrInvalid, p, id)
		}
		if cfg.Band != nil && !cfg.Band.Keep(p) {
			continue
		}
		keep = append(keep, cand{id, math.Abs(p - cfg.Target)})
	}
	sort.SliceStable(keep, func(a, b int) bool { return keep[a].dist < keep[b].dist })
	out := make([]string, 0, min(cfg.B, len(keep)))
	for _, c := range keep[:min(cfg.B, len(keep))] {
		out = append(out, c.id)
	}
	return out, nil
}
