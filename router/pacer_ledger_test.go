package router

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var day0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// TestPacerRefusesForeignChoice is the regression test for issue 14 item 2:
// A.Observe with a Choice issued by B used to return nil, book B's cost on
// A and leak B's reservation.
func TestPacerRefusesForeignChoice(t *testing.T) {
	cfg := PacerConfig{Models: simModels, Budget: 10, Horizon: 100}
	a, _ := NewPacer(cfg, nil)
	b, _ := NewPacer(cfg, nil)
	q := Query{At: day0}
	quality, cost := []float64{0.5, 0.6, 0.7}, []float64{0.1, 0.2, 0.3}
	chA, err := a.Decide(bg, q, quality, cost)
	if err != nil {
		t.Fatal(err)
	}
	chB, err := b.Decide(bg, q, quality, cost)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := a.Snapshot()
	if err := a.Observe(bg, q, chB, Outcome{Cost: 0.1}); !errors.Is(err, ErrUnknownReservation) {
		t.Fatalf("A.Observe(B's choice) = %v, want ErrUnknownReservation", err)
	}
	if after, _ := a.Snapshot(); string(after) != string(before) {
		t.Error("refused Observe changed A")
	}
	if err := b.Observe(bg, q, chB, Outcome{Cost: 0.1}); err != nil {
		t.Errorf("B settles its own choice: %v", err)
	}
	if err := b.Observe(bg, q, chB, Outcome{Cost: 0.1}); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("second settlement: %v", err)
	}
	if err := a.Observe(bg, q, chA, Outcome{Cost: 0.1}); err != nil {
		t.Errorf("A settles its own choice: %v", err)
	}
	if s := b.Stats(day0); s.Outstanding != 0 || math.Abs(s.Spent-0.1) > 1e-9 {
		t.Errorf("B stats %+v", s)
	}
}

// TestPacerReleaseIsNotASettlement checks that Release frees the budget
// without moving the dual price, where settling at zero moves it down.
func TestPacerReleaseIsNotASettlement(t *testing.T) {
	cfg := PacerConfig{Models: simModels, Budget: 1, Horizon: 10, InitialLambda: 1}
	quality, cost := []float64{0.5, 0.6, 0.7}, []float64{0.1, 0.2, 0.3}
	rel, _ := NewPacer(cfg, nil)
	zero, _ := NewPacer(cfg, nil)
	c1, _ := rel.Decide(bg, Query{At: day0}, quality, cost)
	c2, _ := zero.Decide(bg, Query{At: day0}, quality, cost)
	l0 := rel.Stats(day0).Lambda
	if err := rel.Release(bg, day0, c1.Reservation); err != nil {
		t.Fatal(err)
	}
	if err := zero.Settle(bg, day0, c2.Reservation, 0); err != nil {
		t.Fatal(err)
	}
	sr, sz := rel.Stats(day0), zero.Stats(day0)
	if sr.Lambda != l0 {
		t.Errorf("Release moved λ from %v to %v", l0, sr.Lambda)
	}
	if !(sz.Lambda < l0) {
		t.Errorf("settling at 0 left λ at %v (was %v)", sz.Lambda, l0)
	}
	if sr.Reserved != 0 || sr.Spent != 0 || sr.Released != 1 || sr.Outstanding != 0 {
		t.Errorf("after release: %+v", sr)
	}
	if err := rel.Release(bg, day0, c1.Reservation); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("double release: %v", err)
	}
	if ml := rel.Ledger().(*MemoryLedger); ml.Live() != 0 {
		t.Errorf("ledger holds %d", ml.Live())
	}
}

// TestPacerReservationsExpire checks the TTL: an unsettled reservation is
// released at its deadline, without touching λ, in the pacer and in the
// ledger; settling it later is refused.
func TestPacerReservationsExpire(t *testing.T) {
	p, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10, TTL: time.Minute, InitialLambda: 2}, nil)
	quality, cost := []float64{0.5, 0.6, 0.7}, []float64{0.1, 0.2, 0.3}
	ch, _ := p.Decide(bg, Query{At: day0}, quality, cost)
	l0 := p.Stats(day0).Lambda
	later := day0.Add(time.Minute)
	s := p.Stats(later)
	if s.Outstanding != 0 || s.Reserved != 0 || s.Expired != 1 || s.Lambda != l0 {
		t.Errorf("after the TTL: %+v (λ was %v)", s, l0)
	}
	if err := p.Settle(bg, later, ch.Reservation, 0.1); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("settle after expiry: %v", err)
	}
	b, _ := p.Ledger().Balance(bg, later, "global")
	if b.Held != 0 || b.Spent != 0 {
		t.Errorf("ledger balance after expiry %+v", b)
	}
	// Just before the deadline it is still live.
	ch, _ = p.Decide(bg, Query{At: later}, quality, cost)
	if err := p.Settle(bg, later.Add(time.Minute-1), ch.Reservation, 0.1); err != nil {
		t.Errorf("settle before the deadline: %v", err)
	}
}

