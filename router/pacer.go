package router

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
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
// months in a time.Location, a fixed length, or never). Within a period the
// forecast of remaining requests comes from the arrival rate observed so
// far, with the configured expectation (Horizon, Tenant.Requests) as a
// prior worth a tenth of a period (see the forecast formula on
// accountState's helpers in the source): traffic above the expectation
// raises the price and is served by cheaper models to the end of the
// period rather than cut off when the expected number has been served.
// The dual variables carry over from one period to the next.
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
// # Time, concurrency, identity
//
// Time is a parameter (Query.At, and Settle's and Release's now); a zero
// time is shorthand for time.Now(). Earlier times than already seen are
// treated as the latest seen. Reservation ids carry the pacer's issuer id
// (PacerConfig.Issuer, random by default), so a Choice issued by another
// pacer is refused with ErrUnknownReservation.
//
// Pacer is safe for concurrent use; predictors, cost functions and the
// ledger are called outside its lock. With the default MemoryLedger,
// Decide, Settle and Observe allocate nothing per call. The zero Pacer is
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

// Route predicts q̂ with the pacer's predictor, estimates ĉ with Model.Cost
// and calls Decide.
func (p *Pacer) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if err := p.created(); err != nil {
		return bad, err
	}
	if p.predictor == nil {
		return bad, fmt.Errorf("%w: pacer has no predictor (use Decide)", ErrInvalid)
	}
	qh, err := p.predictor.PredictSuccess(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: success predictor: %w", err)
	}
	var buf [16]float64
	var costs []float64
	if n := len(p.cfg.Models); n <= len(buf) {
		costs = buf[:n]
	} else {
		costs = make([]float64, n)
	}
	for m := range costs {
		if costs[m], err = modelCost(p.cfg.Models, m, q); err != nil {
			return bad, err
		}
	}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	return p.Decide(ctx, q, qh, costs)
}

// Decide routes request q for tenant q.Tenant at time q.At (time.Now() if
// zero) with caller-supplied predictions: quality[m] and cost[m] for each
// model (finite; costs ≥ 0 and at most 2⁶² Units). It reserves the chosen
// model's predicted cost on the tenant's path in the ledger. When nothing
// fits (locally, or in the ledger) it returns a rejected Choice and an
// error wrapping ErrBudgetExhausted, or the cheapest model under
// FallbackCheapest; when the ledger is unavailable, see OnLedgerFailure.
// An unknown tenant is refused with ErrInvalid. With the default
// MemoryLedger Decide allocates nothing.
func (p *Pacer) Decide(ctx context.Context, q Query, quality, cost []float64) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := p.created(); err != nil {
		return bad, err
	}
	n := len(p.cfg.Models)
	if err := checkPredictions("quality", quality, n); err != nil {
		return bad, err
	}
	if len(cost) != n {
		return bad, fmt.Errorf("%w: %d costs for %d models", ErrInvalid, len(cost), n)
	}
	var ubuf [16]int64
	var cu []int64
	if n <= len(ubuf) {
		cu = ubuf[:n]
	} else {
		cu = make([]int64, n)
	}
	for m, c := range cost {
		u, err := units("cost", c, p.cfg.Unit)
		if err != nil {
			return bad, fmt.Errorf("%w (model %d, %s)", err, m, p.cfg.Models[m].Name)
		}
		cu[m] = u
	}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	t := at(q.At).UnixNano()

	p.mu.Lock()
	acct, ok := p.index[q.Tenant]
	if !ok {
		p.mu.Unlock()
		return bad, fmt.Errorf("Query.Tenant: %w", errUnknownTenant(q.Tenant))
	}
	st := &p.st
	t = max(t, st.LastNow)
	st.LastNow = t
	p.expireLocked(t)
	a := &p.accts[acct]
	chain, path := a.chain, a.path
	for _, k := range chain {
		p.accts[k].roll(&st.Accounts[k], t)
		st.Accounts[k].Arrivals++
	}
	if p.window > 0 {
		st.Window.evict(t, p.window)
	}
	if p.cfg.WarmStart > 0 && !st.Warm.Done && st.Warm.add(quality, cost, p.cfg.WarmStart) {
		rho0 := p.accts[0].rho0
		st.Accounts[0].Mu = rho0 * st.Warm.lambda(n, rho0)
		if p.cfg.Multiplicative {
			st.Accounts[0].Mu = max(st.Accounts[0].Mu, 1e-9)
		}
	}
	var lambda float64
	for _, k := range chain {
		if r0 := p.accts[k].rho0; r0 > 0 {
			lambda += st.Accounts[k].Mu / r0
		}
	}
	best, cheap := -1, 0
	var bestU float64
	for m := 0; m < n; m++ {
		if cost[m] < cost[cheap] {
			cheap = m
		}
		if !p.fits(chain, cu[m]) {
			continue
		}
		u := quality[m] - lambda*cost[m]
		if best < 0 || u > bestU || (u == bestU && cost[m] < cost[best]) {
			best, bestU = m, u
		}
	}
	reason := ""
	local := len(path) == 0
	if best < 0 {
		if p.cfg.Fallback == FallbackReject {
			st.Rejected++
			p.mu.Unlock()
			bad.Rejected = true
			bad.Reason = "budget exhausted: no model's predicted cost fits the remaining budget"
			return bad, fmt.Errorf("%w: no model's predicted cost fits the remaining budget", ErrBudgetExhausted)
		}
		best, local = cheap, true
		st.Fallbacks++
		reason = "budget exhausted: cheapest-model fallback"
	}
	amount := cu[best]
	slot := st.Res.add(reservation{Model: int32(best), Account: acct, Amount: amount, At: t, Local: local})
	if slot < 0 {
		st.Rejected++
		p.mu.Unlock()
		bad.Rejected, bad.Reason = true, "too many outstanding reservations"
		return bad, fmt.Errorf("%w: %d reservations outstanding", ErrRejected, maxSlots)
	}
	for _, k := range chain {
		st.Accounts[k].Held += amount
	}
	if p.window > 0 {
		st.Res.Slots[slot].Seq = st.Window.push(t, amount)
	}
	id := st.Res.id(p.issuer, slot)
	mdl := &p.cfg.Models[best]
	ch := Choice{Model: mdl.Name, Index: best, Tier: mdl.Tier, Quality: quality[best], Cost: cost[best],
		Domain: -1, Reason: reason, Reservation: id}
	if local {
		p.routeUpdate(chain, amount, t)
		st.Routed++
		p.mu.Unlock()
		return ch, nil
	}
	st.Res.Slots[slot].Pending = true
	p.mu.Unlock()

	err := p.ledger.Reserve(ctx, time.Unix(0, t), Hold{ID: id, Accounts: path, Amount: amount, Deadline: time.Unix(0, t+p.ttl)})

	p.mu.Lock()
	defer p.mu.Unlock()
	s := &st.Res.Slots[slot]
	s.Pending = false
	switch {
	case err == nil:
		st.OpenUsed = 0
	case errors.Is(err, ErrLedgerUnavailable) && p.cfg.OnLedgerFailure == FailOpen && amount <= p.capUnits-st.OpenUsed:
		s.Local = true
		st.OpenUsed += amount
		ch.Reason = "ledger unavailable: served fail-open"
	default:
		p.dropLocked(slot)
		st.Rejected++
		bad.Rejected = true
		switch {
		case errors.Is(err, ErrBudgetExhausted):
			bad.Reason = "budget exhausted: the ledger refused the reservation"
			return bad, err
		case errors.Is(err, ErrLedgerUnavailable):
			bad.Reason = "ledger unavailable: rejected (fail-closed)"
			return bad, fmt.Errorf("%w: %w", ErrRejected, err)
		}
		bad.Reason = "ledger error"
		return bad, fmt.Errorf("router: ledger: %w", err)
	}
	p.routeUpdate(chain, amount, t)
	st.Routed++
	return ch, nil
}

