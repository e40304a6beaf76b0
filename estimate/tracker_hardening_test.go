package estimate

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// Issue 14: Window 1<<50 was accepted, and Observe then panicked in
// makeslice with the shard mutex held, deadlocking the shard.
func TestTrackerHugeWindowRefused(t *testing.T) {
	for _, w := range []int{1 << 50, MaxWindow + 1, math.MaxInt} {
		if _, err := NewTracker(TrackerConfig{Window: w, Shards: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Window = %d: err = %v, want ErrInvalid", w, err)
		}
	}
	tr, err := NewTracker(TrackerConfig{Window: MaxWindow, Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Observe("a", 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Observe("a", 0, 1); err != nil { // the shard is not locked
		t.Fatal(err)
	}
}

// Issue 14: the window's even spread computed (j+1)·s in int64, which
// overflowed for counts near MaxInt.
func TestTrackerSpreadNoOverflow(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{Window: 16})
	if err := tr.Observe("p", math.MaxInt/2, math.MaxInt-1); err != nil {
		t.Fatal(err)
	}
	if p, ok := tr.Estimate("p"); !ok || p != 0.5 {
		t.Fatalf("Estimate = %v, %v; want 0.5 (8 of the last 16)", p, ok)
	}
	if got := spreadFloor(math.MaxInt, math.MaxInt, math.MaxInt); got != math.MaxInt {
		t.Fatalf("spreadFloor(MaxInt, MaxInt, MaxInt) = %d", got)
	}
}

// Issue 14: the trial counter wrapped to a negative number, after which
// Estimate reported invalid and the tracker's own snapshot was refused.
func TestTrackerTrialsSaturate(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{MinObservations: 5})
	for k := 0; k < 3; k++ {
		if err := tr.Observe("p", math.MaxInt, math.MaxInt); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := tr.Estimate("p"); !ok {
		t.Fatal("Estimate invalid after 3·MaxInt trials: the counter wrapped")
	}
	data, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := trackerMust(t, TrackerConfig{MinObservations: 5}).Restore(data); err != nil {
		t.Fatalf("own snapshot refused: %v", err)
	}
}

// Issue 14: ids that are not valid UTF-8 were mangled by JSON, so that the
// tracker's own snapshot was refused. They now round-trip byte for byte.
func TestTrackerInvalidUTF8IDRoundTrips(t *testing.T) {
	ids := []string{"\xff\xfe", "ok", "a\x80b", "\xc3\x28", "é"}
	cfg := TrackerConfig{Window: 4, Shards: 3}
	a := trackerMust(t, cfg)
	for k, id := range ids {
		if err := a.Observe(id, k%3, 3); err != nil {
			t.Fatal(err)
		}
	}
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := trackerMust(t, cfg)
	if err := b.Restore(data); err != nil {
		t.Fatalf("own snapshot refused: %v", err)
	}
	for _, id := range ids {
		pa, _ := a.Estimate(id)
		pb, okb := b.Estimate(id)
		if pa != pb || !okb {
			t.Errorf("id %q: %v vs %v, %v", id, pa, pb, okb)
		}
	}
	again, _ := b.Snapshot()
	if !bytes.Equal(again, data) {
		t.Error("snapshot of the restored tracker differs")
	}
}

func TestTrackerLongIDRefused(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{})
	long := strings.Repeat("x", 10<<20)
	if err := tr.Observe(long, 1, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("10 MB id: %v", err)
	}
	if err := tr.ObserveRewards(long, []float64{1}, 0.5); !errors.Is(err, ErrInvalid) {
		t.Errorf("10 MB id: %v", err)
	}
	if err := tr.Observe(strings.Repeat("x", MaxIDLen), 1, 1); err != nil {
		t.Errorf("MaxIDLen id: %v", err)
	}
}

// Issue 14: Restore checked shapes, not domains: α = 1e308 was accepted
// (and made Estimate return 0 when α + β overflowed).
func TestTrackerRestoreDomain(t *testing.T) {
	cfg := TrackerConfig{Shards: 1, PriorAlpha: 2, PriorBeta: 3}
	good := `{"kind":"estimate.Tracker","version":1,"config":{"prior_alpha":2,"prior_beta":3,"decay":1,"min_observations":1,"shards":1},"state":{"shards":[[{"id":"p","alpha":ALPHA,"beta":BETA,"trials":TRIALS}]]}}`
	mk := func(a, b, n string) []byte {
		return []byte(strings.NewReplacer("ALPHA", a, "BETA", b, "TRIALS", n).Replace(good))
	}
	tr := trackerMust(t, cfg)
	if err := tr.Restore(mk("4", "5", "4")); err != nil {
		t.Fatalf("reachable state refused: %v", err)
	}
	for _, c := range [][3]string{
		{"1e308", "3", "10"},       // far more successes than trials
		{"1e308", "1e308", "9e18"}, // α + β overflows
		{"1", "3", "0"},            // α below the prior
		{"2", "2.5", "5"},          // β below the prior
		{"4", "5", "3"},            // 4 outcomes in 3 trials
		{"-1", "3", "1"},
		{"2", "3", "-1"},
	} {
		before, _ := tr.Snapshot()
		if err := tr.Restore(mk(c[0], c[1], c[2])); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Beta(%s, %s) after %s trials: err = %v, want ErrSnapshot", c[0], c[1], c[2], err)
		}
		if after, _ := tr.Snapshot(); !bytes.Equal(before, after) {
			t.Errorf("failed Restore changed the tracker")
		}
	}
	// A decayed posterior is reachable.
	d := trackerMust(t, TrackerConfig{Decay: 0.5, Shards: 1})
	for k := 0; k < 50; k++ {
		_ = d.Observe("p", k%2, 1)
	}
	data, _ := d.Snapshot()
	if err := trackerMust(t, TrackerConfig{Decay: 0.5, Shards: 1}).Restore(data); err != nil {
		t.Errorf("decayed snapshot refused: %v", err)
	}
}
