package router

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Routing: Route and Decide choose a model, check every account on the
// request's path and move the dual prices on the reserved cost.

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
// MemoryLedger and up to 16 models Decide allocates nothing.
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
		st.Accounts[0].Mu = min(muMax, rho0*st.Warm.lambda(n, rho0))
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
	epoch := p.epoch
	p.mu.Unlock()

	err := p.ledger.Reserve(ctx, time.Unix(0, t), Hold{ID: id, Accounts: path, Amount: amount, Deadline: time.Unix(0, t+p.ttl)})

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.epoch != epoch {
		if err == nil {
			_ = p.ledger.Release(ctx, time.Unix(0, t), id) // best effort; it expires otherwise
		}
		bad.Rejected, bad.Reason = true, "pacer restored during the call"
		return bad, fmt.Errorf("%w: the pacer was restored during the call", ErrRejected)
	}
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
		if cu > a.room(&p.st.Accounts[k]) {
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
			rho = as.share() * left / a.forecast(as, t, as.Arrivals-1)
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
	if !num.IsFinite(as.Mu) || as.Mu > muMax {
		as.Mu = muMax
	}
}

// muMax bounds the dual variables: a price of 10¹² per-request budgets per
// unit of cost already sends every request to the cheapest model, and the
// bound keeps λ·ĉ finite for any budget and cost the Units can express.
const muMax = 1e12
