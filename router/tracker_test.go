package router

import (
	"errors"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func TestTauTrackerShiftedTraffic(t *testing.T) {
	// Calibrate on one score distribution, then serve traffic whose scores
	// are shifted and squashed: the offline τ sends about a third of the
	// target to the strong model; the tracker holds the target.
	r := randx.New(5, 0)
	calib := make([]float64, 2000)
	for i := range calib {
		calib[i] = r.Float64()
	}
	const target = 0.3
	tau0, err := CalibrateTau(calib, target)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTauTracker(TauTrackerConfig{Target: target, InitialTau: tau0})
	if err != nil {
		t.Fatal(err)
	}
	const warm, n = 2000, 20000
	var strong, offline int
	for i := 0; i < n; i++ {
		s := 0.4 + 0.5*r.Float64()*r.Float64() // shifted live distribution
		got, err := tr.Decide(s)
		if err != nil {
			t.Fatal(err)
		}
		if i >= warm {
			if got {
				strong++
			}
			if s >= tau0 {
				offline++
			}
		}
	}
	frac := float64(strong) / float64(n-warm)
	off := float64(offline) / float64(n-warm)
	t.Logf("realised %.4f (offline τ would give %.4f), τ: %.4f → %.4f", frac, off, tau0, tr.Tau())
	if math.Abs(frac-target) > 0.02 {
		t.Errorf("realised strong fraction %.4f, want %.2f ± 0.02", frac, target)
	}
	if math.Abs(off-target) < 0.1 {
		t.Errorf("test is too easy: offline τ gives %.3f", off)
	}
	// Per 1,000-request block after warm-up, the fraction also stays close.
	tr2, _ := NewTauTracker(TauTrackerConfig{Target: target, InitialTau: tau0})
	r2 := randx.New(6, 0)
	for i := 0; i < warm; i++ {
		tr2.Decide(0.4 + 0.5*r2.Float64()*r2.Float64())
	}
	for b := 0; b < 10; b++ {
		k := 0
		for i := 0; i < 1000; i++ {
			if s, _ := tr2.Decide(0.4 + 0.5*r2.Float64()*r2.Float64()); s {
				k++
			}
		}
		if f := float64(k) / 1000; math.Abs(f-target) > 0.05 {
			t.Errorf("block %d: fraction %.3f", b, f)
		}
	}
}

func TestTauTrackerSnapshot(t *testing.T) {
	cfg := TauTrackerConfig{Target: 0.25, Eta: 0.02, Decay: 0.6}
	a, _ := NewTauTracker(cfg)
	r := randx.New(1, 0)
	for i := 0; i < 500; i++ {
		a.Decide(r.Float64())
	}
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTauTracker(cfg)
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		s := r.Float64()
		x, _ := a.Decide(s)
		y, _ := b.Decide(s)
		if x != y || a.Tau() != b.Tau() {
			t.Fatalf("step %d: restored tracker diverged", i)
		}
	}
	other, _ := NewTauTracker(TauTrackerConfig{Target: 0.5})
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Errorf("restore into another config: %v", err)
	}
	if err := b.Restore([]byte("{")); !errors.Is(err, ErrSnapshot) {
		t.Errorf("corrupt: %v", err)
	}
}

func TestTauTrackerBadInput(t *testing.T) {
	for _, c := range []TauTrackerConfig{
		{}, {Target: 1}, {Target: math.NaN()}, {Target: 0.5, Eta: -1}, {Target: 0.5, Decay: 1},
		{Target: 0.5, Min: 1, Max: 0}, {Target: 0.5, InitialTau: 2},
	} {
		if _, err := NewTauTracker(c); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewTauTracker(%+v) err = %v", c, err)
		}
	}
	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.5})
	if _, err := tr.Decide(math.NaN()); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN score: %v", err)
	}
	if f, n := tr.Fraction(); f != 0 || n != 0 {
		t.Errorf("failed Decide changed state: %v %v", f, n)
	}
}
