package router

import (
	"errors"
	"math"
	"testing"
)

func TestDeferralCurveAPGRCPT(t *testing.T) {
	scores := []float64{0.1, 0.4, 0.6, 0.9}
	zero, one := []float64{0, 0, 0, 0}, []float64{1, 1, 1, 1}
	cost1, cost10 := []float64{1, 1, 1, 1}, []float64{10, 10, 10, 10}
	// A router that knows nothing: quality grows linearly with the strong
	// share, so APGR = 1/2 and CPT(x) = x.
	curve, err := DeferralCurve(scores, zero, one, cost1, cost10, 5)
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range curve {
		want := float64(k) / 4
		if math.Abs(p.StrongShare-want) > 1e-12 || math.Abs(p.Quality-want) > 1e-12 || math.Abs(p.Cost-(1+9*want)) > 1e-12 {
			t.Errorf("point %d = %+v", k, p)
		}
	}
	if a, err := APGR(curve); err != nil || math.Abs(a-0.5) > 1e-12 {
		t.Errorf("APGR = %v, %v; want 0.5", a, err)
	}
	for _, x := range []float64{0.2, 0.5, 0.8} {
		if c, err := CPT(curve, x); err != nil || math.Abs(c-x) > 1e-12 {
			t.Errorf("CPT(%v) = %v, %v", x, c, err)
		}
	}
	// A router that sends the weak model's failures strong first. By hand:
	// qualities 0.5, 0.75, 1, 1, 1 at shares 0, ¼, ½, ¾, 1; AUC = 0.875,
	// APGR = (0.875 − 0.5)/(1 − 0.5) = 0.75; CPT(50%) = 0.25; CPT(80%):
	// target 0.9 lies 60% of the way from 0.75 to 1, share 0.25 + 0.6·0.25.
	weak := []float64{1, 1, 0, 0}
	curve, _ = DeferralCurve(scores, weak, one, cost1, cost10, 5)
	if a, _ := APGR(curve); math.Abs(a-0.75) > 1e-12 {
		t.Errorf("APGR = %v, want 0.75", a)
	}
	if c, _ := CPT(curve, 0.5); math.Abs(c-0.25) > 1e-12 {
		t.Errorf("CPT(0.5) = %v", c)
	}
	if c, _ := CPT(curve, 0.8); math.Abs(c-0.4) > 1e-12 {
		t.Errorf("CPT(0.8) = %v", c)
	}
	// Bad input.
	if _, err := DeferralCurve(scores, zero[:3], one, cost1, cost10, 5); !errors.Is(err, ErrInvalid) {
		t.Errorf("length: %v", err)
	}
	if _, err := DeferralCurve(scores, zero, one, cost1, cost10, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("points: %v", err)
	}
	if _, err := DeferralCurve([]float64{math.NaN(), 0, 0, 0}, zero, one, cost1, cost10, 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := APGR(curve[:1]); !errors.Is(err, ErrInvalid) {
		t.Errorf("short curve: %v", err)
	}
	flat, _ := DeferralCurve(scores, one, one, cost1, cost10, 3)
	if _, err := APGR(flat); !errors.Is(err, ErrInvalid) {
		t.Errorf("flat curve: %v", err)
	}
	if _, err := CPT(curve, 1.5); !errors.Is(err, ErrInvalid) {
		t.Errorf("x: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	s, err := Summarize([]float64{1, 3}, []float64{1, 0})
	if err != nil || s.Quality != 0.5 || s.Cost != 2 || s.CostOfPass != 4 {
		t.Errorf("Summarize = %+v, %v", s, err)
	}
	if _, err := Summarize([]float64{-1}, []float64{1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad: %v", err)
	}
}
