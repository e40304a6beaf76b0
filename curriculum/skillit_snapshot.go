package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const skillItKind, skillItVersion = "curriculum.SkillIt", 1

type skillItSnapConfig struct {
	K                 int       `json:"k"`
	Graph             []float64 `json:"graph"`
	Eta               float64   `json:"eta"`
	Window            int       `json:"window"`
	Prior             []float64 `json:"prior"`
	Normalize         bool      `json:"normalize,omitempty"`
	EtaByLoss         bool      `json:"eta_by_loss,omitempty"`
	EtaSchedule       bool      `json:"eta_schedule,omitempty"`
	DynamicLambda     bool      `json:"dynamic_lambda,omitempty"`
	SecondLossAsFirst bool      `json:"second_loss_as_first,omitempty"`
}

type skillItState struct {
	Hist   [][]float64 `json:"hist"` // the ring in slot order
	Next   int         `json:"next"`
	Rounds int         `json:"rounds"`
	First  []float64   `json:"first,omitempty"`
	Last   []float64   `json:"last,omitempty"`
}

func (s *SkillIt) snapConfig() skillItSnapConfig {
	return skillItSnapConfig{K: s.k, Graph: s.a0, Eta: s.cfg.Eta, Window: s.cfg.Window, Prior: s.init,
		Normalize: s.cfg.Normalize, EtaByLoss: s.cfg.EtaByLoss, EtaSchedule: s.cfg.EtaSchedule != nil,
		DynamicLambda: s.cfg.DynamicLambda, SecondLossAsFirst: s.cfg.SecondLossAsFirst}
}

var errSkillItNotCreated = fmt.Errorf("%w: SkillIt not created with NewSkillIt", ErrInvalid)

// Snapshot returns the mixture's state — the window of loss vectors, the
// reference losses and the round count — as versioned JSON. The graph after
// dynamic-λ halving is a function of the round count and is not stored. A
// SkillIt restored from it (created with the same configuration, including
// the same EtaSchedule function, which a snapshot cannot hold) continues
// bit-identically.
func (s *SkillIt) Snapshot() ([]byte, error) {
	if s.k == 0 {
		return nil, errSkillItNotCreated
	}
	return snapshot.Marshal(skillItKind, skillItVersion, s.snapConfig(),
		skillItState{Hist: s.hist, Next: s.next, Rounds: s.rounds, First: s.first, Last: s.last})
}

// Restore replaces the state with a snapshot of a SkillIt with the same
// configuration. Every field's domain is checked (window length and cursor,
// K finite losses per vector, positive reference losses with Normalize, a
// round count covering the window, a finite mixture); on error, which wraps
// ErrSnapshot, nothing changes.
func (s *SkillIt) Restore(data []byte) error {
	if s.k == 0 {
		return errSkillItNotCreated
	}
	var st skillItState
	if err := snapshot.Unmarshal(data, skillItKind, skillItVersion, s.snapConfig(), &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
	vec := func(name string, v []float64, positive bool) error {
		if len(v) != s.k {
			return bad("%s has %d entries, want %d", name, len(v), s.k)
		}
		for i, x := range v {
			if !num.IsFinite(x) || (positive && !(x > 0)) {
				return bad("%s[%d] = %v", name, i, x)
			}
		}
		return nil
	}
	switch {
	case len(st.Hist) > s.cfg.Window:
		return bad("%d loss vectors for a window of %d", len(st.Hist), s.cfg.Window)
	case st.Next < 0 || st.Next >= max(len(st.Hist), 1) || (len(st.Hist) < s.cfg.Window && st.Next != 0):
		return bad("ring cursor %d with %d vectors", st.Next, len(st.Hist))
	case st.Rounds < len(st.Hist) || st.Rounds >= math.MaxInt:
		return bad("%d rounds for %d vectors", st.Rounds, len(st.Hist))
	case (st.Rounds > 0) != (st.Last != nil):
		return bad("last losses inconsistent with %d rounds", st.Rounds)
	case (st.Rounds > 0 && (s.cfg.Normalize || s.cfg.EtaByLoss)) != (st.First != nil):
		return bad("reference losses inconsistent with %d rounds", st.Rounds)
	}
	for i, v := range st.Hist {
		if err := vec(fmt.Sprintf("hist[%d]", i), v, false); err != nil {
			return err
		}
	}
	if st.Last != nil {
		if err := vec("last", st.Last, false); err != nil {
			return err
		}
	}
	if st.First != nil {
		if err := vec("first", st.First, s.cfg.Normalize); err != nil {
			return err
		}
	}
	old := *s
	s.hist, s.next, s.rounds, s.first, s.last = st.Hist, st.Next, st.Rounds, st.First, st.Last
	s.a = append([]float64(nil), s.a0...)
	if s.cfg.DynamicLambda {
		for r := 0; r < min(st.Rounds, 1100); r++ { // after 1,075 halvings every entry is 0
			s.halve()
		}
	}
	s.sum, s.logit, s.probs = make([]float64, s.k), make([]float64, s.k), make([]float64, s.k)
	s.recompute()
	if _, ok := num.AllFinite(s.logit); !ok {
		*s = old
		return bad("the mixture's exponent overflows")
	}
	return nil
}
