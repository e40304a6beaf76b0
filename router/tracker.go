package router

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// TauTrackerConfig configures a TauTracker. Zero fields mean the defaults.
type TauTrackerConfig struct {
	// Target is the strong fraction p to hold, in (0, 1). Required.
	Target float64
	// Eta is the step size η (default 0.01, in score units).
	Eta float64
	// Decay is the step-size exponent κ ∈ [0, 1): ηₜ = η·(t+1)^−κ. The
	// default 0 keeps the step constant, which tracks drifting traffic;
	// κ ∈ (0.5, 1) gives the classical Robbins–Monro conditions for a
	// stationary stream.
	Decay float64
	// InitialTau is τ₀, typically CalibrateTau's offline value (default 0.5).
	InitialTau float64
	// Min and Max bound τ (defaults 0 and 1, the range of win-rate scores).
	Min, Max float64
}

func (c TauTrackerConfig) withDefaults() (TauTrackerConfig, error) {
	if !(c.Target > 0 && c.Target < 1) {
		return c, fmt.Errorf("%w: TauTrackerConfig.Target = %v (must be in (0, 1))", ErrInvalid, c.Target)
	}
	if c.Eta == 0 {
		c.Eta = 0.01
	}
	if c.InitialTau == 0 {
		c.InitialTau = 0.5
	}
	if c.Min == 0 && c.Max == 0 {
		c.Max = 1
	}
	if !num.IsFinite(c.Eta) || c.Eta <= 0 {
		return c, fmt.Errorf("%w: TauTrackerConfig.Eta = %v (must be finite and > 0)", ErrInvalid, c.Eta)
	}
	if !(c.Decay >= 0 && c.Decay < 1) {
		return c, fmt.Errorf("%w: TauTrackerConfig.Decay = %v (must be in [0, 1))", ErrInvalid, c.Decay)
	}
	if !num.IsFinite(c.Min) || !num.IsFinite(c.Max) || c.Min >= c.Max {
		return c, fmt.Errorf("%w: TauTrackerConfig.Min, Max = %v, %v (must be finite with Min < Max)", ErrInvalid, c.Min, c.Max)
	}
	if !num.IsFinite(c.InitialTau) || c.InitialTau < c.Min || c.InitialTau > c.Max {
		return c, fmt.Errorf("%w: TauTrackerConfig.InitialTau = %v (must be in [Min, Max])", ErrInvalid, c.InitialTau)
	}
	return c, nil
}

// TauTracker keeps the realised strong fraction of a threshold router at a
// target p on live traffic by stochastic approximation (Robbins & Monro, "A
// Stochastic Approximation Method", 1951) on τ: after each decision
//
//	τ ← clip(τ + ηₜ·(1{s ≥ τ} − p), Min, Max)
//
// whose fixed point is the (1 − p)-quantile of the live score distribution,
// i.e. CalibrateTau on the traffic actually seen. With a constant step the
// updates telescope: over T decisions without clipping,
//
//	|realised strong fraction − p| = |τ_T − τ₀| / (η·T),
//
// so the realised fraction converges at rate 1/(ηT) whatever the traffic.
//
// TauTracker is safe for concurrent use.
type TauTracker struct {
	mu  sync.Mutex
	cfg TauTrackerConfig
	st  trackerState
}

type trackerState struct {
	Tau    float64 `json:"tau"`
	N      int     `json:"n"`
	Strong int     `json:"strong"`
}

// NewTauTracker returns a tracker starting at cfg.InitialTau.
func NewTauTracker(cfg TauTrackerConfig) (*TauTracker, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &TauTracker{cfg: c, st: trackerState{Tau: c.InitialTau}}, nil
}

// Decide reports whether a query with win-rate score s goes to the strong
// model (s ≥ τ) and updates τ. s must be finite.
func (t *TauTracker) Decide(s float64) (strong bool, err error) {
	if t.cfg.Target == 0 {
		return false, errNotCreated("TauTracker", "NewTauTracker")
	}
	if !num.IsFinite(s) {
		return false, fmt.Errorf("%w: score = %v (must be finite)", ErrInvalid, s)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	strong = s >= t.st.Tau
	ind := 0.0
	if strong {
		ind = 1
		t.st.Strong++
	}
	eta := t.cfg.Eta
	if t.cfg.Decay > 0 {
		eta *= math.Pow(float64(t.st.N+1), -t.cfg.Decay)
	}
	t.st.N++
	t.st.Tau = num.Clamp(t.st.Tau+eta*(ind-t.cfg.Target), t.cfg.Min, t.cfg.Max)
	return strong, nil
}

// Tau returns the current threshold (0 for a zero TauTracker).
func (t *TauTracker) Tau() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st.Tau
}

// Fraction returns the realised strong fraction over all decisions so far
// (0 before the first) and their number.
func (t *TauTracker) Fraction() (float64, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.st.N == 0 {
		return 0, 0
	}
	return float64(t.st.Strong) / float64(t.st.N), t.st.N
}

const trackerKind, trackerVersion = "router.TauTracker", 1

// Snapshot returns the tracker's state (τ and the decision counts) as
// versioned JSON.
func (t *TauTracker) Snapshot() ([]byte, error) {
	if t.cfg.Target == 0 {
		return nil, errNotCreated("TauTracker", "NewTauTracker")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return snapshot.Marshal(trackerKind, trackerVersion, t.cfg, t.st)
}

// Restore restores a snapshot taken from a tracker with the same
// configuration; on error the tracker is unchanged.
func (t *TauTracker) Restore(data []byte) error {
	if t.cfg.Target == 0 {
		return errNotCreated("TauTracker", "NewTauTracker")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var st trackerState
	if err := snapshot.Unmarshal(data, trackerKind, trackerVersion, t.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if !num.IsFinite(st.Tau) || st.Tau < t.cfg.Min || st.Tau > t.cfg.Max || st.N < 0 || st.Strong < 0 || st.Strong > st.N {
		return fmt.Errorf("%w: %w: state %+v out of range", ErrSnapshot, snapshot.ErrCorrupt, st)
	}
	t.st = st
	return nil
}

// TrackedThreshold routes between a weak and a strong model with a
// TauTracker's live threshold. It is safe for concurrent use if Scorer is.
type TrackedThreshold struct {
	Weak, Strong Model
	Scorer       WinRateScorer
	Tracker      *TauTracker
}

// Route scores q, decides with the tracker and updates it.
func (r *TrackedThreshold) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if r.Scorer == nil || r.Tracker == nil {
		return bad, fmt.Errorf("%w: TrackedThreshold needs a Scorer and a Tracker", ErrInvalid)
	}
	models := []Model{r.Weak, r.Strong}
	if err := validateModels(models); err != nil {
		return bad, err
	}
	s, err := r.Scorer.WinRate(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: win-rate scorer: %w", err)
	}
	if err := checkProb("win rate", s); err != nil {
		return bad, err
	}
	k := 0
	if strong, _ := r.Tracker.Decide(s); strong {
		k = 1
	}
	c, err := modelCost(models, k, q)
	if err != nil {
		return bad, err
	}
	return Choice{Model: models[k].Name, Index: k, Tier: models[k].Tier, Quality: s, Cost: c, Domain: -1}, nil
}

var _ Router = (*TrackedThreshold)(nil)
