package router

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const pacerKind, pacerVersion = "router.Pacer", 3

// pacerSnapConfig is the configuration a snapshot must match.
type pacerSnapConfig struct {
	Models          []Model       `json:"models"`
	Budget          float64       `json:"budget"`
	Horizon         int           `json:"horizon"`
	Period          periodJSON    `json:"period"`
	Account         string        `json:"account"`
	Tenants         []tenantJSON  `json:"tenants"`
	Window          int64         `json:"window"`
	WindowBudget    float64       `json:"window_budget"`
	WindowRequests  int           `json:"window_requests"`
	Eta             float64       `json:"eta"`
	Multiplicative  bool          `json:"multiplicative"`
	InitialLambda   float64       `json:"initial_lambda"`
	WarmStart       int           `json:"warm_start"`
	Fallback        Fallback      `json:"fallback"`
	TTL             int64         `json:"ttl"`
	Unit            float64       `json:"unit"`
	OnLedgerFailure LedgerFailure `json:"on_ledger_failure"`
	FailOpenCap     float64       `json:"fail_open_cap"`
	Issuer          uint32        `json:"issuer"`
	OwnLedger       bool          `json:"own_ledger"`
}

func (p *Pacer) snapConfig() pacerSnapConfig {
	c := p.cfg
	s := pacerSnapConfig{Models: c.Models, Budget: c.Budget, Horizon: c.Horizon, Period: toPeriodJSON(c.Period),
		Account: c.Account, Window: int64(c.Window), WindowBudget: c.WindowBudget, WindowRequests: c.WindowRequests,
		Eta: c.Eta, Multiplicative: c.Multiplicative, InitialLambda: c.InitialLambda, WarmStart: c.WarmStart,
		Fallback: c.Fallback, TTL: int64(c.TTL), Unit: c.Unit, OnLedgerFailure: c.OnLedgerFailure,
		FailOpenCap: c.FailOpenCap, Issuer: c.Issuer, OwnLedger: p.owned != nil}
	for _, t := range c.Tenants {
		s.Tenants = append(s.Tenants, toTenantJSON(t))
	}
	return s
}

type pacerSnap struct {
	pacerState
	Ledger json.RawMessage `json:"ledger,omitempty"` // the pacer's own MemoryLedger
}

