package router

import "time"

// PacerStats is a snapshot of a pacer's accounting.
type PacerStats struct {
	// Lambda is the current dual price λ in quality per dollar.
	Lambda float64
	// Spent is the settled spend and Reserved the outstanding reservations.
	Spent, Reserved float64
	// WindowSpent is the spend and reservations charged to the current
	// window (0 without a window).
	WindowSpent float64
	// Routed, Rejected and Fallbacks count requests; Outstanding counts
	// reservations not yet settled.
	Routed, Rejected, Fallbacks, Outstanding int
	// Overrun is the total by which settled costs exceeded their
	// reservations.
	Overrun float64
}

// Stats returns the pacer's accounting at time now (used for the window; a
// zero now is the latest time seen). A zero Pacer reports zero stats.
func (p *Pacer) Stats(now time.Time) PacerStats {
	if p.created() != nil {
		return PacerStats{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	if p.window > 0 {
		t := max(now.UnixNano(), st.LastNow)
		if now.IsZero() {
			t = st.LastNow
		}
		st.LastNow = t
		st.Window.evict(t, p.window)
	}
	return PacerStats{
		Lambda: st.Mu / p.rho0, Spent: float64(st.Spent) * p.unit, Reserved: float64(st.Reserved) * p.unit,
		WindowSpent: float64(st.Window.Sum) * p.unit,
		Routed:      st.Routed, Rejected: st.Rejected, Fallbacks: st.Fallbacks, Outstanding: st.Res.Live,
		Overrun: float64(st.Over) * p.unit,
	}
}
