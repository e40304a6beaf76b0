package router

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"sync"
)

// Pacer is an online budget pacer by dual descent on the budget constraints
// (Balseiro, Lu & Mirrokni, "The Best of Many Worlds: Dual Mirror Descent
// for Online Allocation Problems", Operations Research 2023; PORT, the
// training-free online LLM router of fzwark/PORT), for budgets shared by
// requests in flight, tenants and replicas.
//
// # Routing
//
// A request for tenant k (Query.Tenant; "" is the root) is charged to the
// path P(k) of budgets from the root to k. It goes to
//
//	m* = argmax_{m : ĉ_m fits every a ∈ P(k)} q̂_m − λ·ĉ_m,   λ = Σ_{a ∈ P(k)} μ_a/ρ₀ₐ,
//
// each paced budget a having its own dual variable μ_a and per-request
// budget ρ₀ₐ = Budget/Horizon (or WindowBudget/WindowRequests for a
// window-only root, Tenant.Budget/Tenant.Requests for a tenant; a tenant
// with Requests = 0 is a cap only). A model fits if its predicted cost is
// at most the money left after this pacer's settled spend and outstanding
// reservations in the current period, on every budget of the path and in
// the rolling window. The pacer then reserves ĉ_{m*} in its Ledger on the
// whole path, all or nothing; a refusal rejects the request.
//
// # The dual update, with requests in flight
//
// The price moves when a request is routed, on its reserved cost, and is
// corrected when it settles, by the difference:
//
//	route:   μ_a ← max(0, μ_a + η·(ĉ − ρₜ,ₐ)/ρ₀ₐ)
//	settle:  μ_a ← max(0, μ_a + η·(c − ĉ)/ρ₀ₐ)
//
// (multiplicative: μ_a ← max(μ_min, μ_a·exp(the same step))), where
// ρₜ,ₐ = money left in a's period / forecast of a's requests still to come
// (the smaller of this and the window's for the root). Summed, the two
// steps are the classical update on the actual cost, μ += η(c − ρₜ)/ρ₀, but
// the price no longer lags by the number of requests in flight: with K
// requests outstanding the classical update, applied at settlement, sees
// each cost K requests late. A released or expired reservation leaves μ
// unchanged (it is not an observation); its money returns to the budget
// and so to ρₜ. With WarmStart = W, after W requests the root's μ is reset
// to ρ₀·λ̂, λ̂ being the dual price at which the argmax over those W
// requests spends W·ρ₀ (PORT), computed exactly by AssignBatch's solver.
//
// # Periods and the traffic forecast
//
// Each budget resets at its Period (calendar hours, days, ISO weeks or
// months in a time.Location, a fixed length, or never). Within a period
// [s, e) of length L the forecast of the requests still to come at time t
// is the posterior mean arrival rate of a Gamma–Poisson model times the
// time left,
//
//	forecast = (w·R + n)/(w·L + t − s) · (e − t),   w = 0.1,
//
// n being the requests seen so far and R the configured expectation
// (Horizon, Tenant.Requests), which weighs as a tenth of a period of
// observation; for a Lifetime budget it is R − n. Traffic above the
// expectation raises the price and is served by cheaper models to the end
// of the period rather than cut off when the expected number has been
// served. The dual variables carry over from one period to the next.
//
// # When spend can exceed a budget
//
// Money is exact: integer ledger units of PacerConfig.Unit (default 10⁻⁹
// currency units), each cost rounded up. Under FallbackReject and
// FailClosed, spend never exceeds a budget, whatever the concurrency or
// the number of pacers sharing the ledger, provided
//
//   - each actual cost is at most its reservation (reserve an upper bound,
//     e.g. from max_tokens, with Model.CostFunc); a cost above it is still
//     recorded in full, so a budget is exceeded by at most the sum of the
//     excesses (PacerStats.Overrun), and
//   - every request settles before its reservation expires (TTL); a
//     settlement after expiry is refused (ErrUnknownReservation) and its
//     spend is not recorded, so the budget is exceeded by at most the cost
//     of the requests that outlived their TTL.
//
// FallbackCheapest exceeds the budget by the cost of the fallback requests
// (they are not held in the ledger), and FailOpen by at most FailOpenCap
// per pacer per outage of the ledger.
//
// # Several pacers, one ledger
//
// Admission is global: the ledger refuses a reservation that would exceed
// any budget, whichever pacer asks. Pacing is local: each pacer's price
// uses its own view of the budget and its own traffic. Call Sync
// periodically so that this view includes the other pacers' spend and the
// pacer paces its share of the rest: in the package's simulation four
// replicas sharing a daily budget keep 97% of the hindsight oracle with
// Sync every 10 requests each, against 52% (and a wall of rejections once
// the budget is gone) when each paces as if alone. Alternatively, give
// each replica its share for pacing (Budget/R, Horizon/R) and create the
// shared ledger from the whole budget (LedgerAccounts of the unshared
// configuration).
//
// # Time, concurrency, identity
//
// Time is a parameter (Query.At, and Settle's and Release's now); a zero
// time is shorthand for time.Now(). Earlier times than already seen are
// treated as the latest seen. Reservation ids carry the pacer's issuer id
// (PacerConfig.Issuer, random by default), so a Choice issued by another
// pacer is refused with ErrUnknownReservation.
//
// Pacer is safe for concurrent use; predictors, cost functions and the
// ledger are called outside its lock. With the default MemoryLedger and up
// to 16 models, Decide, Settle and Observe allocate nothing per call. The zero Pacer is
// not usable: its methods return an error wrapping ErrInvalid (create it
// with NewPacer).
type Pacer struct {
	cfg       PacerConfig
	predictor SuccessPredictor
	ledger    Ledger
	owned     *MemoryLedger // the ledger, when the pacer created it
	window    int64         // nanoseconds
	ttl       int64
	capUnits  int64
	winLimit  int64

	mu     sync.Mutex
	epoch  uint64 // incremented by Restore: calls in flight across it fail
	accts  []paceAccount
	index  map[string]int32
	issuer uint32
	st     pacerState
}

