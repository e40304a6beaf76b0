package stoprule

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
)

// Controller holds the state DUET's stop rule shares across the rollouts of
// a training run: the checkpoints K1 and K2, the training step, the step of
// the last refit, and the history of kept rollout lengths the checkpoints
// are refitted from. It creates one Rule per rollout.
//
// The refit cadence is the reference's (ray_trainer.py): steps count from 1
// (the first EndStep ends step 1), the last refit starts at step −1, and
// EndStep refits when step − lastRefit ≥ RefitEvery and at least RefitMin
// lengths are known, so the first refit is at step RefitEvery − 1 and a
// refit deferred for lack of lengths restarts the count (e.g. 12, then 22).
//
// A Controller must be created with NewController; the methods of a zero
// Controller return an error wrapping ErrInvalid. A Controller is safe for
// concurrent use by multiple goroutines.
type Controller struct {
	cfg     Config
	markers *MarkerSet

	mu        sync.Mutex
	k1, k2    int
	step      int   // steps ended so far (the reference's global_steps after the step)
	lastRefit int   // step of the last refit, −1 before the first
	lengths   []int // ring of kept lengths
	next      int   // ring write position
	full      bool
}

var errZeroController = fmt.Errorf("%w: Controller not created with NewController", ErrInvalid)

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
	sc := &Controller{cfg: c, markers: m, lengths: make([]int, c.History), lastRefit: -1}
	sc.k1 = int(c.K1Frac * float64(c.MaxLength))
	sc.k2 = int(c.K2Frac * float64(c.MaxLength))
	return sc, nil
}

func (c *Controller) ok() bool { return c != nil && c.markers != nil }

// Config returns the configuration with defaults filled in (the zero Config
// for a zero Controller).
func (c *Controller) Config() Config {
	if !c.ok() {
		return Config{}
	}
	return c.cfg
}

