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
// know or reports out of domain; the posterior mean when α+β exceeds
// MaxPosterior), as MoPPS selects prompts. Every prediction is in [0, 1]. src and r must
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
	if a+b > MaxPosterior { // a point mass for every practical purpose
		return a / (a + b), true
	}
	x := distuv.Beta{Alpha: a, Beta: b, Src: t.r}.Rand()
	if !(x >= 0 && x <= 1) {
		x = a / (a + b)
	}
	return x, true
}

// SelectMode chooses how Select fills its B slots. The zero value is
// Closest, the default.
type SelectMode int

const (
	// Closest keeps the B prompts whose prediction is closest to Target
	// (ties in candidate order). Without a Band this is MoPPS's "topk"
	// strategy (thu-rllab/MoPPS, recipe/ours/mopps.py: argsort of
	// (r − target)²). With a Band only in-band prompts are eligible, so
	// fewer than B may come back; that filter is this package's, not
	// MoPPS's (use Threshold for MoPPS's band semantics).
	Closest SelectMode = iota
	// Threshold is MoPPS's "threshold" strategy: when at least B prompts
	// are inside the band, a uniformly random subset of B of them, in
	// random order (drawn from SelectConfig.Rand); otherwise every in-band
	// prompt (in candidate order) followed by the out-of-band prompts
	// nearest the band (distance Low − p below it, p − High above it; ties
	// in candidate order), so that min(B, len(candidates)) come back.
	// Target is not used. It needs Band and Rand.
	Threshold
)

// String returns the mode's name, or SelectMode(n) for an unknown value.
func (m SelectMode) String() string {
	switch m {
	case Closest:
		return "Closest"
	case Threshold:
		return "Threshold"
	}
	return fmt.Sprintf("SelectMode(%d)", int(m))
}

// SelectConfig configures Select.
type SelectConfig struct {
	// B is the number of prompts to select (required).
	B int
	// Mode is Closest (the default) or Threshold.
	Mode SelectMode
	// Target is the predicted success rate preferred by Closest (0.5 when
	// zero).
	Target float64
	// Band, when non-nil, is the pass-rate band (e.g. [0.3, 0.7]): Closest
	// keeps only prompts inside it; Threshold (which requires it) prefers
	// them and fills up with the nearest outside it.
	Band *Band
	// Unknown is the prediction used for prompts the predictor has no valid
	// estimate for (Target when zero, so unseen prompts are preferred
	// alongside the most informative ones).
	Unknown float64
	// Rand draws Threshold's random subset; required by Threshold, unused
	// by Closest.
	Rand *rand.Rand
}

// Select picks up to B prompts from candidates by their predicted success,
// before any rollout is spent (pre-rollout selection), as cfg.Mode says:
// Closest (default) returns the prompts closest to the target, optionally
// only from those inside a band, in order of closeness; Threshold is MoPPS's
// band mode. Candidates must be distinct. It runs in O(n log n) for n
// candidates and calls pred once per candidate, from the calling goroutine.
func Select(candidates []string, pred Predictor, cfg SelectConfig) ([]string, error) {
	if pred == nil {
		return nil, fmt.Errorf("%w: nil predictor", ErrInvalid)
	}
	if cfg.B < 0 {
		return nil, fmt.Errorf("%w: SelectConfig.B = %d (must be ≥ 0)", ErrInvalid, cfg.B)
	}
	switch cfg.Mode {
	case Closest:
	case Threshold:
		if cfg.Band == nil || cfg.Rand == nil {
			return nil, fmt.Errorf("%w: SelectConfig.Mode = Threshold needs Band and Rand", ErrInvalid)
		}
	default:
		return nil, fmt.Errorf("%w: SelectConfig.Mode = %v", ErrInvalid, cfg.Mode)
	}
	if b := cfg.Band; b != nil && (!num.IsFinite(b.Low) || !num.IsFinite(b.High)) {
		return nil, fmt.Errorf("%w: SelectConfig.Band = %+v (bounds must be finite)", ErrInvalid, *b)
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
		in   bool
	}
	all := make([]cand, 0, len(candidates))
	seen := make(map[string]struct{}, len(candidates))
	for _, id := range candidates {
		if _, dup := seen[id]; dup {
			return nil, fmt.Errorf("%w: duplicate candidate %.40q", ErrInvalid, id)
		}
		seen[id] = struct{}{}
		p, ok := pred.Estimate(id)
		if !ok {
			p = cfg.Unknown
		}
		if !num.IsFinite(p) || p < 0 || p > 1 {
			return nil, fmt.Errorf("%w: predictor returned %v for %q (must be in [0, 1])", ErrInvalid, p, id)
		}
		c := cand{id: id, in: cfg.Band == nil || cfg.Band.Keep(p)}
		switch {
		case cfg.Mode == Closest:
			c.dist = math.Abs(p - cfg.Target)
		case c.in:
		case p <= cfg.Band.Low:
			c.dist = cfg.Band.Low - p
		default:
			c.dist = p - cfg.Band.High
		}
		if cfg.Mode == Closest && !c.in {
			continue
		}
		all = append(all, c)
	}
	if cfg.Mode == Threshold {
		in := 0
		for _, c := range all {
			if c.in {
				in++
			}
		}
		if in >= cfg.B {
			pool := make([]string, 0, in)
			for _, c := range all {
				if c.in {
					pool = append(pool, c.id)
				}
			}
			cfg.Rand.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
			return pool[:cfg.B:cfg.B], nil
		}
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].in != all[b].in {
			return all[a].in // Threshold: in-band first, even at distance 0 from an open band
		}
		return all[a].dist < all[b].dist
	})
	out := make([]string, 0, min(cfg.B, len(all)))
	for _, c := range all[:min(cfg.B, len(all))] {
		out = append(out, c.id)
	}
	return out, nil
}
