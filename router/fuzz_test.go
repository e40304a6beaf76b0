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
	p.Settle(bg, time.Time{}, ch.Reservation, 0.05)
	ps, _ := p.Snapshot()
	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	tr.Decide(0.7)
	ts, _ := tr.Snapshot()
	nz, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
	nz.Add(0.1)
	nz.Add(0.2)
	ns, _ := nz.Snapshot()
	for _, s := range [][]byte{ps, ts, ns, []byte(`{}`), []byte(`{"kind":"router.Pacer","version":1}`)} {
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
