package router

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// decodeFloats decodes data as little-endian float64s (at most max of them).
func decodeFloats(data []byte, max int) []float64 {
	var out []float64
	for len(data) >= 8 && len(out) < max {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(data)))
		data = data[8:]
	}
	return out
}

func encode(xs ...float64) []byte {
	b := make([]byte, 8*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func FuzzCalibrateTau(f *testing.F) {
	f.Add(encode(0.05, 0.12, 0.2, 0.33, 0.41, 0.5), 0.2)
	f.Add(encode(math.NaN(), 1), 0.5)
	f.Add([]byte{}, -1.0)
	f.Fuzz(func(t *testing.T, data []byte, p float64) {
		xs := decodeFloats(data, 64)
		tau, err := CalibrateTau(xs, p)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		if !(tau >= lo && tau <= hi) {
			t.Fatalf("τ = %v outside [%v, %v]", tau, lo, hi)
		}
	})
}

func FuzzAssignBatch(f *testing.F) {
	f.Add(encode(0.1, 1, 0.9, 3, 0.5, 2, 0.6, 4), uint8(2), 4.0)
	f.Add(encode(math.NaN(), 1), uint8(1), 1.0)
	f.Add(encode(1, -1), uint8(1), 0.0)
	f.Fuzz(func(t *testing.T, data []byte, mm uint8, budget float64) {
		m := int(mm%4) + 1
		xs := decodeFloats(data, 2*m*6)
		n := len(xs) / (2 * m)
		q, c := make([][]float64, n), make([][]float64, n)
		for i := 0; i < n; i++ {
			q[i], c[i] = xs[2*m*i:2*m*i+m], xs[2*m*i+m:2*m*(i+1)]
		}
		a, err := AssignBatch(q, c, budget)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrInfeasible) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var tq, tc float64
		for i, k := range a.Choice {
			if k < 0 || k >= m {
				t.Fatalf("choice %d out of range", k)
			}
			tq += q[i][k]
			tc += c[i][k]
		}
		if tc > budget*(1+1e-12)+1e-300 {
			t.Fatalf("cost %v > budget %v", tc, budget)
		}
		if n <= 6 && m <= 3 && !math.IsInf(tq, 0) {
			if opt, ok := exhaustive(q, c, budget); ok && opt-tq > a.Gap+1e-9*math.Max(1, math.Abs(opt)) {
				t.Fatalf("optimum %v, got %v, gap %v", opt, tq, a.Gap)
			}
		}
	})
}

// FuzzPacer drives a pacer with arbitrary predictions, costs and settlements.
func FuzzPacer(f *testing.F) {
	f.Add(encode(0.5, 0.9, 0.1, 0.4, 0.05, 0.3, 0.2, 0.2), 1.0, uint16(10))
	f.Add(encode(math.NaN(), 1, -1, math.Inf(1)), 0.0, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, budget float64, horizon uint16) {
		p, err := NewPacer(PacerConfig{Models: []Model{{Name: "a"}, {Name: "b"}}, Budget: budget, Horizon: int(horizon)}, nil)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatal(err)
			}
			return
		}
		xs := decodeFloats(data, 200)
		var settled []uint64
		for len(xs) >= 5 {
			q, c, actual := xs[0:2], xs[2:4], xs[4]
			xs = xs[5:]
			ch, err := p.Decide(bg, Query{}, q, c)
			if err != nil {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrBudgetExhausted) {
					t.Fatal(err)
				}
				continue
			}
			if actual >= 0 && actual <= ch.Cost {
				if err := p.Settle(bg, time.Time{}, ch.Reservation, actual); err != nil {
					t.Fatal(err)
				}
				settled = append(settled, ch.Reservation)
			}
			s := p.Stats(time.Time{})
			if s.Spent+s.Reserved > budget*(1+1e-9) {
				t.Fatalf("spent %v + reserved %v > budget %v", s.Spent, s.Reserved, budget)
			}
		}
		for _, id := range settled {
			if err := p.Settle(bg, time.Time{}, id, 0); !errors.Is(err, ErrUnknownReservation) {
				t.Fatalf("double settle: %v", err)
			}
		}
	})
}

