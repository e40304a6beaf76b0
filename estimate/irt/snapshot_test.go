package irt

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestSessionSnapshotContinuation is a property test: for random
// configurations and random cut points — also between Next and Observe — a
// session restored from a snapshot continues bit-identically (same items,
// same snapshot bytes at the end).
func TestSessionSnapshotContinuation(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 40; trial++ {
		d := 1 + r.IntN(2)
		bank := randomBank(rand.New(rand.NewPCG(uint64(trial), 1)), 30+r.IntN(30), d)
		costs := make([]float64, len(bank))
		for j := range costs {
			costs[j] = 1 + 9*r.Float64()
		}
		cfg := SessionConfig{
			Selection:    Selection(r.IntN(5)),
			Randomesque:  r.IntN(4),
			CostExponent: float64(r.IntN(2)),
			Costs:        costs,
			Budget:       float64(r.IntN(2)) * 150,
			Stopping:     Stopping{MaxItems: 25},
			Seed:         r.Uint64(),
		}
		a, err := NewSession(bank, cfg)
		if err != nil {
			t.Fatal(err)
		}
		answers := rand.New(rand.NewPCG(uint64(trial), 2))
		cut := r.IntN(20)
		midNext := r.IntN(2) == 1
		var b *Session
		var itemsA, itemsB []int
		step := func(s *Session, items *[]int, rr *rand.Rand, skipNext bool) bool {
			if !skipNext && !s.Next() {
				return false
			}
			j := s.Item()
			*items = append(*items, j)
			if err := s.Observe(j, float64(rr.IntN(2)), costs[j]); err != nil {
				t.Fatal(err)
			}
			return true
		}
		for n := 0; n < cut && step(a, &itemsA, answers, false); n++ {
		}
		pending := midNext && a.Next()
		snap, err := a.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		b, _ = NewSession(bank, cfg)
		if err := b.Restore(snap); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if a.Item() != b.Item() {
			t.Fatalf("trial %d: pending item %d vs %d", trial, a.Item(), b.Item())
		}
		ra := rand.New(rand.NewPCG(uint64(trial), 3))
		rb := rand.New(rand.NewPCG(uint64(trial), 3))
		itemsA = itemsA[:0]
		first := pending
		for {
			okA := step(a, &itemsA, ra, first)
			okB := step(b, &itemsB, rb, first)
			first = false
			if okA != okB {
				t.Fatalf("trial %d: one session stopped first", trial)
			}
			if !okA {
				break
			}
		}
		if !slicesEqual(itemsA, itemsB) {
			t.Fatalf("trial %d: items %v vs %v", trial, itemsA, itemsB)
		}
		sa, _ := a.Snapshot()
		sb, _ := b.Snapshot()
		if !bytes.Equal(sa, sb) || a.Stop() != b.Stop() {
			t.Fatalf("trial %d: final states differ", trial)
		}
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSessionCorruptSnapshots truncates and mutates a valid snapshot: every
// restore either fails with ErrSnapshot and leaves the session unchanged, or
// succeeds into a session that keeps working.
func TestSessionCorruptSnapshots(t *testing.T) {
	bank := randomBank(rand.New(rand.NewPCG(5, 5)), 20, 1)
	cfg := SessionConfig{Randomesque: 3, Seed: 9}
	src, _ := NewSession(bank, cfg)
	for k := 0; k < 5; k++ {
		src.Next()
		_ = src.Observe(src.Item(), float64(k%2), 1)
	}
	src.Next()
	good, _ := src.Snapshot()
	s, _ := NewSession(bank, cfg)
	_ = s.Observe(7, 1, 1)
	base, _ := s.Snapshot()
	try := func(data []byte) {
		t.Helper()
		err := s.Restore(data)
		if err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("Restore error %v does not wrap ErrSnapshot", err)
			}
			if now, _ := s.Snapshot(); !bytes.Equal(now, base) {
				t.Fatalf("failed Restore changed the session")
			}
			return
		}
		for s.Next() {
			if err := s.Observe(s.Item(), 1, 1); err != nil {
				t.Fatalf("restored session: %v", err)
			}
		}
		if !finite(s.Ability().Theta...) || !finite(s.Ability().SE...) {
			t.Fatalf("restored session: θ %v", s.Ability())
		}
		s, _ = NewSession(bank, cfg)
		_ = s.Observe(7, 1, 1)
	}
	for n := 0; n < len(good); n++ {
		try(good[:n])
	}
	r := rand.New(rand.NewPCG(6, 6))
	for k := 0; k < 2000; k++ {
		c := append([]byte(nil), good...)
		c[r.IntN(len(c))] = byte(r.IntN(256))
		try(c)
	}
	for _, c := range []string{"-1", "20", "99", "0"} {
		c2 := bytes.Replace(good, []byte(`"pending":`), []byte(`"pending":`+c+`,"x":`), 1)
		try(c2)
	}
}
