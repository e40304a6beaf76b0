package irt

import (
	"fmt"
	"math"
)

// StopReason says why a Session is done.
type StopReason int

const (
	// StopRunning: no stopping rule has fired; the session is still running.
	StopRunning StopReason = iota
	// StopBankExhausted: every item has been administered.
	StopBankExhausted
	// StopBudget: the budget is spent, or no remaining item fits in it.
	StopBudget
	// StopMaxItems: Stopping.MaxItems items have been administered.
	StopMaxItems
	// StopStandardError: the SE of every coordinate of θ̂ is ≤ Stopping.MaxSE.
	StopStandardError
	// StopConverged: the last observation moved θ̂ by less than
	// Stopping.MinChange on every coordinate.
	StopConverged
)

// String describes the reason, or prints StopReason(n) for an unknown value.
func (r StopReason) String() string {
	switch r {
	case StopRunning:
		return "running"
	case StopBankExhausted:
		return "bank exhausted"
	case StopBudget:
		return "budget spent"
	case StopMaxItems:
		return "maximum items"
	case StopStandardError:
		return "standard error reached"
	case StopConverged:
		return "estimate converged"
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Stopping holds a Session's composable stopping rules. Stop evaluates them
// in catsim's priority order: the hard limits first (bank exhausted, budget,
// MaxItems), then the MinItems gate, then the precision rules (MaxSE,
// MinChange). Zero fields mean the defaults.
type Stopping struct {
	// MaxItems stops after this many items (default 100; negative: no limit).
	MaxItems int `json:"max_items"`
	// MinItems keeps the precision rules from stopping before this many
	// items (default 0).
	MinItems int `json:"min_items"`
	// MaxSE stops once the standard error of every coordinate is ≤ MaxSE
	// (0: rule off; 0.3 is the usual CAT target).
	MaxSE float64 `json:"max_se"`
	// MinChange stops once an observation moves every coordinate of θ̂ by
	// less than MinChange (0: rule off).
	MinChange float64 `json:"min_change"`
}

// Stop reports why the test should stop now, or StopRunning while it should
// go on, checking in order: bank exhausted, budget (spent, or no remaining
// item fits), MaxItems, then — once MinItems items have been administered —
// MaxSE and MinChange. Next consults it; call it after the loop to learn
// why the loop ended. O(n) for n items with a budget, O(D) otherwise; no
// allocation. A zero Session reports StopRunning.
func (s *Session) Stop() StopReason {
	if s.bank == nil {
		return StopRunning
	}
	n := len(s.order)
	if n == len(s.bank) {
		return StopBankExhausted
	}
	if s.cfg.Budget > 0 {
		rem := s.remaining()
		fits := false
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				fits = true
				break
			}
		}
		if !fits {
			return StopBudget
		}
	}
	if s.cfg.Stopping.MaxItems > 0 && n >= s.cfg.Stopping.MaxItems {
		return StopMaxItems
	}
	if n < s.cfg.Stopping.MinItems {
		return StopRunning
	}
	if s.cfg.Stopping.MaxSE > 0 {
		ok := true
		for _, e := range s.se {
			ok = ok && e <= s.cfg.Stopping.MaxSE
		}
		if ok {
			return StopStandardError
		}
	}
	if s.cfg.Stopping.MinChange > 0 && n > 0 {
		ok := true
		for k := range s.theta {
			ok = ok && math.Abs(s.theta[k]-s.prev[k]) < s.cfg.Stopping.MinChange
		}
		if ok {
			return StopConverged
		}
	}
	return StopRunning
}