// flakyLedger is a MemoryLedger that can be taken down.
type flakyLedger struct {
	*MemoryLedger
	down atomic.Bool
}

func (f *flakyLedger) Reserve(ctx context.Context, now time.Time, h Hold) error {
	if f.down.Load() {
		return ErrLedgerUnavailable
	}
	return f.MemoryLedger.Reserve(ctx, now, h)
}

func (f *flakyLedger) Settle(ctx context.Context, now time.Time, id uint64, actual int64) error {
	if f.down.Load() {
		return ErrLedgerUnavailable
	}
	return f.MemoryLedger.Settle(ctx, now, id, actual)
}

func TestPacerLedgerFailurePolicies(t *testing.T) {
	quality, cost := []float64{0.5, 0.6, 0.7}, []float64{0.1, 0.2, 0.3}
	mk := func(policy LedgerFailure, cap float64) (*Pacer, *flakyLedger) {
		cfg := PacerConfig{Models: simModels, Budget: 100, Horizon: 100, OnLedgerFailure: policy, FailOpenCap: cap}
		accounts, err := cfg.LedgerAccounts()
		if err != nil {
			t.Fatal(err)
		}
		ml, _ := NewMemoryLedger(accounts)
		fl := &flakyLedger{MemoryLedger: ml}
		cfg.Ledger = fl
		p, err := NewPacer(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p, fl
	}
	closed, fl := mk(FailClosed, 0)
	ch, _ := closed.Decide(bg, Query{At: day0}, quality, cost)
	fl.down.Store(true)
	rej, err := closed.Decide(bg, Query{At: day0}, quality, cost)
	if !errors.Is(err, ErrLedgerUnavailable) || !errors.Is(err, ErrRejected) || !rej.Rejected {
		t.Errorf("fail-closed: %+v %v", rej, err)
	}
	// A settlement during the outage fails and keeps the reservation for a
	// retry; after the outage it settles exactly once.
	if err := closed.Settle(bg, day0, ch.Reservation, 0.3); !errors.Is(err, ErrLedgerUnavailable) {
		t.Errorf("settle during outage: %v", err)
	}
	fl.down.Store(false)
	if err := closed.Settle(bg, day0, ch.Reservation, 0.3); err != nil {
		t.Errorf("settle retry: %v", err)
	}
	if b, _ := fl.Balance(bg, day0, "global"); b.Spent != 300_000_000 || b.Held != 0 {
		t.Errorf("balance after retry %+v", b)
	}

	open, fl := mk(FailOpen, 0.5)
	fl.down.Store(true)
	served := 0
	for i := 0; i < 10; i++ {
		ch, err := open.Decide(bg, Query{At: day0}, quality, []float64{0.2, 0.2, 0.2})
		if err == nil {
			served++
			if !strings.Contains(ch.Reason, "fail-open") {
				t.Errorf("reason %q", ch.Reason)
			}
			if err := open.Settle(bg, day0, ch.Reservation, 0.2); err != nil {
				t.Errorf("settling a fail-open choice: %v", err)
			}
		} else if !errors.Is(err, ErrLedgerUnavailable) {
			t.Errorf("beyond the cap: %v", err)
		}
	}
	if served != 2 { // 0.5 / 0.2
		t.Errorf("fail-open served %d requests of 0.2 under a cap of 0.5, want 2", served)
	}
	fl.down.Store(false)
	if _, err := open.Decide(bg, Query{At: day0}, quality, cost); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	if b, _ := fl.Balance(bg, day0, "global"); b.Spent != 0 {
		t.Errorf("fail-open spend reached the ledger: %+v", b)
	}
}

// TestPacerTenants checks admission on every level of the path, the
// atomicity of a refused reservation, and periods per level.
func TestPacerTenants(t *testing.T) {
	daily := Period{Kind: Daily, Location: time.UTC}
	cfg := PacerConfig{Models: []Model{{Name: "only"}}, Budget: 10, Horizon: 1000, Period: Period{Kind: Monthly, Location: time.UTC},
		Tenants: []Tenant{
			{Name: "team:a", Budget: 3, Period: daily},
			{Name: "key:a1", Parent: "team:a", Budget: 2},
			{Name: "key:a2", Parent: "team:a", Budget: 2},
			{Name: "key:b", Budget: 8, Requests: 100},
		}}
	p, err := NewPacer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := []float64{1}
	route := func(tenant string, at time.Time) error {
		ch, err := p.Decide(bg, Query{Tenant: tenant, At: at}, one, one)
		if err == nil {
			err = p.Settle(bg, at, ch.Reservation, 1)
		}
		return err
	}
	must := func(tenant string, at time.Time, ok bool) {
		t.Helper()
		err := route(tenant, at)
		if ok != (err == nil) {
			t.Fatalf("%s at %v: %v (want ok = %v)", tenant, at, err, ok)
		}
		if !ok && !errors.Is(err, ErrBudgetExhausted) {
			t.Fatalf("%s: %v, want ErrBudgetExhausted", tenant, err)
		}
	}
	must("key:a1", day0, true)
	must("key:a1", day0, true)
	must("key:a1", day0, false) // key:a1's own budget of 2
	must("key:a2", day0, true)
	before, _ := p.Snapshot()
	must("key:a2", day0, false) // team:a's budget of 3 (key:a2 has room)
	if after, _ := p.Snapshot(); strings.Count(string(after), `"held":0`) != strings.Count(string(before), `"held":0`) {
		t.Error("a refused reservation left a hold")
	}
	tomorrow := day0.Add(24 * time.Hour)
	must("key:a2", tomorrow, true) // team:a resets daily, key:a2 has 1 left
	must("key:a2", tomorrow, false)
	for i := 0; i < 5; i++ {
		must("key:b", tomorrow, true)
	}
	must("", tomorrow, true)  // global monthly: 2 + 1 + 1 + 5 + 1 = 10
	must("", tomorrow, false) // … reached
	must("key:b", tomorrow, false)
	if _, err := p.Ledger().Balance(bg, tomorrow, "global"); err != nil {
		t.Fatal(err)
	}
	gb, _ := p.Ledger().Balance(bg, tomorrow, "global")
	if gb.Spent != 10_000_000_000 || gb.Held != 0 {
		t.Errorf("global balance %+v", gb)
	}
	s, err := p.TenantStats(tomorrow, "key:b")
	if err != nil || s.Spent != 5 || s.Lambda <= 0 {
		t.Errorf("key:b stats %+v %v", s, err)
	}
	if _, err := p.Decide(bg, Query{Tenant: "nobody"}, one, one); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("unknown tenant: %v", err)
	}
	// A tenant added later, for a new API key.
	if err := p.AddTenant(bg, Tenant{Name: "key:a3", Parent: "team:a", Budget: 1}); err != nil {
		t.Fatal(err)
	}
	nextMonth := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	must("key:a3", nextMonth, true)
	must("key:a3", nextMonth, false)
	if err := p.AddTenant(bg, Tenant{Name: "key:a3", Budget: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate tenant: %v", err)
	}
}

func TestPacerConfigBadInput(t *testing.T) {
	m := simModels
	for _, c := range []struct {
		cfg   PacerConfig
		field string
	}{
		{PacerConfig{Models: m, Budget: -1, Horizon: 1}, "Budget"},
		{PacerConfig{Models: m, Budget: math.NaN(), Horizon: 1}, "Budget"},
		{PacerConfig{Models: m, Budget: 1e-315, Horizon: 1}, "Budget"},
		{PacerConfig{Models: m, Budget: 1e300, Horizon: 1}, "Budget"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, TTL: -time.Second}, "TTL"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Unit: math.Inf(1)}, "Unit"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Period: Period{Kind: Daily}}, "Location"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, FailOpenCap: -1}, "FailOpenCap"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, OnLedgerFailure: 7}, "OnLedgerFailure"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Issuer: 1 << 30}, "Issuer"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "k", Budget: math.NaN()}}}, "Budget"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "k", Parent: "nobody", Budget: 1}}}, "Parent"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "k", Budget: 1, Period: Period{Kind: Weekly}}}}, "Location"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "global", Budget: 1}}}, "Name"},
		{PacerConfig{Models: m, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "\xff", Budget: 1}}}, "Name"},
	} {
		_, err := NewPacer(c.cfg, nil)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v (want ErrInvalid naming %s)", c.cfg, err, c.field)
		}
	}
	p, _ := NewPacer(PacerConfig{Models: m, Budget: 1, Horizon: 1}, nil)
	before, _ := p.Snapshot()
	for _, c := range [][]float64{{0.1, -1, 0.3}, {0.1, math.NaN(), 0.3}, {0.1, 1e300, 0.3}} {
		if _, err := p.Decide(bg, Query{At: day0}, []float64{1, 1, 1}, c); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cost") {
			t.Errorf("Decide costs %v: %v", c, err)
		}
	}
	ch, _ := p.Decide(bg, Query{At: day0}, []float64{1, 1, 1}, []float64{0.1, 0.1, 0.1})
	mid, _ := p.Snapshot()
	for _, a := range []float64{-1, math.NaN(), math.Inf(1), 1e300} {
		if err := p.Settle(bg, day0, ch.Reservation, a); !errors.Is(err, ErrInvalid) {
			t.Errorf("Settle(%v): %v", a, err)
		}
	}
	if after, _ := p.Snapshot(); string(after) != string(mid) || string(before) == string(mid) {
		t.Error("failed settlements changed the pacer")
	}
	if err := p.AddTenant(bg, Tenant{Name: "x", Budget: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddTenant negative budget: %v", err)
	}
	if after, _ := p.Snapshot(); string(after) != string(mid) {
		t.Error("failed AddTenant changed the pacer")
	}
}
