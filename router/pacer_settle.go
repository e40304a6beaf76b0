package router

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Settlement: Observe, Settle and Release end a reservation, correct the
// dual prices by actual − reserved, and expire reservations past their TTL.

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
	if !st.Res.Slots[i].Local {
		st.Res.Slots[i].Pending = true
		epoch := p.epoch
		p.mu.Unlock()
		var err error
		if settle {
			err = p.ledger.Settle(ctx, time.Unix(0, t), id, au)
		} else {
			err = p.ledger.Release(ctx, time.Unix(0, t), id)
		}
		p.mu.Lock()
		if p.epoch != epoch {
			p.mu.Unlock()
			return fmt.Errorf("%w: %#x (the pacer was restored during the call; the ledger returned %v)", ErrUnknownReservation, id, err)
		}
		st.Res.Slots[i].Pending = false
		if err != nil {
			if errors.Is(err, ErrUnknownReservation) {
				// The ledger no longer holds it (expired there): drop it.
				p.dropLocked(i)
				st.Expired++
			}
			p.mu.Unlock()
			return err // a ledger outage leaves the pacer as it was
		}
		t = max(t, st.LastNow)
		st.OpenUsed = 0
	}
	defer p.mu.Unlock()
	st.LastNow = t
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
