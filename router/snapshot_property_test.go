package router

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"math/rand/v2"

	"github.com/budgetkit/budgetkit/internal/randx"
	"github.com/google/go-cmp/cmp"
)

// stateful is what the snapshot property tests need of a type.
type stateful interface {
	Snapshot() ([]byte, error)
	Restore([]byte) error
}

// tenantPacerConfig exercises every part of a pacer's state: tenants with
// periods, a window, a warm start, outstanding reservations.
func tenantPacerConfig() PacerConfig {
	return PacerConfig{Models: simModels, Budget: 2, Horizon: 2000, Period: Period{Kind: Hourly, Location: time.UTC},
		Window: 10 * time.Minute, WindowBudget: 1, WarmStart: 50, TTL: 5 * time.Minute,
		Tenants: []Tenant{{Name: "team", Budget: 1.5, Requests: 1000}, {Name: "k1", Parent: "team", Budget: 0.8, Period: Period{Kind: Daily, Location: time.UTC}}}}
}

// pacerDriver applies step i of a deterministic random workload to p and
// returns what it observed.
type pacerDriver struct {
	reqs    []simRequest
	pending []uint64
	t0      time.Time
}

func (d *pacerDriver) step(p *Pacer, i int, r *rand.Rand) string {
	now := d.t0.Add(time.Duration(i) * 3 * time.Second)
	rq := d.reqs[i%len(d.reqs)]
	tenant := []string{"", "team", "k1"}[r.IntN(3)]
	if i == 700 {
		if err := p.AddTenant(bg, Tenant{Name: "k2", Parent: "team", Budget: 0.3}); err != nil {
			return err.Error()
		}
	}
	if i > 700 && r.IntN(4) == 0 {
		tenant = "k2"
	}
	ch, err := p.Decide(bg, Query{Tenant: tenant, At: now}, rq.q[:], rq.c[:])
	out := fmt.Sprintf("%+v %v", ch, err)
	if err == nil {
		d.pending = append(d.pending, ch.Reservation)
	}
	for len(d.pending) > 5 {
		id := d.pending[0]
		d.pending = d.pending[1:]
		switch r.IntN(6) {
		case 0:
			out += fmt.Sprint(p.Release(bg, now, id))
		case 1: // abandon: expires
		default:
			out += fmt.Sprint(p.Settle(bg, now, id, rq.c[0]*r.Float64()))
		}
	}
	s, _ := p.TenantStats(now, tenant)
	return out + fmt.Sprintf("%+v", s)
}

// TestSnapshotContinuation: for each stateful type, snapshot mid-run,
// restore into a fresh object, continue both with the same inputs, and get
// identical outputs and identical final snapshots.
func TestSnapshotContinuation(t *testing.T) {
	t.Run("Pacer", func(t *testing.T) {
		a, err := NewPacer(tenantPacerConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		da := &pacerDriver{reqs: simTraffic(21, 500), t0: time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC)}
		pa := randx.NewPCG(4, 4)
		ra := rand.New(pa)
		for i := 0; i < 1000; i++ {
			da.step(a, i, ra)
		}
		data, err := a.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewPacer(tenantPacerConfig(), nil)
		if err := b.Restore(data); err != nil {
			t.Fatal(err)
		}
		db := &pacerDriver{reqs: da.reqs, pending: append([]uint64(nil), da.pending...), t0: da.t0}
		pb := *pa
		rb := rand.New(&pb)
		for i := 1000; i < 2000; i++ {
			x, y := da.step(a, i, ra), db.step(b, i, rb)
			if x != y {
				t.Fatalf("step %d:\n%s\n%s", i, x, y)
			}
		}
		sa, _ := a.Snapshot()
		sb, _ := b.Snapshot()
		if string(sa) != string(sb) {
			t.Error("final snapshots differ")
		}
		checkCorruptions(t, data, func() stateful { p, _ := NewPacer(tenantPacerConfig(), nil); return p })
	})
	t.Run("TauTracker", func(t *testing.T) {
		cfg := TauTrackerConfig{Target: 0.3, Decay: 0.6}
		a, _ := NewTauTracker(cfg)
		r := randx.New(1, 1)
		for i := 0; i < 500; i++ {
			a.Decide(r.Float64())
		}
		data, _ := a.Snapshot()
		b, _ := NewTauTracker(cfg)
		if err := b.Restore(data); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500; i++ {
			s := r.Float64()
			x, _ := a.Decide(s)
			y, _ := b.Decide(s)
			if x != y || a.Tau() != b.Tau() {
				t.Fatalf("step %d differs", i)
			}
		}
		checkCorruptions(t, data, func() stateful { x, _ := NewTauTracker(cfg); return x })
	})
	t.Run("CostNormalizer", func(t *testing.T) {
		cfg := NormalizerConfig{Window: 50}
		a, _ := NewCostNormalizer(cfg)
		r := randx.New(2, 2)
		for i := 0; i < 80; i++ {
			a.Add(r.Float64())
		}
		data, _ := a.Snapshot()
		b, _ := NewCostNormalizer(cfg)
		if err := b.Restore(data); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			c := r.Float64()
			x, _ := a.Add(c)
			y, _ := b.Add(c)
			if x != y {
				t.Fatalf("step %d: %v vs %v", i, x, y)
			}
		}
		checkCorruptions(t, data, func() stateful { x, _ := NewCostNormalizer(cfg); return x })
	})
	t.Run("MemoryLedger", func(t *testing.T) {
		accounts := []Account{{Name: "g", Limit: 1000, Period: Period{Kind: FixedLength, Length: time.Minute}}, {Name: "k", Limit: 400}}
		a := mustLedger(t, accounts...)
		pa := randx.NewPCG(3, 3)
		r := rand.New(pa)
		next := uint64(1)
		var live []uint64
		step := func(l *MemoryLedger, i int, r *rand.Rand, live *[]uint64, next *uint64) string {
			now := day0.Add(time.Duration(i) * time.Second)
			id := *next
			*next++
			err := l.Reserve(bg, now, Hold{ID: id, Accounts: []string{"g", "k"}[:1+r.IntN(2)], Amount: int64(r.IntN(30)), Deadline: now.Add(time.Duration(1+r.IntN(20)) * time.Second)})
			if err == nil {
				*live = append(*live, id)
			}
			out := fmt.Sprint(err)
			if len(*live) > 3 {
				out += fmt.Sprint(l.Settle(bg, now, (*live)[0], int64(r.IntN(30))))
				*live = (*live)[1:]
			}
			bal, _ := l.Balance(bg, now, "g")
			return out + fmt.Sprintf("%+v", bal)
		}
		for i := 0; i < 300; i++ {
			step(a, i, r, &live, &next)
		}
		data, _ := a.Snapshot()
		b := mustLedger(t)
		if err := b.Restore(data); err != nil {
			t.Fatal(err)
		}
		pb := *pa
		rb := rand.New(&pb)
		liveB, nextB := append([]uint64(nil), live...), next
		for i := 300; i < 600; i++ {
			x, y := step(a, i, r, &live, &next), step(b, i, rb, &liveB, &nextB)
			if !cmp.Equal(x, y) {
				t.Fatalf("step %d:\n%s\n%s", i, x, y)
			}
		}
		checkCorruptions(t, data, func() stateful { return mustLedger(t) })
	})
}

