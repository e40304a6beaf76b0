package router

import (
	"context"
	"fmt"
	"time"
)

// Sync reads every budget of the pacer's tree from its ledger at time now
// (time.Now() if zero) so that pacing sees the spend of the other pacers
// sharing the ledger: each budget's room becomes limit − (everyone's spend
// and holds), and the pacer's share of the budget's future spend becomes
// its share of the spend so far,
//
//	share = (mine + m₀)/(all + m₀),   m₀ = 10·ρ₀ (ten requests' worth),
//
// so that ρₜ = share·(money left)/(this pacer's forecast of its own
// requests): replicas behind a balancer, each configured with the whole
// budget, then pace their parts of it. Call it periodically (every second,
// or every few hundred requests); it costs one Ledger.Balance per budget.
// A budget whose ledger period differs from the pacer's (a reset in
// between) is left as it was. On a ledger error Sync returns it and changes
// nothing. Without Sync a pacer paces as if alone (see Pacer).
func (p *Pacer) Sync(ctx context.Context, now time.Time) error {
	if err := p.created(); err != nil {
		return err
	}
	p.mu.Lock()
	t := max(at(now).UnixNano(), p.st.LastNow)
	type acct struct {
		k    int32
		name string
	}
	var list []acct
	for k := range p.accts {
		if a := &p.accts[k]; a.limit > 0 {
			list = append(list, acct{int32(k), a.name})
		}
	}
	p.mu.Unlock()
	bals := make([]Balance, len(list))
	for i, a := range list {
		b, err := p.ledger.Balance(ctx, time.Unix(0, t), a.name)
		if err != nil {
			return fmt.Errorf("router: sync %q: %w", a.name, err)
		}
		bals[i] = b
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t = max(t, p.st.LastNow)
	p.st.LastNow = t
	for i, a := range list {
		pa, as := &p.accts[a.k], &p.st.Accounts[a.k]
		pa.roll(as, t)
		b := bals[i]
		if pa.period.Kind != Lifetime && (b.Start.UnixNano() != as.Start || b.End.UnixNano() != as.End) {
			continue
		}
		all := satAdd(min(b.Spent, maxUnits), min(b.Held, maxUnits))
		mine := satAdd(as.Spent, as.Held)
		as.Others = max(0, all-mine)
		m0 := 10 * pa.rho0 / p.cfg.Unit
		if pa.rho0 == 0 {
			m0 = 10 * float64(pa.limit) / 1000
		}
		as.Share = min(1, max(1e-6, (float64(mine)+m0)/(float64(max(all, mine))+m0)))
	}
	return nil
}
