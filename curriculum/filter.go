package curriculum

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
	"gonum.org/v1/gonum/stat/distuv"
)

// Band is a pass-rate filter for rollout groups or prompts (Online
// Difficulty Filtering): Keep(p) is Low ≤ p ≤ High, or Low < p < High when
// Open. DAPO's dynamic sampling, which drops groups that are all correct or
// all wrong, is Band{Low: 0, High: 1, Open: true}. No thresholds are
// attributed to a paper here; the caller sets them.
type Band struct {
	Low, High float64
	Open      bool
}

// Keep reports whether p passes the band. NaN never passes.
func (b Band) Keep(p float64) bool {
	if b.Open {
		return p > b.Low && p < b.High
	}
	return p >= b.Low && p <= b.High
}

// Variance is the binary-reward variance p(1−p), the learning-signal score
// of a prompt with success rate p (largest at p = 1/2).
func Variance(p float64) float64 { return p * (1 - p) }

// TopKVariance returns the indices of the k largest p(1−p), ties by index.
func TopKVariance(ps []float64, k int) ([]int, error) {
	for i, p := range ps {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("%w: ps[%d] = %v (must be in [0, 1])", ErrInvalid, i, p)
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("%w: k = %d (must be ≥ 0)", ErrInvalid, k)
	}
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return Variance(ps[idx[a]]) > Variance(ps[idx[b]]) })
	return idx[:min(k, len(idx))], nil
}

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

// ThompsonPredictor is a Predictor that draws each prediction from the
// prompt's Beta posterior (the uniform prior for prompts the source does not
// know), as MoPPS selects prompts. It uses r, so it is as safe for
// concurrent use as r is (not, for a *rand.Rand).
func ThompsonPredictor(src PosteriorSource, r *rand.Rand) Predictor {
	return thompsonPredictor{src, r}
}

type thompsonPredictor struct {
	src PosteriorSource
	r   *rand.Rand
}

func (t thompsonPredictor) Estimate(id string) (float64, bool) {
	a, b, err := t.src.Posterior(id)
	if err != nil || !(a > 0) || !(b > 0) {
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
// closest to the target, before any rollout is spent (pre-rollout selection,
// as in PCL and MoPPS), optionally only from those inside a band. Ties keep
// candidate order. It returns the chosen ids in order of closeness.
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

// Stack keeps requesting candidate batches from next until need items pass
// keep, or maxRounds batches have been drawn (the "stacking" of dynamic
// sampling). It returns the kept items (at most need), the number of rounds
// used, and an error if next fails or ctx is cancelled; when the rounds run
// out first, it returns what it has with a nil error, so the caller can
// decide to train on a smaller batch.
func Stack[T any](ctx context.Context, need, maxRounds int, next func(context.Context) ([]T, error), keep func(T) bool) ([]T, int, error) {
	if need < 0 || maxRounds <= 0 || next == nil || keep == nil {
		return nil, 0, fmt.Errorf("%w: Stack needs need ≥ 0, maxRounds > 0 and non-nil functions", ErrInvalid)
	}
	out := make([]T, 0, need)
	rounds := 0
	for len(out) < need && rounds < maxRounds {
		if err := ctx.Err(); err != nil {
			return out, rounds, err
		}
		batch, err := next(ctx)
		rounds++
		if err != nil {
			return out, rounds, fmt.Errorf("curriculum: stacking round %d: %w", rounds, err)
		}
		for _, x := range batch {
			if len(out) == need {
				break
			}
			if keep(x) {
				out = append(out, x)
			}
		}
	}
	return out, rounds, nil
}
