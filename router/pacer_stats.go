package router

import "time"

// PacerStats is a snapshot of a pacer's accounting of one budget, in its
// current period, as this pacer sees it (its own spend and reservations;
// the ledger's Balance adds other pacers').
type PacerStats struct {
	// Lambda is the budget's dual price μ/ρ₀ in quality per unit of money
	// (0 for a budget that is not paced).
	Lambda float64
	// Spent is the settled spend and Reserved the outstanding
	// reservations in the current period.
	Spent, Reserved float64
	// Start and End bound the current period (zero for a Lifetime budget).
	Start, End time.Time
	// Arrivals counts the requests routed or rejected in the period and
	// Forecast the requests still expected in it.
	Arrivals int
	Forecast float64
	// WindowSpent is the spend and reservations charged to the current
	// rolling window (root only; 0 without a window).
	WindowSpent float64
	// Pacer-wide counts: requests routed, rejected and served by the
	// cheapest-model fallback; reservations outstanding, expired and
	// released.
	Routed, Rejected, Fallbacks, Outstanding, Expired, Released int
	// Overrun is the total by which settled costs exceeded their
	// reservations.
	Overrun float64
}

// Stats returns the accounting of the root budget at time now (a zero now
// is the latest time seen; an earlier one counts as it). A zero Pacer
// reports zero stats.
func (p *Pacer) Stats(now time.Time) PacerStats {
	s, _ := p.TenantStats(now, "")
	return s
}

// TenantStats returns the accounting of tenant's budget ("" is the root)
// at time now, or an error wrapping ErrInvalid for an unknown tenant.
func (p *Pacer) TenantStats(now time.Time, tenant string) (PacerStats, error) {
	if err := p.created(); err != nil {
		return PacerStats{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.index[tenant]
	if !ok {
		return PacerStats{}, errUnknownTenant(tenant)
	}
	st := &p.st
	t := st.LastNow
	if !now.IsZero() {
		t = max(t, now.UnixNano())
	}
	st.LastNow = t
	p.expireLocked(t)
	if p.window > 0 {
		st.Window.evict(t, p.window)
	}
	a, as := &p.accts[k], &st.Accounts[k]
	for _, j := range a.chain {
		p.accts[j].roll(&st.Accounts[j], t)
	}
	u := p.cfg.Unit
	s := PacerStats{
		Spent: float64(as.Spent) * u, Reserved: float64(as.Held) * u,
		Arrivals: as.Arrivals, Forecast: a.forecast(as, t, as.Arrivals),
		Routed: st.Routed, Rejected: st.Rejected, Fallbacks: st.Fallbacks, Outstanding: st.Res.Live,
		Expired: st.Expired, Released: st.Released, Overrun: float64(st.Over) * u,
	}
	if a.rho0 > 0 {
		s.Lambda = as.Mu / a.rho0
	}
	if a.period.Kind != Lifetime {
		s.Start, s.End = time.Unix(0, as.Start), time.Unix(0, as.End)
	}
	if k == 0 {
		s.WindowSpent = float64(st.Window.Sum) * u
	}
	return s, nil
}
