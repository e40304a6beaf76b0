package router

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Regression tests for issue 14's router items: each failed before its fix.

func TestQuantileDoesNotOverflow(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{-1e308, 1e308}, 0.5, 0},
		{[]float64{-math.MaxFloat64, math.MaxFloat64}, 0.25, -math.MaxFloat64 / 2},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
	} {
		got, err := Quantile(c.xs, c.p)
		if err != nil || math.Abs(got-c.want) > 1e-15*math.Abs(c.want) {
			t.Errorf("Quantile(%v, %v) = %v, %v; want %v", c.xs, c.p, got, err, c.want)
		}
	}
	tau, err := CalibrateTau([]float64{-1e308, 1e308, 0}, 0.3)
	if err != nil || !num.IsFinite(tau) {
		t.Errorf("CalibrateTau = %v, %v", tau, err)
	}
}

func TestEvalDoesNotOverflow(t *testing.T) {
	big := []float64{1e308, 1e308, 1e308}
	s, err := Summarize(big, []float64{1, 1, 0})
	if err != nil || !num.IsFinite(s.Cost) || !num.IsFinite(s.CostOfPass) || math.Abs(s.Cost-1e308) > 1e294 {
		t.Errorf("Summarize(1e308 costs) = %+v, %v", s, err)
	}
	if _, err := Summarize([]float64{1e308}, []float64{1e-300}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Summarize with a cost-of-pass beyond MaxFloat64: %v", err)
	}
	if s, err := Summarize([]float64{1, 2}, []float64{0, 0}); err != nil || !math.IsInf(s.CostOfPass, 1) {
		t.Errorf("nothing passed: %+v %v (want +Inf cost-of-pass)", s, err)
	}
	scores := []float64{0.1, 0.4, 0.6, 0.9}
	weak, strong := []float64{-1e308, -1e308, -1e308, -1e308}, []float64{1e308, 1e308, 1e308, 1e308}
	cost := []float64{1e308, 1e308, 1e308, 1e308}
	curve, err := DeferralCurve(scores, weak, strong, cost, cost, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range curve {
		if !num.IsFinite(p.Quality) || !num.IsFinite(p.Cost) {
			t.Errorf("curve point %+v", p)
		}
	}
	if v, err := APGR(curve); err == nil && !num.IsFinite(v) {
		t.Errorf("APGR = %v with nil error", v)
	}
	if v, err := CPT(curve, 0.5); err != nil || !num.IsFinite(v) {
		t.Errorf("CPT = %v, %v", v, err)
	}
	if _, err := DeferralCurve(scores, weak, strong, cost, cost, math.MaxInt); !errors.Is(err, ErrInvalid) {
		t.Errorf("DeferralCurve(points = MaxInt): %v", err)
	}
}

func TestAssignBatchGapIsNeverNaN(t *testing.T) {
	q := [][]float64{{-1e308, 1e308}, {-1e308, 1e308}, {1e308, -1e308}}
	c := [][]float64{{0, 1}, {0, 1}, {0, 1}}
	a, err := AssignBatch(q, c, 1.5)
	if err == nil {
		for _, v := range []float64{a.Quality, a.Cost, a.Lambda, a.Bound, a.Gap} {
			if !num.IsFinite(v) {
				t.Fatalf("AssignBatch = %+v with nil error", a)
			}
		}
	} else if !errors.Is(err, ErrInvalid) {
		t.Fatalf("AssignBatch: %v", err)
	}
	// Tiny cost differences give huge slopes, not NaN.
	a, err = AssignBatch([][]float64{{0, 1}, {0, 1}}, [][]float64{{0, 5e-324}, {0, 1}}, 0.5)
	if err == nil && (!num.IsFinite(a.Lambda) || !num.IsFinite(a.Gap)) {
		t.Errorf("AssignBatch with a subnormal cost step = %+v", a)
	}
}

func TestPacerMoneyDoesNotOverflow(t *testing.T) {
	if _, err := NewPacer(PacerConfig{Models: simModels, Budget: 1e-315, Horizon: 10}, nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Budget") {
		t.Errorf("budget 1e-315: %v", err)
	}
	many := make([]Model, 17)
	for i := range many {
		many[i] = Model{Name: string(rune('a' + i))}
	}
	if _, err := NewPacer(PacerConfig{Models: many, Budget: 1, Horizon: 10, WarmStart: 1 << 20}, nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "WarmStart") {
		t.Errorf("WarmStart × models beyond 2²⁴: %v", err)
	}
	p, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10}, nil)
	quality, cost := []float64{0.5, 0.6, 0.7}, []float64{0.1, 0.2, 0.3}
	for i := 0; i < 3; i++ {
		ch, err := p.Decide(bg, Query{At: day0}, quality, cost)
		if err != nil {
			break
		}
		// Far above the budget, but representable: recorded, saturating.
		if err := p.Settle(bg, day0, ch.Reservation, 4e9); err != nil {
			t.Fatal(err)
		}
	}
	s := p.Stats(day0)
	for _, v := range []float64{s.Lambda, s.Spent, s.Reserved, s.Overrun, s.Forecast} {
		if !num.IsFinite(v) {
			t.Fatalf("stats after huge settlements: %+v", s)
		}
	}
	if _, err := p.Decide(bg, Query{At: day0}, quality, cost); !errors.Is(err, ErrBudgetExhausted) {
		t.Errorf("after overspending: %v", err)
	}
	data, err := p.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	q, _ := NewPacer(PacerConfig{Models: simModels, Budget: 1, Horizon: 10}, nil)
	if err := q.Restore(data); err != nil {
		t.Errorf("a snapshot the pacer wrote is refused: %v", err)
	}
	// A μ of 1e308 in a snapshot is out of its domain.
	bad := strings.Replace(string(data), `"mu":`+muString(p), `"mu":1e308`, 1)
	if bad == string(data) {
		t.Fatal("test did not alter μ")
	}
	if err := q.Restore([]byte(bad)); !errors.Is(err, ErrSnapshot) {
		t.Errorf("μ = 1e308 restored: %v", err)
	}
}

func muString(p *Pacer) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, _ := json.Marshal(p.st.Accounts[0].Mu)
	return string(b)
}