// K returns the current checkpoints: markers are looked for from K1 on, and
// a rollout with no marker by K2 + Grace is aborted (or ε-kept). A zero
// Controller returns 0, 0.
func (c *Controller) K() (k1, k2 int) {
	if !c.ok() {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.k1, c.k2
}

// Step returns the number of steps ended so far.
func (c *Controller) Step() int {
	if !c.ok() {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.step
}

// ObserveLength records the length (0 ≤ length ≤ MaxLength) of a kept rollout: one that ended
// naturally, fired, or was ε-kept; aborted rollouts are not recorded, as in
// the reference. O(1).
func (c *Controller) ObserveLength(length int) error {
	if !c.ok() {
		return errZeroController
	}
	if length < 0 || length > c.cfg.MaxLength {
		return fmt.Errorf("%w: rollout length %d (must be in [0, MaxLength = %d])", ErrInvalid, length, c.cfg.MaxLength)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lengths[c.next] = length
	c.next = (c.next + 1) % len(c.lengths)
	if c.next == 0 {
		c.full = true
	}
	return nil
}

// EndStep ends a training step and reports whether it refitted K1 and K2:
// with s the step just ended (1 for the first call), it refits when
// s − lastRefit ≥ RefitEvery and at least RefitMin kept lengths are known,
// setting K1 = max(⌊q(K1Pct)⌋, MinK1) and K2 = max(⌊q(K2Pct)⌋, K1 + MinGap)
// where q is numpy's linear percentile of the last History kept lengths.
// O(History·log History) on a refit, O(1) otherwise.
func (c *Controller) EndStep() (refitted bool, err error) {
	if !c.ok() {
		return false, errZeroController
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.step == math.MaxInt {
		return false, fmt.Errorf("%w: step counter at MaxInt", ErrInvalid)
	}
	c.step++
	n := c.next
	if c.full {
		n = len(c.lengths)
	}
	if c.step-c.lastRefit < c.cfg.RefitEvery || n < c.cfg.RefitMin || n == 0 {
		return false, nil
	}
	sorted := slices.Clone(c.lengths[:n])
	sort.Ints(sorted)
	k1 := int(numpyQuantile(sorted, c.cfg.K1Pct/100))
	k2 := int(numpyQuantile(sorted, c.cfg.K2Pct/100))
	c.k1 = max(k1, c.cfg.MinK1)
	c.k2 = max(k2, c.k1+c.cfg.MinGap)
	c.lastRefit = c.step
	return true, nil
}

// Thresholds maps a batch of prompts to stop thresholds by information rate
// ŝ²/max(L̂, 1): the prompt of rank r among M (ascending, ties by index)
// gets ThresholdLow + (ThresholdHigh − ThresholdLow)·r/(M−1), so prompts
// with more information per token stop only when more confident (the
// reference's batch_percentile mapping). A single prompt gets the midpoint.
// O(M log M).
func (c *Controller) Thresholds(signal, length []float64) ([]float64, error) {
	if !c.ok() {
		return nil, errZeroController
	}
	if len(signal) != len(length) {
		return nil, fmt.Errorf("%w: len(signal) = %d, len(length) = %d (must match)", ErrInvalid, len(signal), len(length))
	}
	rate := make([]float64, len(signal))
	for q := range signal {
		if !num.IsFinite(signal[q]) || !num.IsFinite(length[q]) || length[q] < 0 {
			return nil, fmt.Errorf("%w: prompt %d: signal %v, length %v (must be finite, length ≥ 0)", ErrInvalid, q, signal[q], length[q])
		}
		// ŝ² may overflow to +Inf for |ŝ| > 1e154; ranks only need the order,
		// which the log keeps: ln ŝ² − ln L̂.
		rate[q] = 2*math.Log(math.Abs(signal[q])) - math.Log(math.Max(length[q], 1))
	}
	lo, hi := c.cfg.ThresholdLow, c.cfg.ThresholdHigh
	out := make([]float64, len(rate))
	if len(rate) == 1 {
		out[0] = lo + (hi-lo)/2
		return out, nil
	}
	order := make([]int, len(rate))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rate[order[a]] < rate[order[b]] })
	for r, q := range order {
		out[q] = lo + (hi-lo)*(float64(r)/float64(len(rate)-1))
	}
	return out, nil
}

// Rule returns the stop rule of rollout index (≥ 0) of a prompt with the
// given finite threshold at training step step (≥ 0), using the current K1
// and K2. Its random decisions come from a stream derived from (Seed, step,
// index), so results do not depend on the order in which rollouts run.
func (c *Controller) Rule(step, index int, threshold float64) (*Rule, error) {
	if !c.ok() {
		return nil, errZeroController
	}
	if step < 0 || index < 0 {
		return nil, fmt.Errorf("%w: step = %d, index = %d (must be ≥ 0)", ErrInvalid, step, index)
	}
	if !num.IsFinite(threshold) {
		return nil, fmt.Errorf("%w: threshold = %v (must be finite)", ErrInvalid, threshold)
	}
	k1, k2 := c.K()
	return &Rule{
		cfg: &c.cfg, markers: c.markers, k1: k1, k2: k2, threshold: threshold,
		rng: randx.New(c.cfg.Seed, uint64(step), uint64(index)),
	}, nil
}

// numpyQuantile is numpy.quantile's default (method "linear", Hyndman and
// Fan's type 7) on sorted data, with numpy's own interpolation order: at
// virtual index h = (n−1)·q with i = ⌊h⌋, t = h − i and d = s[i+1] − s[i],
// it returns s[i] + d·t when t < ½ and s[i+1] − d·(1−t) otherwise. The
// reference truncates the result to an int, so the last ulp decides K1 and
// K2 at exact ties (internal/num's QuantileSorted interpolates from below
// only, which can differ by one after truncation).
func numpyQuantile(s []int, q float64) float64 {
	h := float64(len(s)-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(s)-1 {
		return float64(s[len(s)-1])
	}
	a, b := float64(s[i]), float64(s[i+1])
	t, d := h-lo, b-a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}
