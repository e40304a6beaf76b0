package router

import (
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

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

// LedgerFailure says what a Pacer does when its Ledger is unavailable
// (an error wrapping ErrLedgerUnavailable from Reserve).
type LedgerFailure int

const (
	// FailClosed rejects the request with an error wrapping both
	// ErrRejected and ErrLedgerUnavailable (the default).
	FailClosed LedgerFailure = iota
	// FailOpen serves the request without the ledger as long as the cost
	// of the requests so served since the ledger last answered stays
	// within PacerConfig.FailOpenCap; beyond it, it rejects as FailClosed.
	FailOpen
)

// String returns "FailClosed" or "FailOpen", or LedgerFailure(n) for an
// unknown value.
func (f LedgerFailure) String() string {
	switch f {
	case FailClosed:
		return "FailClosed"
	case FailOpen:
		return "FailOpen"
	}
	return fmt.Sprintf("LedgerFailure(%d)", int(f))
}

// Tenant is a budget below the pacer's root budget: an API key, a team, a
// project. Tenants form a tree under the root (Parent "" is the root); a
// request for a tenant is charged to the tenant and every ancestor, and is
// admitted only if each has room.
type Tenant struct {
	// Name identifies the tenant (Query.Tenant) and its ledger account;
	// non-empty valid UTF-8, unique, not the root's name.
	Name string
	// Parent is the parent tenant's name, or "" for the root.
	Parent string
	// Budget is the spend allowed per Period (finite, > 0).
	Budget float64
	// Period is when the budget resets (the zero Period never resets).
	Period Period
	// Requests is the expected number of the tenant's requests per Period
	// (over its lifetime for the zero Period), the prior of its traffic
	// forecast. With Requests > 0 the tenant's budget is paced (it has its
	// own dual price); with 0 it is only a cap, enforced at admission.
	Requests int
}

// PacerConfig configures a Pacer. Zero fields mean the defaults.
type PacerConfig struct {
	// Models to route among (N ≥ 1, any order).
	Models []Model
	// Budget is the root budget: the spend allowed per Period (over the
	// pacer's lifetime for the zero Period).
	Budget float64
	// Horizon is the expected number of requests per Period (over the
	// lifetime for the zero Period), the prior of the traffic forecast.
	Horizon int
	// Period is when the root budget resets (default: never).
	Period Period
	// Account names the root budget in the ledger (default "global").
	Account string
	// Tenants are budgets below the root (any depth), parents before
	// children. More can be added later with Pacer.AddTenant.
	Tenants []Tenant
	// Window, WindowBudget: spend charged to requests routed in any
	// rolling window of length Window must not exceed WindowBudget
	// (enforced by the pacer itself, not the ledger). WindowRequests is
	// the expected number of requests per window, used as the pacing
	// target when there is no root Budget.
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
	// WarmStart, if > 0, fits the root's μ after the first WarmStart
	// requests from their predictions by the batch dual (PORT's warm
	// start), at most 2²⁰.
	WarmStart int
	// Fallback chooses reject (default) or cheapest when nothing fits.
	Fallback Fallback
	// TTL is the lifetime of a reservation (default 10 minutes): one that
	// is neither settled nor released by then expires, releasing its
	// budget without touching the dual price. It must exceed the longest
	// request; a settlement after expiry is refused (ErrUnknownReservation).
	TTL time.Duration
	// Unit is the ledger's unit of money, in currency per unit (default
	// 10⁻⁹, a nano-dollar). Costs are rounded up to whole units; budgets
	// are rounded down and must lie in [1, 2⁶²] units.
	Unit float64
	// Ledger holds the spend and reservations (default: a MemoryLedger
	// private to the pacer, with the accounts of LedgerAccounts). A shared
	// ledger must already hold those accounts.
	Ledger Ledger `json:"-"`
	// OnLedgerFailure chooses fail-closed (default) or fail-open when the
	// ledger is unavailable; FailOpenCap (money, ≥ 0) bounds the cost
	// served fail-open between two answers of the ledger.
	OnLedgerFailure LedgerFailure
	FailOpenCap     float64
	// Issuer identifies the pacer in its reservation ids (24 bits; default
	// random). Pacers sharing a ledger need distinct issuers.
	Issuer uint32
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
	if c.TTL == 0 {
		c.TTL = 10 * time.Minute
	}
	if c.TTL < 0 {
		return c, fmt.Errorf("%w: PacerConfig.TTL = %v (must be > 0)", ErrInvalid, c.TTL)
	}
	if c.Unit == 0 {
		c.Unit = 1e-9
	}
	if !num.IsFinite(c.Unit) || c.Unit <= 0 {
		return c, fmt.Errorf("%w: PacerConfig.Unit = %v (must be finite and > 0)", ErrInvalid, c.Unit)
	}
	if c.Account == "" {
		c.Account = "global"
	}
	if !utf8.ValidString(c.Account) {
		return c, fmt.Errorf("%w: PacerConfig.Account = %q (must be valid UTF-8)", ErrInvalid, c.Account)
	}
	if hasH {
		if _, err := budgetUnits("PacerConfig.Budget", c.Budget, c.Unit); err != nil {
			return c, err
		}
		if err := c.Period.Validate(); err != nil {
			return c, fmt.Errorf("PacerConfig.Period: %w", err)
		}
	} else if c.Period != (Period{}) {
		return c, fmt.Errorf("%w: PacerConfig.Period = %v without a Budget", ErrInvalid, c.Period.Kind)
	}
	if hasW {
		if _, err := budgetUnits("PacerConfig.WindowBudget", c.WindowBudget, c.Unit); err != nil {
			return c, err
		}
	}
	if c.OnLedgerFailure != FailClosed && c.OnLedgerFailure != FailOpen {
		return c, fmt.Errorf("%w: PacerConfig.OnLedgerFailure = %v (unknown)", ErrInvalid, c.OnLedgerFailure)
	}
	if !num.IsFinite(c.FailOpenCap) || c.FailOpenCap < 0 {
		return c, fmt.Errorf("%w: PacerConfig.FailOpenCap = %v (must be finite and ≥ 0)", ErrInvalid, c.FailOpenCap)
	}
	if _, err := units("PacerConfig.FailOpenCap", c.FailOpenCap, c.Unit); err != nil {
		return c, err
	}
	if c.Issuer >= 1<<issuerBits {
		return c, fmt.Errorf("%w: PacerConfig.Issuer = %d (must be < 2²⁴)", ErrInvalid, c.Issuer)
	}
	c.Tenants = slices.Clone(c.Tenants)
	names := map[string]bool{c.Account: true}
	for i, t := range c.Tenants {
		if err := checkTenant(t, c.Unit, names); err != nil {
			return c, fmt.Errorf("PacerConfig.Tenants[%d]: %w", i, err)
		}
		names[t.Name] = true
	}
	return c, nil
}

// checkTenant validates t against the names already defined.
func checkTenant(t Tenant, unit float64, names map[string]bool) error {
	if t.Name == "" || !utf8.ValidString(t.Name) {
		return fmt.Errorf("%w: Tenant.Name = %q (must be non-empty valid UTF-8)", ErrInvalid, t.Name)
	}
	if names[t.Name] {
		return fmt.Errorf("%w: Tenant.Name = %q (already defined)", ErrInvalid, t.Name)
	}
	if t.Parent != "" && !names[t.Parent] {
		return fmt.Errorf("%w: Tenant %q Parent = %q (unknown tenant; parents come first)", ErrInvalid, t.Name, t.Parent)
	}
	if _, err := budgetUnits(fmt.Sprintf("Tenant %q Budget", t.Name), t.Budget, unit); err != nil {
		return err
	}
	if err := t.Period.Validate(); err != nil {
		return fmt.Errorf("tenant %q: %w", t.Name, err)
	}
	if t.Requests < 0 {
		return fmt.Errorf("%w: Tenant %q Requests = %d (must be ≥ 0)", ErrInvalid, t.Name, t.Requests)
	}
	return nil
}

// units converts a non-negative amount of money to ledger units, rounding
// up; it refuses NaN, negative amounts and amounts beyond 2⁶² units.
func units(field string, money, unit float64) (int64, error) {
	if !num.IsFinite(money) || money < 0 {
		return 0, fmt.Errorf("%w: %s = %v (must be finite and ≥ 0)", ErrInvalid, field, money)
	}
	u := snap(money / unit)
	u = math.Ceil(u)
	if !(u <= float64(maxUnits)) {
		return 0, fmt.Errorf("%w: %s = %v is %.3g units of %v (must be ≤ 2⁶²; raise PacerConfig.Unit)", ErrInvalid, field, money, u, unit)
	}
	return int64(u), nil
}

// snap rounds x to the nearest integer if it is within a few ulps of it, so
// that money that is a whole number of units in decimal (1 at a unit of
// 10⁻⁹) converts to that number although the division is inexact.
func snap(x float64) float64 {
	r := math.Round(x)
	if math.Abs(x-r) <= 4e-16*math.Abs(r) {
		return r
	}
	return x
}

// budgetUnits converts a budget to whole units, rounding down; it must be
// at least one unit.
func budgetUnits(field string, money, unit float64) (int64, error) {
	if !num.IsFinite(money) || money <= 0 {
		return 0, fmt.Errorf("%w: %s = %v (must be finite and > 0)", ErrInvalid, field, money)
	}
	u := math.Floor(snap(money / unit))
	if u < 1 || !(u <= float64(maxUnits)) {
		return 0, fmt.Errorf("%w: %s = %v is %.3g units of %v (must be in [1, 2⁶²]; adjust PacerConfig.Unit)", ErrInvalid, field, money, u, unit)
	}
	return int64(u), nil
}

// LedgerAccounts returns the ledger accounts the configuration needs: the
// root (if it has a Budget) and every tenant, limits in Units (rounded
// down). Create a shared ledger with them.
func (c PacerConfig) LedgerAccounts() ([]Account, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	var out []Account
	if c.Budget > 0 {
		l, _ := budgetUnits("", c.Budget, c.Unit)
		out = append(out, Account{Name: c.Account, Limit: l, Period: c.Period})
	}
	for _, t := range c.Tenants {
		l, _ := budgetUnits("", t.Budget, c.Unit)
		out = append(out, Account{Name: t.Name, Limit: l, Period: t.Period})
	}
	return out, nil
}
