package irt

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// coverage calibrates a 400-item 2PL bank (slopes 0.5–2, difficulties
// N(0, 1)) from nModels simulated models, then runs adaptive sessions
// (MaxSE 0.3) for examinees θ ~ N(0, 1) answering from the true bank, and
// returns the share of nominal 95% intervals θ̂ ± 1.96·SE that cover θ and
// the mean test length.
func coverage(t *testing.T, nModels, examinees int, seed uint64, cfg SessionConfig) (float64, float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 40))
	truth := make([]Item, 400)
	for j := range truth {
		truth[j] = TwoPL(0.5+1.5*rng.Float64(), rng.NormFloat64())
	}
	x, _ := simulate(rng, truth, nModels)
	cal, err := Calibrate(context.Background(), x, CalibrateConfig{Holdout: -1, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Stopping = Stopping{MaxSE: 0.3}
	cfg.ItemCov = cal.ItemCov
	var covered, items float64
	for e := 0; e < examinees; e++ {
		theta := rng.NormFloat64()
		cfg.Seed = uint64(e)
		s, err := NewSession(cal.Bank, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for s.Next() {
			j := s.Item()
			if err := s.Observe(j, drawScore(rng, truth[j], []float64{theta}), 1); err != nil {
				t.Fatal(err)
			}
		}
		ab := s.Ability()
		if math.Abs(ab.Theta[0]-theta) <= 1.96*ab.SE[0] {
			covered++
		}
		n, _ := s.Administered()
		items += float64(len(n))
	}
	return covered / float64(examinees), items / float64(examinees)
}

// TestItemCovWidensSE checks Calibration.ItemSE/ItemCov and the warning,
// and that a session given ItemCov reports larger standard errors than one
// that takes the items as known, and refuses malformed covariances.
func TestItemCovWidensSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	truth := make([]Item, 30)
	for j := range truth {
		truth[j] = TwoPL(0.5+1.5*rng.Float64(), rng.NormFloat64())
	}
	x, _ := simulate(rng, truth, 60)
	cal, err := Calibrate(context.Background(), x, CalibrateConfig{Holdout: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Report.Warnings) != 1 || len(cal.ItemSE) != 30 || len(cal.ItemCov) != 30 {
		t.Fatalf("warnings %q, %d SEs, %d covariances", cal.Report.Warnings, len(cal.ItemSE), len(cal.ItemCov))
	}
	for j, se := range cal.ItemSE {
		if !(se[0] > 0 && se[1] > 0) || !finite(se...) || math.Abs(se[0]*se[0]-cal.ItemCov[j][0]) > 1e-12 {
			t.Fatalf("item %d: SE %v, cov %v", j, se, cal.ItemCov[j])
		}
	}
	plain, _ := NewSession(cal.Bank, SessionConfig{})
	honest, err := NewSession(cal.Bank, SessionConfig{ItemCov: cal.ItemCov})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 10; j++ {
		_ = plain.Observe(j, float64(j%2), 1)
		_ = honest.Observe(j, float64(j%2), 1)
	}
	if p, h := plain.Ability(), honest.Ability(); !(h.SE[0] > p.SE[0]) || h.Theta[0] != p.Theta[0] {
		t.Errorf("SE with ItemCov %v, without %v (θ̂ %v vs %v)", h.SE[0], p.SE[0], h.Theta[0], p.Theta[0])
	}
	// A snapshot restores with the item covariances, and only into a
	// session that has the same ones.
	snap, _ := honest.Snapshot()
	again, _ := NewSession(cal.Bank, SessionConfig{ItemCov: cal.ItemCov})
	if err := again.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if a, h := again.Ability(), honest.Ability(); a.SE[0] != h.SE[0] {
		t.Errorf("restored SE %v, want %v", a.SE[0], h.SE[0])
	}
	if err := plain.Restore(snap); !errors.Is(err, ErrSnapshot) {
		t.Errorf("snapshot with ItemCov restored into a session without: %v", err)
	}
	bad := [][][]float64{
		cal.ItemCov[:3],
		append([][]float64{{1, 2, 3}}, cal.ItemCov[1:]...),
		append([][]float64{{1, 0.5, 0.4, 1}}, cal.ItemCov[1:]...),
		append([][]float64{{-1, 0, 0, 1}}, cal.ItemCov[1:]...),
		append([][]float64{{math.NaN(), 0, 0, 1}}, cal.ItemCov[1:]...),
	}
	for k, c := range bad {
		if _, err := NewSession(cal.Bank, SessionConfig{ItemCov: c}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad ItemCov %d: %v", k, err)
		}
	}
	if big, _ := Calibrate(context.Background(), append(x, x...)[:40], CalibrateConfig{Holdout: -1, Model: ModelRasch}); big != nil && len(big.Report.Warnings) != 1 {
		t.Errorf("Rasch from 40 models: warnings %q", big.Report.Warnings)
	}
}

// TestCoverageAfterSmallCalibration is issue 15's honesty check: after
// calibrating from 40 and from 200 models, nominal 95% intervals of
// adaptive sessions cover the true ability at least 90% of the time.
func TestCoverageAfterSmallCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	for _, n := range []int{40, 200} {
		var cov, items float64
		const reps = 8
		for r := uint64(0); r < reps; r++ {
			c, k := coverage(t, n, 200, r+1, SessionConfig{})
			cov += c / reps
			items += k / reps
		}
		t.Logf("calibrated from %d models: coverage %.3f, %.1f items on average", n, cov, items)
		if cov < 0.90 {
			t.Errorf("calibrated from %d models: 95%% intervals cover %.3f (want ≥ 0.90)", n, cov)
		}
	}
}
