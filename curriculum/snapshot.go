package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Version 2: per-arm means instead of sums (UCB1, D-UCB, SW-UCB) and int
// steps.
const samplerKind, samplerVersion = "curriculum.Sampler", 2

type samplerSnapConfig struct {
	Config SamplerConfig `json:"config"`
	Arms   []string      `json:"arms"`
}

// Snapshot returns the sampler's complete state — windows as windows, Q
// values, means, posteriors, counts and the last step — as versioned JSON. A
// sampler restored from it continues bit-identically.
func (s *Sampler) Snapshot() ([]byte, error) {
	if s.arms == nil {
		return nil, errNotCreated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshot.Marshal(samplerKind, samplerVersion, samplerSnapConfig{s.cfg, s.arms}, s.st)
}

// Restore replaces the state with a snapshot from a sampler with the same
// configuration and arm names. Every field's domain is checked (finite,
// non-negative where the sampler keeps it so, Thompson's α, β ≥ 1 with
// α+β ≤ MaxPosterior, windows within their capacity, SW-UCB's records
// increasing and inside the window); on error, which wraps ErrSnapshot,
// nothing changes.
func (s *Sampler) Restore(data []byte) error {
	if s.arms == nil {
		return errNotCreated
	}
	var st samplerState
	if err := snapshot.Unmarshal(data, samplerKind, samplerVersion, samplerSnapConfig{s.cfg, s.arms}, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if err := s.checkState(&st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	s.publish()
	return nil
}

// checkState validates a decoded state against the sampler's shape and each
// field's domain.
func (s *Sampler) checkState(st *samplerState) error {
	k := len(s.arms)
	vec := func(name string, v []float64, want bool, lo, hi float64) error {
		if !want {
			if len(v) != 0 {
				return fmt.Errorf("unexpected %s", name)
			}
			return nil
		}
		if len(v) != k {
			return fmt.Errorf("%s has %d entries, want %d", name, len(v), k)
		}
		for i, x := range v {
			if !(x >= lo && x <= hi) {
				return fmt.Errorf("%s[%d] = %v (must be in [%v, %v])", name, i, x, lo, hi)
			}
		}
		return nil
	}
	m := s.cfg.Method
	if !st.Started && st.LastStep != 0 {
		return fmt.Errorf("last_step %d without a started sampler", st.LastStep)
	}
	const top = math.MaxFloat64
	for _, e := range []error{
		vec("counts", st.Counts, m == DUMP || m == UCB1 || m == DUCB, 0, top),
		vec("q", st.Q, m == SEC || m == Exp3, 0, top),
		vec("means", st.Means, m == UCB1 || m == DUCB, 0, top),
		vec("alpha", st.Alpha, m == Thompson, 1, MaxPosterior),
		vec("beta", st.Beta, m == Thompson, 1, MaxPosterior),
	} {
		if e != nil {
			return e
		}
	}
	if m == Thompson {
		for i := range st.Alpha {
			if st.Alpha[i]+st.Beta[i] > MaxPosterior {
				return fmt.Errorf("alpha[%d] + beta[%d] = %v (must be ≤ %v)", i, i, st.Alpha[i]+st.Beta[i], MaxPosterior)
			}
		}
	}
	if m == DUMP {
		if len(st.Windows) != k || len(st.WinStart) != k {
			return fmt.Errorf("%d windows and %d starts, want %d", len(st.Windows), len(st.WinStart), k)
		}
		lo := 0.0
		if s.cfg.ValidationFeed {
			lo = -top
		}
		for i, w := range st.Windows {
			if len(w) > s.cfg.Window {
				return fmt.Errorf("window %d holds %d values, capacity %d", i, len(w), s.cfg.Window)
			}
			if st.WinStart[i] < 0 || st.WinStart[i] >= max(len(w), 1) || (len(w) < s.cfg.Window && st.WinStart[i] != 0) {
				return fmt.Errorf("window %d start %d", i, st.WinStart[i])
			}
			for j, x := range w {
				if !(x >= lo && x <= top) {
					return fmt.Errorf("windows[%d][%d] = %v", i, j, x)
				}
			}
		}
	} else if len(st.Windows) != 0 || len(st.WinStart) != 0 {
		return fmt.Errorf("unexpected windows")
	}
	if m == SWUCB {
		if len(st.Steps) > s.cfg.Window || (len(st.Steps) > 0 && !st.Started) {
			return fmt.Errorf("%d step records (window %d)", len(st.Steps), s.cfg.Window)
		}
		for j, rec := range st.Steps {
			if len(rec.Means) != k || len(rec.Counts) != k || (j > 0 && rec.Step <= st.Steps[j-1].Step) ||
				rec.Step > st.LastStep || (st.LastStep-s.cfg.Window < st.LastStep && rec.Step <= st.LastStep-s.cfg.Window) {
				return fmt.Errorf("step record %d malformed", j)
			}
			for i := range rec.Means {
				if !(rec.Means[i] >= 0 && rec.Means[i] <= top) || !(rec.Counts[i] >= 0 && rec.Counts[i] <= top) {
					return fmt.Errorf("step record %d arm %d: mean %v, count %v", j, i, rec.Means[i], rec.Counts[i])
				}
			}
		}
	} else if len(st.Steps) != 0 {
		return fmt.Errorf("unexpected step records")
	}
	return nil
}