// FuzzSnapshotRestore feeds arbitrary bytes to every restorable type: a
// restore either fails with ErrSnapshot and leaves the receiver as it was,
// or succeeds and leaves a usable object.
func FuzzSnapshotRestore(f *testing.F) {
	p, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10, Window: time.Minute, WindowBudget: 1, WarmStart: 2}, nil)
	ch, _ := p.Decide(bg, Query{At: time.Unix(100, 0)}, []float64{1, 2, 3}, []float64{0.1, 0.2, 0.3})
	p.Decide(bg, Query{At: time.Unix(101, 0)}, []float64{1, 2, 3}, []float64{0.1, 0.2, 0.3})
	p.Settle(bg, time.Unix(101, 0), ch.Reservation, 0.05)
	ps, _ := p.Snapshot()
	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	tr.Decide(0.7)
	ts, _ := tr.Snapshot()
	nz, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
	nz.Add(0.1)
	nz.Add(0.2)
	ns, _ := nz.Snapshot()
	ml, _ := NewMemoryLedger([]Account{{Name: "g", Limit: 100, Period: Period{Kind: Daily, Location: time.UTC}}, {Name: "k", Limit: 10}})
	ml.Reserve(bg, day0, Hold{ID: 5, Accounts: []string{"g", "k"}, Amount: 3, Deadline: day0.Add(time.Hour)})
	ls, _ := ml.Snapshot()
	tp, _ := NewPacer(tenantPacerConfig(), nil)
	tp.Decide(bg, Query{Tenant: "k1", At: day0}, []float64{1, 2, 3}, []float64{0.01, 0.02, 0.03})
	tp.AddTenant(bg, Tenant{Name: "k9", Budget: 0.1})
	tps, _ := tp.Snapshot()
	for _, s := range [][]byte{ps, ts, ns, ls, tps, []byte(`{}`), []byte(`{"kind":"router.Pacer","version":1}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10, Window: time.Minute, WindowBudget: 1, WarmStart: 2}, nil)
		before, _ := p.Snapshot()
		if err := p.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("pacer: %v", err)
			}
			if after, _ := p.Snapshot(); string(after) != string(before) {
				t.Fatal("failed restore changed the pacer")
			}
		}
		for i := 0; i < 4; i++ {
			ch, err := p.Decide(bg, Query{At: time.Unix(int64(200+i), 0)}, []float64{1, 2, 3}, []float64{0.01, 0.02, 0.03})
			if err == nil {
				if err := p.Settle(bg, time.Unix(int64(200+i), 0), ch.Reservation, 0.01); err != nil {
					t.Fatalf("settle after restore: %v", err)
				}
			}
		}
		p.Stats(time.Unix(300, 0))
		for id := uint64(0); id < 4; id++ {
			p.Settle(bg, time.Unix(300, 0), id<<32|id, 0.01)
		}

		tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
		if err := tr.Restore(data); err != nil && !errors.Is(err, ErrSnapshot) {
			t.Fatalf("tracker: %v", err)
		}
		tr.Decide(0.5)

		l, _ := NewMemoryLedger(nil)
		if err := l.Restore(data); err != nil && !errors.Is(err, ErrSnapshot) {
			t.Fatalf("ledger: %v", err)
		} else if err == nil {
			l.Expire(bg, day0.Add(48*time.Hour))
			if again, err := l.Snapshot(); err != nil || l.Restore(again) != nil {
				t.Fatalf("restored ledger cannot round-trip: %v", err)
			}
		}

		tp, _ := NewPacer(tenantPacerConfig(), nil)
		if err := tp.Restore(data); err != nil && !errors.Is(err, ErrSnapshot) {
			t.Fatalf("tenant pacer: %v", err)
		} else if err == nil {
			for _, tenant := range []string{"", "team", "k1", "k9"} {
				tp.Decide(bg, Query{Tenant: tenant, At: day0.Add(time.Hour)}, []float64{1, 2, 3}, []float64{0.01, 0.02, 0.03})
			}
			if again, err := tp.Snapshot(); err != nil || tp.Restore(again) != nil {
				t.Fatalf("restored pacer cannot round-trip: %v", err)
			}
		}

		nz, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
		if err := nz.Restore(data); err != nil && !errors.Is(err, ErrSnapshot) {
			t.Fatalf("normaliser: %v", err)
		}
		if e, err := nz.Add(0.3); err != nil || !(e >= 0 && e <= 1) {
			t.Fatalf("normaliser after restore: %v %v", e, err)
		}
	})
}

// TestSnapshotRestoreRoundTrip checks that Snapshot/Restore round-trip each
// stateful type, and that a malformed snapshot is refused.
func TestSnapshotRestoreRoundTrip(t *testing.T) {
	p, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10}, nil)
	p.Decide(bg, Query{At: time.Unix(100, 0)}, []float64{1, 2, 3}, []float64{0.1, 0.2, 0.3})
	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	tr.Decide(0.7)
	nz, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
	nz.Add(0.1)
	p2, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10}, nil)
	tr2, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	nz2, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
	type snapshotter interface {
		Snapshot() ([]byte, error)
		Restore([]byte) error
	}
	for _, pair := range [][2]snapshotter{{p, p2}, {tr, tr2}, {nz, nz2}} {
		snap, err := pair[0].Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if err := pair[1].Restore(snap); err != nil {
			t.Fatal(err)
		}
		if again, _ := pair[1].Snapshot(); string(again) != string(snap) {
			t.Fatalf("%T: restored state differs", pair[0])
		}
		if err := pair[1].Restore([]byte("{")); !errors.Is(err, ErrSnapshot) {
			t.Fatalf("%T: bad snapshot: %v", pair[0], err)
		}
	}
}

// FuzzMemoryLedger drives a ledger with arbitrary operations, accounts and
// amounts: no panic, only the documented errors, spend within limits when
// settlements do not exceed holds, and the balances' invariants.
func FuzzMemoryLedger(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 2, 3, 1, 1, 2, 2, 0, 4, 3, 9}, "key", int64(100))
	f.Add([]byte{0, 0, 255, 1, 0, 255, 3, 200}, "\xff", int64(1))
	f.Fuzz(func(t *testing.T, ops []byte, name string, limit int64) {
		l, err := NewMemoryLedger([]Account{{Name: "g", Limit: 1000, Period: Period{Kind: FixedLength, Length: time.Minute}}, {Name: name, Limit: limit}})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatal(err)
			}
			return
		}
		accounts := [][]string{{"g"}, {name}, {"g", name}, {name, "g"}, {"g", "g"}, {"nobody"}}
		now := day0
		for i := 0; i+2 < len(ops); i += 3 {
			op, a, b := ops[i]%5, int(ops[i+1]), int64(ops[i+2])
			now = now.Add(time.Duration(a) * time.Second)
			var err error
			switch op {
			case 0, 1:
				err = l.Reserve(bg, now, Hold{ID: uint64(i), Accounts: accounts[a%len(accounts)], Amount: b - 5, Deadline: now.Add(time.Duration(b) * time.Second)})
			case 2:
				err = l.Settle(bg, now, uint64(a), b-3)
			case 3:
				err = l.Release(bg, now, uint64(a))
			case 4:
				_, err = l.Expire(bg, now)
			}
			if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrBudgetExhausted) && !errors.Is(err, ErrUnknownReservation) {
				t.Fatalf("op %d: %v", op, err)
			}
			for _, acct := range []string{"g", name} {
				bal, err := l.Balance(bg, now, acct)
				if err != nil || bal.Held < 0 || bal.Spent < 0 || bal.Remaining() < 0 || bal.Remaining() > bal.Limit {
					t.Fatalf("balance %+v %v", bal, err)
				}
			}
		}
		if _, err := l.Expire(bg, now.Add(time.Hour)); err != nil || l.Live() != 0 {
			t.Fatalf("holds left after expiry: %d %v", l.Live(), err)
		}
	})
}

// FuzzPacerTenants drives a pacer with tenants and periods through
// arbitrary decisions, settlements, releases and clock jumps, sharing its
// ledger with a second pacer. Invariants: only documented errors; with
// actual ≤ reserved no ledger account's spend exceeds its limit; every
// refused call leaves the snapshot unchanged.
func FuzzPacerTenants(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, "key")
	f.Add([]byte{255, 254, 0, 0, 7, 7, 7, 7, 1, 1, 200, 3}, "\xff")
	f.Fuzz(func(t *testing.T, ops []byte, name string) {
		cfg := PacerConfig{Models: simModels, Budget: 1, Horizon: 50, Period: Period{Kind: Hourly, Location: time.UTC}, TTL: 10 * time.Minute,
			Tenants: []Tenant{{Name: "team", Budget: 0.6, Requests: 20}, {Name: "k", Parent: "team", Budget: 0.3, Period: Period{Kind: FixedLength, Length: 7 * time.Minute}}}}
		accounts, _ := cfg.LedgerAccounts()
		ledger, _ := NewMemoryLedger(accounts)
		cfg.Ledger = ledger
		a, err := NewPacer(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewPacer(cfg, nil)
		addErr := a.AddTenant(bg, Tenant{Name: name, Parent: "k", Budget: 0.1})
		if addErr != nil && !errors.Is(addErr, ErrInvalid) {
			t.Fatal(addErr)
		}
		tenants := []string{"", "team", "k", name, "nobody"}
		type live struct {
			p    *Pacer
			id   uint64
			cost float64
		}
		var out []live
		now := day0
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			now = now.Add(time.Duration(arg) * 7 * time.Second)
			p := a
			if op&1 == 1 {
				p = b
			}
			switch op % 6 {
			case 0, 1, 2:
				q := []float64{float64(arg%7) / 7, 0.5, 0.9}
				c := []float64{0.01, 0.05 * float64(1+arg%3), 0.2}
				ch, err := p.Decide(bg, Query{Tenant: tenants[int(arg)%len(tenants)], At: now}, q, c)
				if err != nil {
					if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrRejected) {
						t.Fatal(err)
					}
					continue
				}
				out = append(out, live{p, ch.Reservation, ch.Cost})
			case 3, 4:
				if len(out) == 0 {
					continue
				}
				k := int(arg) % len(out)
				r := out[k]
				out = append(out[:k], out[k+1:]...)
				var err error
				if op%6 == 3 {
					err = r.p.Settle(bg, now, r.id, r.cost*float64(arg%5)/4)
				} else {
					err = r.p.Release(bg, now, r.id)
				}
				if err != nil && !errors.Is(err, ErrUnknownReservation) {
					t.Fatal(err)
				}
			case 5:
				before, _ := p.Snapshot()
				if err := p.Settle(bg, now, uint64(arg)<<7|uint64(op), 0.01); !errors.Is(err, ErrUnknownReservation) {
					t.Fatalf("forged id: %v", err)
				}
				if after, _ := p.Snapshot(); string(after) != string(before) {
					t.Fatal("a refused settlement changed the pacer")
				}
			}
			for _, acct := range accounts {
				bal, err := ledger.Balance(bg, now, acct.Name)
				if err != nil || bal.Spent > bal.Limit || bal.Held < 0 {
					t.Fatalf("%s: %+v %v", acct.Name, bal, err)
				}
			}
		}
	})
}
