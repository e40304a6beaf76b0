package router

import (
	"fmt"
	"slices"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Fallback says what a Pacer does when no model fits the budget.
type Fallback int

const (
	// FallbackReject rejects the request with ErrBudgetExhausted (default).
	// Spend then never exceeds the budget (see Pacer for the conditions).
	FallbackReject Fallback = iota
	// FallbackCheapest serves the request with the cheapest model anyway
	// (a soft budget: spend may exceed it by the fallback calls' cost).
	FallbackCheapest
)

// String returns "FallbackReject" or "FallbackCheapest", or Fallback(n) for
// an unknown value.
func (f Fallback) String() string {
	switch f {
	case FallbackReject:
		return "FallbackReject"
	case FallbackCheapest:
		return "FallbackCheapest"
	}
	return fmt.Sprintf("Fallback(%d)", int(f))
}

// PacerConfig configures a Pacer. Zero fields mean the defaults.
type PacerConfig struct {
	// Models to route among (N ≥ 1, any order).
	Models []Model
	// Budget is the total spend allowed over Horizon requests.
	Budget float64
	// Horizon is the expected number of requests the Budget must last.
	Horizon int
	// Window, WindowBudget: spend charged to requests routed in any
	// rolling window of length Window must not exceed WindowBudget.
	// WindowRequests is the expected number of requests per window, used
	// as the pacing target when there is no horizon Budget.
	Window         time.Duration
	WindowBudget   float64
	WindowRequests int
	// Eta is the dual step size η in units of the per-request budget
	// (default 0.05); see Pacer.
	Eta float64
	// Multiplicative selects the multiplicative-weights dual update.
	Multiplicative bool
	// InitialLambda is the starting μ (default 0; 1 when Multiplicative).
	InitialLambda float64
	// WarmStart, if > 0, fits μ after the first WarmStart requests from
	// their predictions by the batch dual (PORT's warm start), at most 2²⁰.
	WarmStart int
	// Fallback chooses reject (default) or cheapest when nothing fits.
	Fallback Fallback
}

// withDefaults validates c and fills in its defaults.
func (c PacerConfig) withDefaults() (PacerConfig, error) {
	if err := validateModels(c.Models); err != nil {
		return c, err
	}
	c.Models = slices.Clone(c.Models)
	hasH := c.Budget != 0 || c.Horizon != 0
	hasW := c.Window != 0 || c.WindowBudget != 0 || c.WindowRequests != 0
	if !hasH && !hasW {
		return c, fmt.Errorf("%w: PacerConfig has no Budget and no WindowBudget (budget must be > 0)", ErrInvalid)
	}
	if hasH {
		if !num.IsFinite(c.Budget) || c.Budget <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Budget = %v (must be finite and > 0)", ErrInvalid, c.Budget)
		}
		if c.Horizon <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Horizon = %d (must be > 0 with a Budget)", ErrInvalid, c.Horizon)
		}
	}
	if hasW {
		if c.Window <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Window = %v (must be > 0 with a WindowBudget)", ErrInvalid, c.Window)
		}
		if !num.IsFinite(c.WindowBudget) || c.WindowBudget <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.WindowBudget = %v (must be finite and > 0)", ErrInvalid, c.WindowBudget)
		}
		if c.WindowRequests < 0 || (!hasH && c.WindowRequests == 0) {
			return c, fmt.Errorf("%w: PacerConfig.WindowRequests = %d (must be > 0 without a horizon Budget)", ErrInvalid, c.WindowRequests)
		}
	}
	if c.Eta == 0 {
		c.Eta = 0.05
	}
	if !num.IsFinite(c.Eta) || c.Eta <= 0 {
		return c, fmt.Errorf("%w: PacerConfig.Eta = %v (must be finite and > 0)", ErrInvalid, c.Eta)
	}
	if c.Multiplicative && c.InitialLambda == 0 {
		c.InitialLambda = 1
	}
	if !num.IsFinite(c.InitialLambda) || c.InitialLambda < 0 {
		return c, fmt.Errorf("%w: PacerConfig.InitialLambda = %v (must be finite and ≥ 0)", ErrInvalid, c.InitialLambda)
	}
	if c.WarmStart < 0 || c.WarmStart > 1<<20 {
		return c, fmt.Errorf("%w: PacerConfig.WarmStart = %d (must be in [0, 2²⁰])", ErrInvalid, c.WarmStart)
	}
	if c.Fallback != FallbackReject && c.Fallback != FallbackCheapest {
		return c, fmt.Errorf("%w: PacerConfig.Fallback = %v (unknown)", ErrInvalid, c.Fallback)
	}
	return c, nil
}
