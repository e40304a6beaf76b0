package irt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
)

// Issue 14 regressions: each of these returned NaN or ±Inf without an error,
// or panicked, before the fix.

func TestEAPTinyPriorSD(t *testing.T) {
	bank := goldenBank()
	x := []float64{1, 1, 0, 0, 1}
	if _, err := EAP(bank, x, EAPConfig{PriorSD: 1e-300}); !errors.Is(err, ErrInvalid) {
		t.Errorf("PriorSD = 1e-300: err = %v, want ErrInvalid", err)
	}
	e, err := EAP(bank, x, EAPConfig{PriorSD: 1e-6, PriorMean: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if !finite(e.Theta...) || !finite(e.SE...) {
		t.Errorf("PriorSD = 1e-6: θ %v SE %v", e.Theta, e.SE)
	}
	if _, err := MAP(bank, x, AbilityConfig{PriorSD: 1e-300}); !errors.Is(err, ErrInvalid) {
		t.Errorf("MAP PriorSD = 1e-300: %v", err)
	}
}

func TestGPIRTLambdaExtremeBias(t *testing.T) {
	for _, c := range []struct{ b, v, want float64 }{
		{1e200, 1, 1}, {-1e200, 1e300, 1}, {1e-200, 1, 0}, {0, 1, 0}, {0, 0, 0.5}, {1, 4, 0.5},
	} {
		got, err := GPIRTLambda(c.b, c.v, 1)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("GPIRTLambda(%v, %v, 1) = %v, %v; want %v", c.b, c.v, got, err, c.want)
		}
	}
	if _, err := GPIRT(math.MaxFloat64, math.MaxFloat64, 0.5); err != nil {
		t.Errorf("GPIRT at MaxFloat64: %v", err)
	}
}

func TestTestInfoBadTheta(t *testing.T) {
	bank := goldenBank()
	for _, th := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e308} {
		if _, err := TestInfo(bank, th); !errors.Is(err, ErrInvalid) {
			t.Errorf("TestInfo(θ = %v): err = %v", th, err)
		}
		if _, err := StandardError(bank, th); !errors.Is(err, ErrInvalid) {
			t.Errorf("StandardError(θ = %v): err = %v", th, err)
		}
	}
	if _, err := StandardError([]Item{{A: []float64{0}}}, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("StandardError with zero information: %v", err)
	}
	// Two dimensions whose products would be +Inf and −Inf (NaN logit).
	bank2 := []Item{{A: []float64{1000, -1000}}}
	if _, err := TestInfo(bank2, 1e306, 1e306); !errors.Is(err, ErrInvalid) {
		t.Errorf("TestInfo(1e306, 1e306): %v", err)
	}
}

func TestItemOverflowingDifficulty(t *testing.T) {
	it := Item{A: []float64{1e-310}, D: 1e6}
	if _, err := it.Difficulty(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Difficulty: %v", err)
	}
	if _, err := it.MaxInfoTheta(); !errors.Is(err, ErrInvalid) {
		t.Errorf("MaxInfoTheta: %v", err)
	}
	if _, err := ValidateBank([]Item{{A: []float64{1e308}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateBank(a = 1e308): %v", err)
	}
}

// Issue 14: NewSession kept the caller's bank, so editing it afterwards
// changed the session and broke its snapshots.
func TestNewSessionCopiesBank(t *testing.T) {
	bank := goldenBank()
	costs := []float64{1, 2, 3, 4, 5}
	s, err := NewSession(bank, SessionConfig{Costs: costs})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Observe(0, 1, 1)
	before, _ := s.Snapshot()
	pred, _ := s.PredictScore([]int{1, 2, 3})
	bank[1].A[0], bank[2].D, costs[3] = 7, 3, 100
	bank[4] = TwoPL(9, 9)
	after, _ := s.Snapshot()
	if !bytes.Equal(before, after) {
		t.Error("editing the caller's bank changed the session's snapshot")
	}
	if p, _ := s.PredictScore([]int{1, 2, 3}); p != pred {
		t.Errorf("prediction moved from %v to %v", pred, p)
	}
	if err := s.Restore(before); err != nil {
		t.Errorf("own snapshot refused: %v", err)
	}
}

// Issue 14: Randomesque = MaxInt panicked in makeslice.
func TestSessionSizeLimits(t *testing.T) {
	bank := goldenBank()
	for _, cfg := range []SessionConfig{
		{Randomesque: math.MaxInt}, {Randomesque: len(bank) + 1}, {CostExponent: 1e308},
	} {
		if _, err := NewSession(bank, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v", cfg, err)
		}
	}
	if _, err := NewSession(bank, SessionConfig{Randomesque: len(bank)}); err != nil {
		t.Error(err)
	}
	if _, err := EAP([]Item{{A: []float64{1, 1}}}, []float64{1}, EAPConfig{Nodes: 10000}); !errors.Is(err, ErrInvalid) {
		t.Errorf("EAP with a 10⁸-point 2-D grid: %v", err)
	}
}

// Issue 14: the total spent overflowed to +Inf.
func TestSessionSpentStaysFinite(t *testing.T) {
	s, _ := NewSession(goldenBank(), SessionConfig{})
	if err := s.Observe(0, 1, 1e308); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Snapshot()
	if err := s.Observe(1, 1, 1e308); !errors.Is(err, ErrInvalid) {
		t.Errorf("overflowing cost: %v", err)
	}
	if after, _ := s.Snapshot(); !bytes.Equal(before, after) {
		t.Error("failed Observe changed the session")
	}
	if !finite(s.Spent()) {
		t.Errorf("Spent = %v", s.Spent())
	}
}

func TestAnchorPointsHugeFeatures(t *testing.T) {
	if _, err := AnchorPoints([][]float64{{1e300}, {-1e300}}, AnchorConfig{K: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("features ±1e300: %v", err)
	}
	a, err := AnchorPoints([][]float64{{1e100}, {-1e100}, {0}}, AnchorConfig{K: 2, Weights: []float64{1e300, 1e300, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !finite(a.Weights...) || len(a.Items) != 2 {
		t.Errorf("anchors %v weights %v", a.Items, a.Weights)
	}
}

func TestCalibrateDomainLimits(t *testing.T) {
	m := [][]float64{{1, 0}, {0, 1}, {1, 1}}
	for _, cfg := range []CalibrateConfig{
		{QuadRange: 1e308}, {SlopePriorSD: 1e-300}, {InterceptPriorSD: 1e308}, {AbilityPriorSD: math.Inf(1)},
	} {
		if _, err := Calibrate(context.Background(), m, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
