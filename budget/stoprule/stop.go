package stoprule

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Signal selects the confidence signal a Rule compares with the
// prompt's threshold.
type Signal int

const (
	// Margin is the top-1 minus top-2 probability; stop when above the
	// threshold (the default).
	Margin Signal = iota
	// MaxProb is the top-1 probability; stop when above the threshold.
	MaxProb
	// Entropy is −Σ p log p; stop when below the threshold.
	Entropy
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
	// WindowBytes is the length of the sliding window of recent text the
	// markers are searched in (2048 bytes, about the reference's 256 tokens).
	WindowBytes int `json:"window_bytes,omitempty"`
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
	def(&c.WindowBytes, 2048)
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
	case c.MaxLength <= 0:
		return bad("MaxLength", c.MaxLength, "must be > 0")
	case c.MinTokens < 0 || c.MinTokens > c.MaxLength:
		return bad("MinTokens", c.MinTokens, "must be in [0, MaxLength]")
	case c.CheckEvery < 0, c.WindowBytes < 16, c.Hysteresis < 0, c.Grace < 0, c.RefitEvery < 0, c.RefitMin < 0,
		c.History <= 0, c.MinK1 < 0, c.MinGap < 0:
		return bad("counts", fmt.Sprintf("%+v", c), "must be non-negative; WindowBytes ≥ 16, History > 0")
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

// Controller holds the state DUET's stop rule shares across the
// rollouts of a training run: the checkpoints K1 and K2 and the history of
// kept rollout lengths they are refitted from. It creates one Rule per
// rollout. A Controller is safe for concurrent use.
type Controller struct {
	cfg     Config
	markers *MarkerSet

	mu      sync.Mutex
	k1, k2  int
	step    int64
	lengths []int // ring of kept lengths
	next    int   // ring write position
	full    bool
}

// NewController validates cfg and returns a controller with
// K1 = ⌊K1Frac·MaxLength⌋ and K2 = ⌊K2Frac·MaxLength⌋.
func NewController(cfg Config) (*Controller, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	m, err := Markers(c.Domain)
	if err != nil {
		return nil, err
	}
	sc := &Controller{cfg: c, markers: m, lengths: make([]int, c.History)}
	sc.k1 = int(c.K1Frac * float64(c.MaxLength))
	sc.k2 = int(c.K2Frac * float64(c.MaxLength))
	return sc, nil
}

// Config returns the configuration with defaults filled in.
func (c *Controller) Config() Config { return c.cfg }

// K returns the current checkpoints: markers are looked for from K1 on, and
// a rollout with no marker by K2 + Grace is aborted (or ε-kept).
func (c *Controller) K() (k1, k2 int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.k1, c.k2
}

// ObserveLength records the length of a kept (not aborted) rollout.
func (c *Controller) ObserveLength(length int) error {
	if length < 0 {
		return fmt.Errorf("%w: rollout length %d (must be ≥ 0)", ErrInvalid, length)
	}
	c.mu.Lock()
	c.lengths[c.next] = length
	c.next = (c.next + 1) % len(c.lengths)
	if c.next == 0 {
		c.full = true
	}
	c.mu.Unlock()
	return nil
}

// EndStep ends a training step. Every RefitEvery steps, with at least
// RefitMin kept lengths recorded, it refits K1 and K2 and reports true.
func (c *Controller) EndStep() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step++
	n := c.next
	if c.full {
		n = len(c.lengths)
	}
	if c.step%int64(c.cfg.RefitEvery) != 0 || n < c.cfg.RefitMin || n == 0 {
		return false
	}
	sorted := append([]int(nil), c.lengths[:n]...)
	sort.Ints(sorted)
	k1 := int(num.QuantileSorted(sorted, c.cfg.K1Pct/100))
	k2 := int(num.QuantileSorted(sorted, c.cfg.K2Pct/100))
	c.k1 = max(k1, c.cfg.MinK1)
	c.k2 = max(k2, c.k1+c.cfg.MinGap)
	return true
}

// Thresholds maps a batch of prompts to stop thresholds by information rate
// ŝ²/max(L̂, 1): the prompt of rank r among M (ascending, ties by index)
// gets ThresholdLow + (ThresholdHigh − ThresholdLow)·r/(M−1), so prompts
// with more information per token stop only when more confident (the
// reference's batch_percentile mapping). A single prompt gets the midpoint.
func (c *Controller) Thresholds(signal, length []float64) ([]float64, error) {
	if len(signal) != len(length) {
		return nil, fmt.Errorf("%w: len(signal) = %d, len(length) = %d (must match)", ErrInvalid, len(signal), len(length))
	}
	rate := make([]float64, len(signal))
	for q := range signal {
		if !num.IsFinite(signal[q]) || !num.IsFinite(length[q]) || length[q] < 0 {
			return nil, fmt.Errorf("%w: prompt %d: signal %v, length %v (must be finite, length ≥ 0)", ErrInvalid, q, signal[q], length[q])
		}
		rate[q] = signal[q] * signal[q] / math.Max(length[q], 1)
	}
	lo, hi := c.cfg.ThresholdLow, c.cfg.ThresholdHigh
	out := make([]float64, len(rate))
	if len(rate) == 1 {
		out[0] = (lo + hi) / 2
		return out, nil
	}
	order := make([]int, len(rate))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rate[order[a]] < rate[order[b]] })
	for r, q := range order {
		out[q] = lo + (hi-lo)*float64(r)/float64(len(rate)-1)
	}
	return out, nil
}

