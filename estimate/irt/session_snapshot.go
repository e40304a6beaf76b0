package irt

import (
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// sessionSnapConfig is what a snapshot must match.
type sessionSnapConfig struct {
	Bank         string    `json:"bank"`
	Selection    Selection `json:"selection"`
	Randomesque  int       `json:"randomesque"`
	CostExponent float64   `json:"cost_exponent"`
	Budget       float64   `json:"budget"`
	Stop         Stopping  `json:"stop"`
	PriorMean    float64   `json:"prior_mean"`
	PriorSD      float64   `json:"prior_sd"`
	Lo           float64   `json:"lo"`
	Hi           float64   `json:"hi"`
	Tol          float64   `json:"tol"`
	MaxIter      int       `json:"max_iter"`
	Seed         uint64    `json:"seed"`
}

type sessionSnapState struct {
	Items  []int     `json:"items"`
	Scores []float64 `json:"scores"`
	Costs  []float64 `json:"costs"`
	RNG    []byte    `json:"rng"`
	// Pending is the item Next chose that Observe has not taken (−1: none).
	Pending int `json:"pending"`
}

const sessionKind, sessionVersion = "irt.Session", 1

func (s *Session) snapConfig() sessionSnapConfig {
	return sessionSnapConfig{
		Bank: s.print, Selection: s.sel, Randomesque: s.cfg.Randomesque, CostExponent: s.cfg.CostExponent,
		Budget: s.cfg.Budget, Stop: s.cfg.Stopping, PriorMean: s.ab.mean, PriorSD: s.ab.sd, Lo: s.ab.lo, Hi: s.ab.hi,
		Tol: s.ab.tol, MaxIter: s.ab.maxIter, Seed: s.cfg.Seed,
	}
}

// Snapshot returns the session's state as versioned JSON: the observations
// in order and the generator's state. The bank itself is not stored, only
// its fingerprint; restore into a Session built from the same bank and
// configuration.
func (s *Session) Snapshot() ([]byte, error) {
	if s.bank == nil {
		return nil, errNotCreated
	}
	rng, err := s.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	st := sessionSnapState{Items: s.order, Scores: s.scores, Costs: s.paid, RNG: rng, Pending: s.pending}
	return snapshot.Marshal(sessionKind, sessionVersion, s.snapConfig(), st)
}

// Restore replaces the session's state with a snapshot taken from a
// Session over the same bank (and costs) with the same configuration,
// replaying its observations, so that it continues bit-identically. On
// error (wrapping ErrSnapshot) the session is unchanged.
func (s *Session) Restore(data []byte) error {
	if s.bank == nil {
		return errNotCreated
	}
	var st sessionSnapState
	if err := snapshot.Unmarshal(data, sessionKind, sessionVersion, s.snapConfig(), &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Scores) != len(st.Items) || len(st.Costs) != len(st.Items) {
		return fmt.Errorf("%w: %d items, %d scores, %d costs", ErrSnapshot, len(st.Items), len(st.Scores), len(st.Costs))
	}
	pcg := rand.NewPCG(0, 0)
	if err := pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("%w: rng: %v", ErrSnapshot, err)
	}
	cfg := s.cfg
	cfg.Costs = s.costs
	cfg.Selection = s.sel
	if s.itemCov != nil {
		p := (s.d + 1) * (s.d + 1)
		cfg.ItemCov = make([][]float64, len(s.bank))
		for j := range cfg.ItemCov {
			cfg.ItemCov[j] = s.itemCov[j*p : (j+1)*p]
		}
	}
	fresh, err := NewSession(s.bank, cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	for n, j := range st.Items {
		if err := fresh.Observe(j, st.Scores[n], st.Costs[n]); err != nil {
			return fmt.Errorf("%w: observation %d: %w", ErrSnapshot, n, err)
		}
	}
	if st.Pending < -1 || st.Pending >= len(s.bank) || (st.Pending >= 0 && fresh.administered[st.Pending]) {
		return fmt.Errorf("%w: pending item %d (bank has %d items; it must not be administered)", ErrSnapshot, st.Pending, len(s.bank))
	}
	fresh.pending = st.Pending
	fresh.pcg = pcg
	fresh.rng = rand.New(pcg)
	*s = *fresh
	return nil
}