// at returns t, or the wall clock for a zero t.
func at(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// fits reports whether cu more units fit every budget of chain (in this
// pacer's view) and the window.
func (p *Pacer) fits(chain []int32, cu int64) bool {
	for _, k := range chain {
		a := &p.accts[k]
		if a.limit == 0 {
			continue
		}
		st := &p.st.Accounts[k]
		if st.Spent >= a.limit {
			return false
		}
		r := a.limit - st.Spent
		if st.Held > r || cu > r-st.Held {
			return false
		}
	}
	if p.window > 0 && cu > p.winLimit-p.st.Window.Sum {
		return false
	}
	return true
}

// routeUpdate applies the routing step of the dual update for a request of
// amount units just routed at t (already counted in held and arrivals).
func (p *Pacer) routeUpdate(chain []int32, amount int64, t int64) {
	st := &p.st
	c := float64(amount) * p.cfg.Unit
	for _, k := range chain {
		a := &p.accts[k]
		if a.rho0 == 0 {
			continue
		}
		as := &st.Accounts[k]
		rho := math.Inf(1)
		if a.limit > 0 {
			left := a.remaining(as, p.cfg.Unit) + c // the money left before this request
			rho = left / a.forecast(as, t, as.Arrivals-1)
		}
		if k == 0 && p.window > 0 && p.cfg.WindowRequests > 0 {
			left := max(0, p.cfg.WindowBudget-float64(st.Window.Sum-amount)*p.cfg.Unit)
			rho = min(rho, left/float64(max(1, p.cfg.WindowRequests-(st.Window.Len-1))))
		}
		p.step(as, a.rho0, c-rho)
	}
}

// step moves μ by η·diff/ρ₀ (additively or multiplicatively).
func (p *Pacer) step(as *accountState, rho0, diff float64) {
	g := p.cfg.Eta * diff / rho0
	if p.cfg.Multiplicative {
		as.Mu = max(1e-9, as.Mu*math.Exp(num.Clamp(g, -50, 50)))
	} else {
		as.Mu = max(0, as.Mu+g)
	}
	if !num.IsFinite(as.Mu) || as.Mu > 1e300 {
		as.Mu = 1e300
	}
}

// Observe settles the reservation of a Choice returned by Route or Decide
// with the actual cost o.Cost at time q.At (time.Now() if zero); see
// Settle. A rejected choice (no reservation) is a no-op.
func (p *Pacer) Observe(ctx context.Context, q Query, c Choice, o Outcome) error {
	if c.Rejected && c.Reservation == 0 {
		return nil
	}
	return p.Settle(ctx, q.At, c.Reservation, o.Cost)
}

// Settle settles reservation id at the actual cost (finite, ≥ 0) at time
// now (time.Now() if zero): the ledger records it on every budget of the
// path, in the period the reservation was made in, and the dual price is
// corrected by actual − reserved. It returns an error wrapping
// ErrUnknownReservation for an id without a live reservation of this pacer
// (never issued, issued by another pacer, already settled, released or
// expired), so no spend is recorded twice; and one wrapping
// ErrLedgerUnavailable, leaving the reservation live so that the call can
// be retried, when the ledger cannot be reached. With the default
// MemoryLedger Settle allocates nothing.
func (p *Pacer) Settle(ctx context.Context, now time.Time, id uint64, actual float64) error {
	return p.end(ctx, now, id, actual, true)
}

// Release drops reservation id without spending it (the request was not
// served: the client went away, the upstream failed). Unlike settling at
// zero, it leaves the dual price unchanged. Errors as Settle.
func (p *Pacer) Release(ctx context.Context, now time.Time, id uint64) error {
	return p.end(ctx, now, id, 0, false)
}

// end is Settle (settle = true) and Release.
func (p *Pacer) end(ctx context.Context, now time.Time, id uint64, actual float64, settle bool) error {
	if err := p.created(); err != nil {
		return err
	}
	var au int64
	if settle {
		var err error
		if au, err = units("actual cost", actual, p.cfg.Unit); err != nil {
			return err
		}
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	t := at(now).UnixNano()
	p.mu.Lock()
	st := &p.st
	t = max(t, st.LastNow)
	i := st.Res.get(p.issuer, id)
	if i < 0 || st.Res.Slots[i].Pending || st.Res.Slots[i].At+p.ttl <= t {
		// Unknown, in flight, or expired (dropped by the next Decide).
		p.mu.Unlock()
		return fmt.Errorf("%w: %#x", ErrUnknownReservation, id)
	}
	st.LastNow = t
	if !st.Res.Slots[i].Local {
		st.Res.Slots[i].Pending = true
		p.mu.Unlock()
		var err error
		if settle {
			err = p.ledger.Settle(ctx, time.Unix(0, t), id, au)
		} else {
			err = p.ledger.Release(ctx, time.Unix(0, t), id)
		}
		p.mu.Lock()
		st.Res.Slots[i].Pending = false
		if err != nil {
			if errors.Is(err, ErrUnknownReservation) {
				// The ledger no longer holds it (expired there): drop it.
				p.dropLocked(i)
				st.Expired++
			}
			p.mu.Unlock()
			return err
		}
		st.OpenUsed = 0
	}
	defer p.mu.Unlock()
	if !settle {
		p.dropLocked(i)
		st.Released++
		return nil
	}
	s := &st.Res.Slots[i]
	for _, k := range p.accts[s.Account].chain {
		a, as := &p.accts[k], &st.Accounts[k]
		if a.inPeriod(as, s.At) {
			as.Held -= s.Amount
			as.Spent = satAdd(as.Spent, au)
		}
		if a.rho0 > 0 {
			p.step(as, a.rho0, float64(au-s.Amount)*p.cfg.Unit)
		}
	}
	if au > s.Amount {
		st.Over = satAdd(st.Over, au-s.Amount)
	}
	st.Window.set(s.Seq, au)
	st.Res.remove(i)
	return nil
}

// dropLocked removes reservation slot i without spending it.
func (p *Pacer) dropLocked(i int32) {
	st := &p.st
	s := &st.Res.Slots[i]
	for _, k := range p.accts[s.Account].chain {
		if as := &st.Accounts[k]; p.accts[k].inPeriod(as, s.At) {
			as.Held -= s.Amount
		}
	}
	st.Window.set(s.Seq, 0)
	st.Res.remove(i)
}

// expireLocked drops the reservations whose deadline is at or before t
// (the ledger expires its holds by the same deadlines).
func (p *Pacer) expireLocked(t int64) {
	st := &p.st
	for i := st.Res.oldest(); i >= 0; {
		s := &st.Res.Slots[i]
		if s.At+p.ttl > t {
			return
		}
		next := s.next
		if !s.Pending {
			p.dropLocked(i)
			st.Expired++
		}
		i = next
	}
}

// satAdd returns a + b (both ≥ 0), saturating at maxUnits.
func satAdd(a, b int64) int64 {
	if b > maxUnits-a {
		return maxUnits
	}
	return a + b
}

var (
	_ Router  = (*Pacer)(nil)
	_ Learner = (*Pacer)(nil)
)