// checkCorruptions restores mutated snapshots into fresh objects: truncated,
// another kind or version, and every number of the state replaced by −1,
// 1e308, 9.3·10¹⁸ (beyond int64), itself with a digit appended and a
// string. Each must be refused with ErrSnapshot or, if
// accepted (the value is within its domain), leave an object whose own
// snapshot restores again. At least the structural corruptions must be
// refused.
func checkCorruptions(t *testing.T, data []byte, fresh func() stateful) {
	t.Helper()
	for _, bad := range [][]byte{data[:len(data)/2], data[:len(data)-1], []byte("null"), []byte(`{"kind":"x","version":1,"config":{},"state":{}}`)} {
		if err := fresh().Restore(bad); !errors.Is(err, ErrSnapshot) {
			t.Errorf("structurally corrupt snapshot accepted: %v", err)
		}
	}
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // int64 times survive
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(env); fresh().Restore(b) != nil {
		t.Fatal("the re-encoded snapshot is refused")
	}
	for _, field := range []string{"kind", "version"} {
		orig := env[field]
		env[field] = map[string]any{"kind": "router.Other", "version": 99.0}[field]
		b, _ := json.Marshal(env)
		if err := fresh().Restore(b); !errors.Is(err, ErrSnapshot) {
			t.Errorf("wrong %s accepted: %v", field, err)
		}
		env[field] = orig
	}
	refused, accepted := 0, 0
	stride, leaf := 10, 0 // mutate every stride-th number (the pacer's state is large)
	if testing.Short() {
		stride = 20
	}
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, func(n any) { x[k] = n })
			}
		case []any:
			for i, e := range x {
				walk(e, func(n any) { x[i] = n })
			}
		case json.Number:
			if leaf++; leaf%stride != 1 && stride > 1 {
				return
			}
			for _, n := range []any{json.Number("-1"), json.Number("1e308"), json.Number("9300000000000000000"), json.Number(string(x) + "1"), "NaN"} {
				set(n)
				b, _ := json.Marshal(env)
				obj := fresh()
				if err := obj.Restore(b); err != nil {
					if !errors.Is(err, ErrSnapshot) {
						t.Errorf("restore error %v does not wrap ErrSnapshot", err)
					}
					refused++
				} else {
					accepted++
					again, err := obj.Snapshot()
					if err != nil {
						t.Errorf("accepted state cannot snapshot: %v", err)
					} else if err := fresh().Restore(again); err != nil {
						t.Errorf("accepted state's snapshot is refused: %v", err)
					}
				}
			}
			set(x)
		}
	}
	walk(env["state"], func(any) {})
	t.Logf("%d corrupted snapshots refused, %d accepted as in-domain", refused, accepted)
}