// Outcome is how a rollout ended.
type Outcome int

const (
	// Running: the rollout has not ended under the rule.
	Running Outcome = iota
	// Fired: the confidence rule forced the end after a marker.
	Fired
	// Aborted: no marker by K2 + Grace; forced to end, gradient zeroed
	// (weight 0).
	Aborted
	// EpsKept: no marker by K2 + Grace, kept to its natural end by the
	// ε lottery (weight 1/AbortEps).
	EpsKept
)

func (o Outcome) String() string {
	return [...]string{"running", "stopped", "aborted", "eps-kept"}[o]
}

// Result summarises a rollout.
type Result struct {
	Outcome Outcome
	// Tokens is the number of tokens fed so far.
	Tokens int
	// MarkerSeen reports that an answer marker was detected.
	MarkerSeen bool
	// Weight is the rollout's importance weight: 0 when aborted,
	// 1/AbortEps when ε-kept, else 1.
	Weight float64
}

// Rule is DUET's stop rule for one rollout, fed one token at a time.
// Before MinTokens nothing happens. From K1 on, every CheckEvery tokens the
// recent text is searched for an answer marker; once one is seen the rule is
// armed and forces the end of the response when the confidence signal has
// passed the prompt's threshold for Hysteresis consecutive tokens (skipping
// a firing with probability EpsLen). A rollout with no marker by K2 + Grace
// is aborted with probability 1 − AbortEps, else kept to its natural end
// with weight 1/AbortEps.
//
// A Rule belongs to one rollout and is not safe for concurrent use.
type Rule struct {
	cfg       *Config
	markers   *MarkerSet
	k1, k2    int
	threshold float64
	rng       *rand.Rand

	window  []byte // ring of recent text
	wstart  int
	wlen    int
	scratch []byte

	n          int
	above      int
	markerSeen bool
	graceDone  bool
	outcome    Outcome
}

// Rule returns the stop rule of one rollout: rollout index of a prompt with
// the given threshold at training step step. Its random decisions come from
// a stream derived from (Seed, step, index), so results do not depend on
// the order in which rollouts run.
func (c *Controller) Rule(step, index uint64, threshold float64) (*Rule, error) {
	if !num.IsFinite(threshold) {
		return nil, fmt.Errorf("%w: threshold %v (must be finite)", ErrInvalid, threshold)
	}
	k1, k2 := c.K()
	return &Rule{
		cfg: &c.cfg, markers: c.markers, k1: k1, k2: k2, threshold: threshold,
		rng:     randx.New(c.cfg.Seed, step, index),
		window:  make([]byte, c.cfg.WindowBytes),
		scratch: make([]byte, c.cfg.WindowBytes),
	}, nil
}

// Next feeds the token just generated (its text) and the confidence signal
// of the distribution for the following position, and reports whether the
// caller must force the end-of-sequence token next. After the rule has
// forced an end (or ε-kept the rollout) it only counts tokens.
func (r *Rule) Next(text string, confidence float64) (forceEnd bool, err error) {
	if math.IsNaN(confidence) {
		return false, fmt.Errorf("%w: confidence is NaN at token %d", ErrInvalid, r.n+1)
	}
	r.n++
	r.push(text)
	if r.outcome != Running {
		return false, nil
	}
	n := r.n
	if n < r.cfg.MinTokens {
		return false, nil
	}
	if !r.markerSeen && !r.graceDone {
		if n >= r.k1 && n%r.cfg.CheckEvery == 0 && r.detect() {
			r.markerSeen = true
		}
		if !r.markerSeen && n >= r.k2+r.cfg.Grace {
			if r.detect() {
				r.markerSeen = true
			} else if r.rng.Float64() >= r.cfg.AbortEps {
				r.outcome = Aborted
				return true, nil
			} else {
				r.outcome = EpsKept
				r.graceDone = true
				return false, nil
			}
		}
	}
	if !r.markerSeen {
		return false, nil
	}
	pass := confidence > r.threshold
	if r.cfg.Signal == Entropy {
		pass = confidence < r.threshold
	}
	if !pass {
		r.above = 0
		return false, nil
	}
	r.above++
	if r.above < r.cfg.Hysteresis {
		return false, nil
	}
	if r.cfg.EpsLen > 0 && r.rng.Float64() < r.cfg.EpsLen {
		r.above = r.cfg.Hysteresis - 1 // the next passing token may fire again
		return false, nil
	}
	r.outcome = Fired
	return true, nil
}

