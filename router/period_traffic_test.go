package router

import (
	"testing"
	"time"
)

// periodRun routes traffic of `factor` × the expected daily requests over
// one day under a daily budget and reports the rejection rate overall and
// in the last tenth of the day, and the spend.
func periodRun(t *testing.T, cfg PacerConfig, reqs []simRequest, day time.Time) (rejAll, rejLast, spent float64) {
	t.Helper()
	p, err := NewPacer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(reqs)
	step := 24 * time.Hour / time.Duration(n)
	var fifo []uint64
	var actual []float64
	rejected, rejectedLast, last := 0, 0, 0
	for i, r := range reqs {
		now := day.Add(time.Duration(i) * step)
		inLast := i >= n-n/10
		if inLast {
			last++
		}
		ch, err := p.Decide(bg, Query{At: now}, r.q[:], r.c[:])
		if err != nil {
			rejected++
			if inLast {
				rejectedLast++
			}
		} else {
			fifo, actual = append(fifo, ch.Reservation), append(actual, r.c[ch.Index]*r.factor)
		}
		for len(fifo) > 16 {
			if err := p.Settle(bg, now, fifo[0], actual[0]); err != nil {
				t.Fatal(err)
			}
			fifo, actual = fifo[1:], actual[1:]
		}
	}
	end := day.Add(24*time.Hour - 1)
	for i := range fifo {
		if err := p.Settle(bg, end, fifo[i], actual[i]); err != nil {
			t.Fatal(err)
		}
	}
	return float64(rejected) / float64(n), float64(rejectedLast) / float64(last), p.Stats(end).Spent
}

// TestPacerPacesTrafficAboveForecast is issue 13's period test: 1.5× the
// expected traffic in a daily period is served to the end of the day with
// spend ≤ budget and no wall of rejections, measured as a rejection rate
// ≤ 1% in the last tenth of the period (and overall). A lifetime budget
// over the same expected horizon (the previous fixed-horizon pacing) shows
// the wall the forecast removes.
func TestPacerPacesTrafficAboveForecast(t *testing.T) {
	const expected = 10000
	reqs := simTraffic(5, expected*3/2)
	var strong float64
	for _, r := range reqs[:expected] {
		strong += r.c[2]
	}
	budget := 0.3 * strong // 30% of always-strong for the expected traffic
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	daily := PacerConfig{Models: simModels, Budget: budget, Horizon: expected, Period: Period{Kind: Daily, Location: time.UTC}}
	rejAll, rejLast, spent := periodRun(t, daily, reqs, day)
	t.Logf("daily period, 1.5× traffic: %.2f%% rejected overall, %.2f%% in the last tenth, spend %.2f%% of budget", 100*rejAll, 100*rejLast, 100*spent/budget)
	if spent > budget {
		t.Errorf("spent %v > budget %v", spent, budget)
	}
	if rejLast > 0.01 || rejAll > 0.01 {
		t.Errorf("rejections: %.3f overall, %.3f in the last tenth (want ≤ 0.01)", rejAll, rejLast)
	}
	if spent < 0.95*budget {
		t.Errorf("spent only %.1f%% of the budget", 100*spent/budget)
	}
	// The harness keeps 16 requests in flight, which can outlive the
	// default TTL once the fixed horizon stops admitting: a day-long TTL.
	fixed := PacerConfig{Models: simModels, Budget: budget, Horizon: expected, TTL: 24 * time.Hour}
	fAll, fLast, _ := periodRun(t, fixed, reqs, day)
	t.Logf("fixed horizon, 1.5× traffic: %.2f%% rejected overall, %.2f%% in the last tenth", 100*fAll, 100*fLast)
	if fLast < 0.5 {
		t.Errorf("the fixed-horizon baseline rejected only %.2f of the last tenth; the test no longer shows the wall", fLast)
	}
}
