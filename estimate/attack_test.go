package estimate

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

var attackFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, math.Copysign(0, -1),
	float64(math.MaxInt), 1e308, -1e308, math.MaxFloat64, 5e-324, 0.5,
}

var attackInts = []int{-1, 0, 1, 7, math.MaxInt, math.MinInt, 1 << 50}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// TestAttackTracker attacks every Tracker entry point: no panic, errors
// wrap ErrInvalid, a failed call leaves the snapshot bytes unchanged, and
// every returned float is finite.
func TestAttackTracker(t *testing.T) {
	for _, v := range attackFloats {
		for name, cfg := range map[string]TrackerConfig{
			"PriorAlpha": {PriorAlpha: v}, "PriorBeta": {PriorBeta: v}, "Decay": {Decay: v},
		} {
			tr, err := NewTracker(cfg)
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s = %v: %v", name, v, err)
				}
				continue
			}
			_ = tr.Observe("p", 3, 5)
			a, b, _ := tr.Posterior("p")
			p, _ := tr.Estimate("p")
			a0, b0, _ := tr.Posterior("unseen")
			p0, _ := tr.Estimate("unseen")
			if !finite(a, b, p, a0, b0, p0) || !(a > 0 && b > 0) {
				t.Errorf("%s = %v: Beta(%v, %v), p̂ %v, prior Beta(%v, %v), %v", name, v, a, b, p, a0, b0, p0)
			}
		}
	}
	for _, n := range attackInts {
		for name, cfg := range map[string]TrackerConfig{
			"Window": {Window: n}, "MinObservations": {MinObservations: n, Window: 8},
			"MaxPrompts": {MaxPrompts: n}, "Shards": {Shards: n},
		} {
			tr, err := NewTracker(cfg)
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s = %d: %v", name, n, err)
				}
				continue
			}
			if err := tr.Observe("p", 1, 2); err != nil {
				t.Errorf("%s = %d: Observe: %v", name, n, err)
			}
		}
	}
	tr := trackerMust(t, TrackerConfig{Window: 4, Shards: 4, MaxPrompts: 8})
	_ = tr.Observe("seed", 1, 3)
	huge := strings.Repeat("x", 10<<20)
	check := func(name string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: error %v wraps neither ErrInvalid nor ErrSnapshot", name, err)
		}
	}
	for _, id := range []string{"", huge, "\xff\xfe", "ok", "\x00"} {
		for _, s := range attackInts {
			for _, k := range attackInts {
				before, _ := tr.Snapshot()
				err := tr.Observe(id, s, k)
				check("Observe", err)
				if err != nil {
					if after, _ := tr.Snapshot(); !bytes.Equal(before, after) {
						t.Fatalf("failed Observe(%.8q, %d, %d) changed the tracker", id, s, k)
					}
				}
			}
		}
		for _, r := range attackFloats {
			before, _ := tr.Snapshot()
			err := tr.ObserveRewards(id, []float64{0.5, r}, 0.5)
			check("ObserveRewards", err)
			err2 := tr.ObserveRewards(id, []float64{1}, r)
			check("ObserveRewards threshold", err2)
			if err != nil && err2 != nil {
				if after, _ := tr.Snapshot(); !bytes.Equal(before, after) {
					t.Fatalf("failed ObserveRewards changed the tracker")
				}
			}
		}
		a, b, err := tr.Posterior(id)
		p, _ := tr.Estimate(id)
		if err != nil || !finite(a, b, p) {
			t.Errorf("Posterior(%.8q) = %v, %v, %v; Estimate %v", id, a, b, err, p)
		}
	}
	for _, data := range [][]byte{nil, {}, []byte("null"), []byte("{}"), []byte(huge)} {
		before, _ := tr.Snapshot()
		if err := tr.Restore(data); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Restore(%.20q): %v", data, err)
		}
		if after, _ := tr.Snapshot(); !bytes.Equal(before, after) {
			t.Fatal("failed Restore changed the tracker")
		}
	}
}

// TestAttackCostOfPass attacks the cost-of-pass functions. +Inf is their
// documented value for "never passes"; NaN and −Inf never come out.
func TestAttackCostOfPass(t *testing.T) {
	ok := func(name string, v float64, err error) {
		t.Helper()
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, -1) || v < 0 {
			t.Errorf("%s = %v", name, v)
		}
	}
	for _, v := range attackFloats {
		r, err := CostOfPass([]float64{v, 1}, []float64{1, 0})
		ok("CostOfPass(cost)", r, err)
		r, err = CostOfPass([]float64{1, 1}, []float64{v, 0})
		ok("CostOfPass(score)", r, err)
		r, err = Frontier([]float64{v, 2}, 3)
		ok("Frontier(value)", r, err)
		r, err = Frontier([]float64{2}, v)
		ok("Frontier(human)", r, err)
		for k := 0; k < 4; k++ {
			args := []float64{100, 200, 3, 15}
			args[k] = v
			r, err = TokenCost(args[0], args[1], args[2], args[3])
			ok("TokenCost", r, err)
			if err == nil && !finite(r) {
				t.Errorf("TokenCost%v = %v", args, r)
			}
		}
		tab := CostOfPassTable{Models: []string{"a", "b"}, Values: [][]float64{{v, 1}, {2, v}}, Human: []float64{v, 5}}
		r, err = tab.TaskFrontier()
		ok("TaskFrontier", r, err)
		abs, rel, err := tab.FamilyGain("a")
		ok("FamilyGain abs", abs, err)
		ok("FamilyGain rel", rel, err)
		if err == nil && !(rel >= 0 && rel <= 1) {
			t.Errorf("FamilyGain rel = %v", rel)
		}
	}
	for _, tab := range []CostOfPassTable{
		{}, {Models: []string{"a"}}, {Models: []string{"a"}, Values: [][]float64{{}}},
		{Models: []string{"a"}, Families: []string{}, Values: [][]float64{{1}}},
		{Models: []string{"a"}, Values: [][]float64{{1}}, Human: []float64{}},
	} {
		if _, err := tab.TaskFrontier(); !errors.Is(err, ErrInvalid) {
			t.Errorf("TaskFrontier(%+v): %v", tab, err)
		}
	}
	if _, err := CostOfPass(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Error("CostOfPass(nil, nil) accepted")
	}
	if _, err := CostOfPass([]float64{1}, nil); !errors.Is(err, ErrInvalid) {
		t.Error("CostOfPass mismatched lengths accepted")
	}
}
