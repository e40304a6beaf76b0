package router

import (
	"math"
	"testing"
	"time"
)

// TestPacerSettlesIntoTheHoldsPeriod: a request routed before midnight and
// settled after it is spent in the day it was routed in, locally and in the
// ledger, and the new day starts with its whole budget.
func TestPacerSettlesIntoTheHoldsPeriod(t *testing.T) {
	daily := Period{Kind: Daily, Location: time.UTC}
	p, _ := NewPacer(PacerConfig{Models: []Model{{Name: "m"}}, Budget: 1, Horizon: 10, Period: daily}, nil)
	late := day0.Add(24*time.Hour - time.Second)
	ch, err := p.Decide(bg, Query{At: late}, []float64{1}, []float64{0.9})
	if err != nil {
		t.Fatal(err)
	}
	next := day0.Add(24*time.Hour + time.Second)
	// The new day has its full budget although yesterday's reservation is live.
	ch2, err := p.Decide(bg, Query{At: next}, []float64{1}, []float64{0.9})
	if err != nil {
		t.Fatalf("new day: %v", err)
	}
	if err := p.Settle(bg, next, ch.Reservation, 0.8); err != nil {
		t.Fatal(err)
	}
	s := p.Stats(next)
	if s.Spent != 0 || math.Abs(s.Reserved-0.9) > 1e-12 || !s.Start.Equal(day0.Add(24*time.Hour)) {
		t.Errorf("today after yesterday's settlement: %+v", s)
	}
	b, _ := p.Ledger().Balance(bg, next, "global")
	if b.Spent != 0 || b.Held != 900_000_000 {
		t.Errorf("ledger today: %+v", b)
	}
	if err := p.Settle(bg, next, ch2.Reservation, 0.5); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(next); math.Abs(s.Spent-0.5) > 1e-12 || s.Reserved != 0 {
		t.Errorf("today: %+v", s)
	}
}

// TestForecast checks the Gamma–Poisson forecast against its closed form.
func TestForecast(t *testing.T) {
	a := paceAccount{period: Period{Kind: Daily, Location: time.UTC}, requests: 1000}
	st := accountState{Start: day0.UnixNano(), End: day0.Add(24 * time.Hour).UnixNano()}
	day := float64(24 * time.Hour)
	for _, c := range []struct {
		elapsed  time.Duration
		arrivals int
	}{{0, 0}, {6 * time.Hour, 250}, {6 * time.Hour, 600}, {12 * time.Hour, 0}, {24*time.Hour - 1, 5000}} {
		t0 := day0.Add(c.elapsed).UnixNano()
		e := float64(c.elapsed)
		want := (0.1*1000 + float64(c.arrivals)) / (0.1*day + e) * (day - e)
		want = math.Max(1, want)
		if got := a.forecast(&st, t0, c.arrivals); math.Abs(got-want) > 1e-9*want {
			t.Errorf("forecast(%v, %d) = %v, want %v", c.elapsed, c.arrivals, got, want)
		}
	}
	// At the expected rate the forecast is the expected remainder.
	if got := a.forecast(&st, day0.Add(12*time.Hour).UnixNano(), 500); math.Abs(got-500) > 1e-9 {
		t.Errorf("on-forecast traffic: %v, want 500", got)
	}
	life := paceAccount{requests: 1000}
	if got := life.forecast(&accountState{}, 0, 999); got != 1 {
		t.Errorf("lifetime forecast %v", got)
	}
	if got := life.forecast(&accountState{}, 0, 5000); got != 1 {
		t.Errorf("lifetime forecast past the horizon %v", got)
	}
}
