package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const samplerKind, samplerVersion = "curriculum.Sampler", 1

type samplerSnapConfig struct {
	Config Config   `json:"config"`
	Arms   []string `json:"arms"`
}

// Snapshot returns the sampler's complete state — windows as windows, Q
// values, posteriors, counts and the last step — as versioned JSON. A
// sampler restored from it continues bit-identically.
func (s *Sampler) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshot.Marshal(samplerKind, samplerVersion, samplerSnapConfig{s.cfg, s.arms}, s.st)
}

// Restore replaces the state with a snapshot from a sampler with the same
// configuration and arm names; on error nothing changes.
func (s *Sampler) Restore(data []byte) error {
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

// checkState validates a decoded state against the sampler's shape.
func (s *Sampler) checkState(st *samplerState) error {
	k := len(s.arms)
	vec := func(name string, v []float64, want bool, lo float64) error {
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
			if math.IsNaN(x) || math.IsInf(x, 0) || x < lo {
				return fmt.Errorf("%s[%d] = %v", name, i, x)
			}
		}
		return nil
	}
	m := s.cfg.Method
	if !st.Started {
		st.LastStep = math.MinInt64
	}
	for _, e := range []error{
		vec("counts", st.Counts, m == DUMP || m == UCB1 || m == DUCB, 0),
		vec("q", st.Q, m == SEC || m == Exp3, math.Inf(-1)),
		vec("sums", st.Sums, m == UCB1 || m == DUCB, 0),
		vec("alpha", st.Alpha, m == Thompson, 1e-300),
		vec("beta", st.Beta, m == Thompson, 1e-300),
	} {
		if e != nil {
			return e
		}
	}
	if m == DUMP {
		if len(st.Windows) != k || len(st.WinStart) != k {
			return fmt.Errorf("%d windows and %d starts, want %d", len(st.Windows), len(st.WinStart), k)
		}
		for i, w := range st.Windows {
			if len(w) > s.cfg.Window {
				return fmt.Errorf("window %d holds %d values, capacity %d", i, len(w), s.cfg.Window)
			}
			if st.WinStart[i] < 0 || st.WinStart[i] >= max(len(w), 1) || (len(w) < s.cfg.Window && st.WinStart[i] != 0) {
				return fmt.Errorf("window %d start %d", i, st.WinStart[i])
			}
			for _, x := range w {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("window %d holds %v", i, x)
				}
			}
		}
	} else if len(st.Windows) != 0 || len(st.WinStart) != 0 {
		return fmt.Errorf("unexpected windows")
	}
	if m == SWUCB {
		for j, rec := range st.Steps {
			if len(rec.Sums) != k || len(rec.Counts) != k || (j > 0 && rec.Step <= st.Steps[j-1].Step) {
				return fmt.Errorf("step record %d malformed", j)
			}
			for i := range rec.Sums {
				if !(rec.Sums[i] >= 0) || !(rec.Counts[i] >= 0) || math.IsInf(rec.Sums[i], 0) || math.IsInf(rec.Counts[i], 0) {
					return fmt.Errorf("step record %d arm %d: %v, %v", j, i, rec.Sums[i], rec.Counts[i])
				}
			}
		}
	} else if len(st.Steps) != 0 {
		return fmt.Errorf("unexpected step records")
	}
	return nil
}