// Snapshot returns the pacer's state — dual prices, local accounting per
// budget, tenants added since creation, outstanding reservations, window
// and warm-start buffer, and its own MemoryLedger if it created one — as
// versioned JSON. A pacer restored from it continues bit-identically, and
// reservations outstanding at snapshot time can still be settled. A shared
// ledger is not part of the snapshot.
func (p *Pacer) Snapshot() ([]byte, error) {
	if err := p.created(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	snap := pacerSnap{pacerState: p.st}
	if p.owned != nil {
		var err error
		if snap.Ledger, err = p.owned.Snapshot(); err != nil {
			return nil, err
		}
	}
	return snapshot.Marshal(pacerKind, pacerVersion, p.snapConfig(), snap)
}

// Restore restores a snapshot taken from a pacer with the same
// configuration (model cost functions are not compared). Every field's
// domain and the accounting's invariants are checked; on error the pacer
// is unchanged.
func (p *Pacer) Restore(data []byte) error {
	if err := p.created(); err != nil {
		return err
	}
	var snap pacerSnap
	if err := snapshot.Unmarshal(data, pacerKind, pacerVersion, p.snapConfig(), &snap); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	fresh, err := p.rebuild(&snap)
	if err != nil {
		return fmt.Errorf("%w: %w: %v", ErrSnapshot, snapshot.ErrCorrupt, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accts, p.index, p.issuer, p.st = fresh.accts, fresh.index, fresh.issuer, fresh.st
	if fresh.owned != nil {
		p.owned, p.ledger = fresh.owned, fresh.owned
	}
	return nil
}

// rebuild returns a pacer holding a decoded snapshot, after checking its
// invariants so that a crafted snapshot can never make the pacer panic or
// misaccount.
func (p *Pacer) rebuild(snap *pacerSnap) (*Pacer, error) {
	st := &snap.pacerState
	cfg := p.cfg
	if p.owned != nil {
		cfg.Ledger = nil
	}
	cfg.Issuer = st.Issuer
	if st.Issuer == 0 || st.Issuer >= 1<<issuerBits {
		return nil, fmt.Errorf("issuer = %d", st.Issuer)
	}
	f, err := NewPacer(cfg, p.predictor)
	if err != nil {
		return nil, err
	}
	for i, tj := range st.Added {
		t, err := tj.tenant()
		if err != nil {
			return nil, fmt.Errorf("added[%d]: %v", i, err)
		}
		names := map[string]bool{}
		for n := range f.index {
			if n != "" {
				names[n] = true
			}
		}
		if err := checkTenant(t, cfg.Unit, names); err != nil {
			return nil, fmt.Errorf("added[%d]: %v", i, err)
		}
		f.addLocked(t)
	}
	if len(st.Accounts) != len(f.accts) {
		return nil, fmt.Errorf("%d account states for %d accounts", len(st.Accounts), len(f.accts))
	}
	n := len(cfg.Models)
	if st.Routed < 0 || st.Rejected < 0 || st.Fallbacks < 0 || st.Expired < 0 || st.Released < 0 ||
		st.Over < 0 || st.Over > maxUnits || st.OpenUsed < 0 || st.OpenUsed > f.capUnits {
		return nil, fmt.Errorf("counter out of range")
	}
	if err := st.Res.check(n, len(f.accts)); err != nil {
		return nil, err
	}
	held := make([]int64, len(f.accts))
	for i, as := range st.Accounts {
		a := &f.accts[i]
		if !num.IsFinite(as.Mu) || as.Mu < 0 || as.Mu > 1e300 {
			return nil, fmt.Errorf("accounts[%d].mu = %v", i, as.Mu)
		}
		if as.Arrivals < 0 || as.Spent < 0 || as.Spent > maxUnits || as.Held < 0 || as.Held > maxUnits {
			return nil, fmt.Errorf("accounts[%d] counters", i)
		}
		if !checkBounds(a.period, as.Start, as.End) {
			return nil, fmt.Errorf("accounts[%d] period [%d, %d)", i, as.Start, as.End)
		}
	}
	for i := range st.Res.Slots {
		s := &st.Res.Slots[i]
		if !s.Active {
			continue
		}
		if s.At > st.LastNow {
			return nil, fmt.Errorf("reservation at %d after last time %d", s.At, st.LastNow)
		}
		for _, k := range f.accts[s.Account].chain {
			if f.accts[k].inPeriod(&st.Accounts[k], s.At) {
				if held[k] += s.Amount; held[k] > maxUnits {
					return nil, fmt.Errorf("holds overflow")
				}
			}
		}
	}
	for i := range held {
		if held[i] != st.Accounts[i].Held {
			return nil, fmt.Errorf("accounts[%d].held = %d, reservations hold %d", i, st.Accounts[i].Held, held[i])
		}
	}
	if !st.Window.check() {
		return nil, fmt.Errorf("window")
	}
	if f.window == 0 && (len(st.Window.Ring) != 0 || st.Window.Sum != 0 || st.Window.Seq != 0) {
		return nil, fmt.Errorf("window state without a window")
	}
	w := cfg.WarmStart
	switch {
	case w == 0:
		if len(st.Warm.Q) != 0 || len(st.Warm.C) != 0 || st.Warm.N != 0 || st.Warm.Done {
			return nil, fmt.Errorf("warm-start state without warm start")
		}
	case st.Warm.Done:
		if len(st.Warm.Q) != 0 || len(st.Warm.C) != 0 || st.Warm.N != w {
			return nil, fmt.Errorf("warm-start buffer after warm start")
		}
	default:
		if len(st.Warm.Q) != w*n || len(st.Warm.C) != w*n || st.Warm.N < 0 || st.Warm.N >= w {
			return nil, fmt.Errorf("warm-start buffer")
		}
		if _, ok := num.AllFinite(st.Warm.Q); !ok {
			return nil, fmt.Errorf("warm-start qualities")
		}
		for _, c := range st.Warm.C {
			if !num.IsFinite(c) || c < 0 {
				return nil, fmt.Errorf("warm-start costs")
			}
		}
	}
	if p.owned != nil {
		if len(snap.Ledger) == 0 {
			return nil, fmt.Errorf("no ledger state")
		}
		if err := f.owned.Restore(snap.Ledger); err != nil {
			return nil, err
		}
	} else if len(snap.Ledger) != 0 {
		return nil, fmt.Errorf("ledger state for a shared ledger")
	}
	st.Res.Slots, st.Res.Free, st.Window.Ring = slices.Clip(st.Res.Slots), slices.Clip(st.Res.Free), slices.Clip(st.Window.Ring)
	st.Added = slices.Clip(st.Added)
	st.Res.relink()
	f.st = *st
	return f, nil
}