type pacerState struct {
	Issuer    uint32         `json:"issuer"`
	Accounts  []accountState `json:"accounts"`
	Added     []tenantJSON   `json:"added,omitempty"` // tenants added by AddTenant
	Routed    int            `json:"routed"`
	Rejected  int            `json:"rejected"`
	Fallbacks int            `json:"fallbacks"`
	Expired   int            `json:"expired"`
	Released  int            `json:"released"`
	Over      int64          `json:"over"`      // units settled above their reservation
	OpenUsed  int64          `json:"open_used"` // units served fail-open since the ledger last answered
	LastNow   int64          `json:"last_now"`
	Res       reservations   `json:"reservations"`
	Window    window         `json:"window"`
	Warm      warmBuffer     `json:"warm"`
}

const maxUnits = int64(1) << 62

// NewPacer returns a pacer. predictor supplies q̂ per model for Route; it may
// be nil if only Decide is used. Without cfg.Ledger the pacer creates a
// MemoryLedger with cfg.LedgerAccounts().
func NewPacer(cfg PacerConfig, predictor SuccessPredictor) (*Pacer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pacer{cfg: c, predictor: predictor, window: int64(c.Window), ttl: int64(c.TTL), index: map[string]int32{}}
	p.capUnits, _ = units("", c.FailOpenCap, c.Unit)
	if c.WindowBudget > 0 {
		p.winLimit, _ = budgetUnits("", c.WindowBudget, c.Unit)
	}
	root := paceAccount{name: c.Account, parent: -1, chain: []int32{0}, budget: c.Budget, period: c.Period, requests: c.Horizon}
	if c.Budget > 0 {
		root.limit, _ = budgetUnits("", c.Budget, c.Unit)
		root.path = []string{c.Account}
		root.rho0 = c.Budget / float64(c.Horizon)
	} else {
		root.rho0 = c.WindowBudget / float64(c.WindowRequests)
	}
	p.accts = append(p.accts, root)
	p.index[""], p.index[c.Account] = 0, 0
	p.st.Accounts = append(p.st.Accounts, accountState{Mu: c.InitialLambda})
	for _, t := range c.Tenants {
		p.addLocked(t)
	}
	if c.Issuer != 0 {
		p.issuer = c.Issuer
	} else {
		var b [4]byte
		for p.issuer == 0 {
			_, _ = crand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
			p.issuer = binary.LittleEndian.Uint32(b[:]) & (1<<issuerBits - 1)
		}
	}
	p.st.Issuer = p.issuer
	if c.Ledger != nil {
		p.ledger = c.Ledger
	} else {
		accounts, err := c.LedgerAccounts()
		if err != nil {
			return nil, err
		}
		if p.owned, err = NewMemoryLedger(accounts); err != nil {
			return nil, err
		}
		p.ledger = p.owned
	}
	if c.WarmStart > 0 {
		p.st.Warm.Q = make([]float64, c.WarmStart*len(c.Models))
		p.st.Warm.C = make([]float64, c.WarmStart*len(c.Models))
	}
	return p, nil
}

// addLocked adds a validated tenant to the tree.
func (p *Pacer) addLocked(t Tenant) {
	parent := int32(0)
	if t.Parent != "" {
		parent = p.index[t.Parent]
	}
	pa := &p.accts[parent]
	i := int32(len(p.accts))
	a := paceAccount{name: t.Name, parent: parent, budget: t.Budget, period: t.Period, requests: t.Requests, tenant: t}
	a.limit, _ = budgetUnits("", t.Budget, p.cfg.Unit)
	a.chain = append(append(make([]int32, 0, len(pa.chain)+1), pa.chain...), i)
	a.path = append(append(make([]string, 0, len(pa.path)+1), pa.path...), t.Name)
	if t.Requests > 0 {
		a.rho0 = t.Budget / float64(t.Requests)
	}
	p.accts = append(p.accts, a)
	p.index[t.Name] = i
	p.st.Accounts = append(p.st.Accounts, accountState{Mu: p.cfg.InitialLambda})
}

// AddTenant adds a budget below the root or below an existing tenant (for
// example for a new API key). If the ledger implements AccountAdder
// (MemoryLedger does), the account is opened there first; otherwise the
// ledger must already hold it. An invalid or duplicate tenant is refused
// with an error wrapping ErrInvalid and nothing changes.
func (p *Pacer) AddTenant(ctx context.Context, t Tenant) error {
	if err := p.created(); err != nil {
		return err
	}
	check := func() error {
		names := make(map[string]bool, len(p.index))
		for n := range p.index {
			if n != "" {
				names[n] = true
			}
		}
		return checkTenant(t, p.cfg.Unit, names)
	}
	p.mu.Lock()
	err := check()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	if adder, ok := p.ledger.(AccountAdder); ok {
		limit, _ := budgetUnits("", t.Budget, p.cfg.Unit)
		if err := adder.AddAccount(ctx, Account{Name: t.Name, Limit: limit, Period: t.Period}); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := check(); err != nil {
		return err
	}
	p.addLocked(t)
	p.st.Added = append(p.st.Added, toTenantJSON(t))
	return nil
}

// Ledger returns the pacer's ledger (its own MemoryLedger by default).
func (p *Pacer) Ledger() Ledger { return p.ledger }

func (p *Pacer) created() error {
	if p.index == nil {
		return errNotCreated("Pacer", "NewPacer")
	}
	return nil
}
