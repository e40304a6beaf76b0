package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestClaims checks the example's claims: the budget is the stated share
// of always-strong's actual spend; calls overlap in time; the pacer, with
// requests in flight, never spends more than the budget and its ledger
// holds nothing once every call has settled; and the report says which
// policies see the answer before deciding.
func TestClaims(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		var out bytes.Buffer
		rep, err := run(&out, 20000, seed, 0.3, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.budget / rep.results[1].spent; math.Abs(got-0.3) > 1e-12 {
			t.Errorf("seed %d: budget is %.4f of always-strong's spend, want 0.3", seed, got)
		}
		for _, res := range rep.results {
			if res.peakInFlight < 2 {
				t.Errorf("seed %d: %s never had two calls in flight", seed, res.name)
			}
		}
		pc := rep.results[len(rep.results)-1]
		if pc.spent > rep.budget {
			t.Errorf("seed %d: the pacer spent $%.4f of a $%.4f budget", seed, pc.spent, rep.budget)
		}
		if pc.spent < 0.95*rep.budget {
			t.Errorf("seed %d: the pacer left %.1f%% of the budget unspent", seed, 100*(1-pc.spent/rep.budget))
		}
		if pc.overrun != 0 {
			t.Errorf("seed %d: overrun $%v with reservations that bound every cost", seed, pc.overrun)
		}
		text := out.String()
		for _, want := range []string{"yes: each answer's confidence", "no: predicted quality", "no: a win-rate score", "spend ($)", "of budget (%)"} {
			if !strings.Contains(text, want) {
				t.Errorf("seed %d: report lacks %q", seed, want)
			}
		}
	}
}
