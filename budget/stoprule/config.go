package stoprule

import (
	"fmt"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Config configures a Controller and the rollouts it creates.
// Zero fields take the defaults of "DUET: Optimize Token-Budget Allocation
// for RLVR" (github.com/Haoyu-Hu/DUET) noted on each field.
type Config struct {
	// MaxLength is the maximum response length in tokens (required).
	MaxLength int `json:"max_length"`
	// MinTokens is the hard floor before which nothing happens (200, or
	// MaxLength if smaller).
	MinTokens int `json:"min_tokens,omitempty"`
	// CheckEvery is the marker-detection period in tokens (8).
	CheckEvery int `json:"check_every,omitempty"`
	// Window is the number of most recent tokens whose text the markers are
	// searched in (256, the reference's suffix_window; at least 16, as the
	// reference clamps it).
	Window int `json:"window,omitempty"`
	// Hysteresis is the number of consecutive tokens the signal must pass
	// the threshold before the rule fires (5).
	Hysteresis int `json:"hysteresis,omitempty"`
	// EpsLen is the probability of skipping a firing, so every length keeps
	// positive propensity (0.05). Set a negative value for 0.
	EpsLen float64 `json:"eps_len,omitempty"`
	// Grace is how many tokens past K2 a rollout may still show a marker
	// (150).
	Grace int `json:"grace,omitempty"`
	// AbortEps is the probability that a rollout without a marker by
	// K2 + Grace is kept to its natural end, with weight 1/AbortEps, instead
	// of being aborted (0.05).
	AbortEps float64 `json:"abort_eps,omitempty"`
	// Signal is the confidence signal (Margin).
	Signal Signal `json:"signal,omitempty"`
	// Domain selects the answer markers: "math" (default), "code" or
	// "generic"; see Markers.
	Domain string `json:"domain,omitempty"`
	// K1Frac and K2Frac place the initial checkpoints at these fractions of
	// MaxLength (0.3 and 0.7).
	K1Frac float64 `json:"k1_frac,omitempty"`
	K2Frac float64 `json:"k2_frac,omitempty"`
	// RefitEvery, RefitMin and History: every RefitEvery steps (10), when at
	// least RefitMin kept lengths (32) are known, K1 and K2 are refitted as
	// the K1Pct-th and K2Pct-th percentiles (30 and 80; linear interpolation,
	// numpy's default) of the last History kept lengths (1024), with
	// K1 ≥ MinK1 (32) and K2 ≥ K1 + MinGap (50).
	RefitEvery int     `json:"refit_every,omitempty"`
	RefitMin   int     `json:"refit_min,omitempty"`
	History    int     `json:"history,omitempty"`
	K1Pct      float64 `json:"k1_pct,omitempty"`
	K2Pct      float64 `json:"k2_pct,omitempty"`
	MinK1      int     `json:"min_k1,omitempty"`
	MinGap     int     `json:"min_gap,omitempty"`
	// ThresholdLow and ThresholdHigh bound the per-prompt thresholds of
	// Thresholds ([0.5, 0.99]; [0.5, 5] for Entropy, as the reference).
	ThresholdLow  float64 `json:"threshold_low,omitempty"`
	ThresholdHigh float64 `json:"threshold_high,omitempty"`
	// Seed makes every rollout's random decisions reproducible.
	Seed uint64 `json:"seed"`
}

// Size limits that keep every buffer allocation and every sum of counts
// far from overflow; NewController refuses larger values with ErrInvalid.
const (
	// MaxCount bounds Config.MaxLength and the other token counts.
	MaxCount = 1 << 30
	// MaxHistory bounds Config.History (the ring of kept lengths).
	MaxHistory = 1 << 24
	// MaxWindow bounds Config.Window (tokens in the marker window).
	MaxWindow = 1 << 20
)

func (c Config) normalise() (Config, error) {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		} else if *p < 0 {
			*p = 0
		}
	}
	if c.MinTokens == 0 && c.MaxLength > 0 {
		c.MinTokens = min(200, c.MaxLength)
	}
	def(&c.CheckEvery, 8)
	def(&c.Window, 256)
	def(&c.Hysteresis, 5)
	def(&c.Grace, 150)
	def(&c.RefitEvery, 10)
	def(&c.RefitMin, 32)
	def(&c.History, 1024)
	def(&c.MinK1, 32)
	def(&c.MinGap, 50)
	deff(&c.EpsLen, 0.05)
	deff(&c.AbortEps, 0.05)
	deff(&c.K1Frac, 0.3)
	deff(&c.K2Frac, 0.7)
	deff(&c.K1Pct, 30)
	deff(&c.K2Pct, 80)
	if c.Domain == "" {
		c.Domain = "math"
	}
	if c.ThresholdLow == 0 && c.ThresholdHigh == 0 {
		c.ThresholdLow, c.ThresholdHigh = 0.5, 0.99
		if c.Signal == Entropy {
			c.ThresholdHigh = 5
		}
	}
	bad := func(field string, v any, want string) (Config, error) {
		return c, fmt.Errorf("%w: Config.%s = %v (%s)", ErrInvalid, field, v, want)
	}
	switch {
	case c.MaxLength <= 0 || c.MaxLength > MaxCount:
		return bad("MaxLength", c.MaxLength, "must be in (0, 1<<30]")
	case c.MinTokens < 0 || c.MinTokens > c.MaxLength:
		return bad("MinTokens", c.MinTokens, "must be in [0, MaxLength]")
	case c.History > MaxHistory || c.Window > MaxWindow:
		return bad("History/Window", [2]int{c.History, c.Window}, "must be ≤ MaxHistory (1<<24) and ≤ MaxWindow (1<<20)")
	case c.Grace > MaxCount || c.MinK1 > MaxCount || c.MinGap > MaxCount || c.RefitEvery > MaxCount || c.Hysteresis > MaxCount || c.CheckEvery > MaxCount:
		return bad("counts", fmt.Sprintf("%+v", c), "Grace, MinK1, MinGap, RefitEvery, Hysteresis and CheckEvery must be ≤ 1<<30")
	case c.CheckEvery < 0, c.Window < 16, c.Hysteresis < 0, c.Grace < 0, c.RefitEvery < 0, c.RefitMin < 0,
		c.History <= 0, c.MinK1 < 0, c.MinGap < 0:
		return bad("counts", fmt.Sprintf("%+v", c), "must be non-negative; Window ≥ 16, History > 0")
	case !(c.EpsLen >= 0 && c.EpsLen < 1):
		return bad("EpsLen", c.EpsLen, "must be in [0, 1)")
	case !(c.AbortEps >= 0 && c.AbortEps <= 1):
		return bad("AbortEps", c.AbortEps, "must be in [0, 1]")
	case !(c.K1Frac > 0 && c.K1Frac < c.K2Frac && c.K2Frac <= 1):
		return bad("K1Frac/K2Frac", [2]float64{c.K1Frac, c.K2Frac}, "need 0 < K1Frac < K2Frac ≤ 1")
	case !(c.K1Pct >= 0 && c.K1Pct < c.K2Pct && c.K2Pct <= 100):
		return bad("K1Pct/K2Pct", [2]float64{c.K1Pct, c.K2Pct}, "need 0 ≤ K1Pct < K2Pct ≤ 100")
	case c.Signal < Margin || c.Signal > Entropy:
		return bad("Signal", c.Signal, "unknown signal")
	case !num.IsFinite(c.ThresholdLow) || !num.IsFinite(c.ThresholdHigh) || c.ThresholdLow > c.ThresholdHigh:
		return bad("ThresholdLow/High", [2]float64{c.ThresholdLow, c.ThresholdHigh}, "need finite Low ≤ High")
	}
	if c.Hysteresis == 0 {
		c.Hysteresis = 1
	}
	if c.CheckEvery == 0 {
		c.CheckEvery = 1
	}
	return c, nil
}