// push appends text to the window ring, keeping its last WindowBytes bytes.
func (r *Rule) push(text string) {
	w := len(r.window)
	if len(text) >= w {
		copy(r.window, text[len(text)-w:])
		r.wstart, r.wlen = 0, w
		return
	}
	for i := 0; i < len(text); i++ {
		if r.wlen < w {
			r.window[(r.wstart+r.wlen)%w] = text[i]
			r.wlen++
		} else {
			r.window[r.wstart] = text[i]
			if r.wstart++; r.wstart == w {
				r.wstart = 0
			}
		}
	}
}

// detect searches the window for a marker.
func (r *Rule) detect() bool {
	w := len(r.window)
	n := copy(r.scratch, r.window[r.wstart:min(w, r.wstart+r.wlen)])
	if n < r.wlen {
		copy(r.scratch[n:], r.window[:r.wlen-n])
	}
	return r.markers.Match(r.scratch[:r.wlen])
}

// Result reports the rollout's state and importance weight.
func (r *Rule) Result() Result {
	res := Result{Outcome: r.outcome, Tokens: r.n, MarkerSeen: r.markerSeen, Weight: 1}
	switch r.outcome {
	case Aborted:
		res.Weight = 0
	case EpsKept:
		res.Weight = math.Inf(1)
		if r.cfg.AbortEps > 0 {
			res.Weight = 1 / r.cfg.AbortEps
		}
	}
	return res
}

// Confidence computes a stop signal from a next-token distribution given
// as logits: the top-1 minus top-2 probability, the top-1 probability, or
// the entropy of softmax(logits). O(V), no allocation.
func Confidence(signal Signal, logits []float64) (float64, error) {
	if len(logits) == 0 {
		return 0, fmt.Errorf("%w: empty logits", ErrInvalid)
	}
	m1, m2 := math.Inf(-1), math.Inf(-1)
	for i, z := range logits {
		if math.IsNaN(z) || math.IsInf(z, 1) {
			return 0, fmt.Errorf("%w: logits[%d] = %v", ErrInvalid, i, z)
		}
		if z > m1 {
			m1, m2 = z, m1
		} else if z > m2 {
			m2 = z
		}
	}
	if math.IsInf(m1, -1) {
		return 0, fmt.Errorf("%w: every logit is −Inf", ErrInvalid)
	}
	var z, ez float64
	for _, x := range logits {
		e := math.Exp(x - m1)
		z += e
		if signal == Entropy && e > 0 {
			ez += e * (x - m1)
		}
	}
	switch signal {
	case Margin:
		return (1 - math.Exp(m2-m1)) / z, nil
	case MaxProb:
		return 1 / z, nil
	case Entropy:
		return math.Log(z) - ez/z, nil
	}
	return 0, fmt.Errorf("%w: signal %d", ErrInvalid, signal)
}

const snapKind, snapVersion = "budget.Controller", 1

type snapState struct {
	K1      int   `json:"k1"`
	K2      int   `json:"k2"`
	Step    int64 `json:"step"`
	Lengths []int `json:"lengths"` // oldest first
}

// Snapshot returns the controller's state (checkpoints, step, length
// history) as versioned JSON.
func (c *Controller) Snapshot() ([]byte, error) {
	c.mu.Lock()
	st := snapState{K1: c.k1, K2: c.k2, Step: c.step}
	if c.full {
		st.Lengths = append(append(st.Lengths, c.lengths[c.next:]...), c.lengths[:c.next]...)
	} else {
		st.Lengths = append(st.Lengths, c.lengths[:c.next]...)
	}
	c.mu.Unlock()
	return snapshot.Marshal(snapKind, snapVersion, c.cfg, st)
}

// Restore replaces the controller's state with a snapshot from a controller
// of the same configuration; on error nothing changes.
func (c *Controller) Restore(data []byte) error {
	var st snapState
	if err := snapshot.Unmarshal(data, snapKind, snapVersion, c.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if st.K1 < 0 || st.K2 < st.K1 || st.Step < 0 || len(st.Lengths) > c.cfg.History {
		return fmt.Errorf("%w: K1 = %d, K2 = %d, step %d, %d lengths", ErrSnapshot, st.K1, st.K2, st.Step, len(st.Lengths))
	}
	for _, l := range st.Lengths {
		if l < 0 {
			return fmt.Errorf("%w: negative length %d", ErrSnapshot, l)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.k1, c.k2, c.step = st.K1, st.K2, st.Step
	clear(c.lengths)
	copy(c.lengths, st.Lengths)
	c.next = len(st.Lengths) % len(c.lengths)
	c.full = len(st.Lengths) == len(c.lengths)
	return nil
}
