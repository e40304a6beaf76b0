package router

import (
	"testing"
	"time"
)

// replicaRun routes a day of traffic round-robin over r pacers that share
// one MemoryLedger, each configured with the whole daily budget, calling
// Sync on each every syncEvery of its requests (0: never). It returns the
// quality as a share of AssignBatch's hindsight oracle, the rejection rate
// in the last tenth of the day, and the spend as a share of the budget.
func replicaRun(t *testing.T, reqs []simRequest, r, syncEvery int) (ratio, rejLast, spend float64) {
	t.Helper()
	n := len(reqs)
	q, c := make([][]float64, n), make([][]float64, n)
	var strong float64
	for i := range reqs {
		q[i], c[i] = reqs[i].q[:], reqs[i].c[:]
		strong += reqs[i].c[2]
	}
	budget := 0.3 * strong
	oracle, err := AssignBatch(q, c, budget)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	cfg := PacerConfig{Models: simModels, Budget: budget, Horizon: n, Period: Period{Kind: Daily, Location: time.UTC}}
	accounts, err := cfg.LedgerAccounts()
	if err != nil {
		t.Fatal(err)
	}
	ledger := mustLedger(t, accounts...)
	cfg.Ledger = ledger
	pacers := make([]*Pacer, r)
	for i := range pacers {
		if pacers[i], err = NewPacer(cfg, nil); err != nil {
			t.Fatal(err)
		}
	}
	step := 24 * time.Hour / time.Duration(n)
	var quality float64
	rejected, last := 0, 0
	for i, rq := range reqs {
		p := pacers[i%r]
		now := day.Add(time.Duration(i) * step)
		if syncEvery > 0 && (i/r)%syncEvery == 0 {
			if err := p.Sync(bg, now); err != nil {
				t.Fatal(err)
			}
		}
		ch, err := p.Decide(bg, Query{At: now}, rq.q[:], rq.c[:])
		if i >= n-n/10 {
			last++
		}
		if err != nil {
			if i >= n-n/10 {
				rejected++
			}
			continue
		}
		quality += rq.q[ch.Index]
		if err := p.Settle(bg, now, ch.Reservation, rq.c[ch.Index]); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := ledger.Balance(bg, day.Add(24*time.Hour-1), "global")
	return quality / oracle.Quality, float64(rejected) / float64(last), float64(b.Spent) * 1e-9 / budget
}

// TestPacerSyncReplicas: four replicas sharing one budget pace it like one
// pacer when they Sync, where without Sync each paces as if alone and the
// shared budget runs out before the end of the day.
func TestPacerSyncReplicas(t *testing.T) {
	reqs := simTraffic(17, 20000)
	one, oneLast, oneSpend := replicaRun(t, reqs, 1, 0)
	t.Logf("1 pacer:            %.2f%% of the oracle, %.2f%% rejected in the last tenth, spend %.2f%%", 100*one, 100*oneLast, 100*oneSpend)
	synced, syncedLast, syncedSpend := replicaRun(t, reqs, 4, 10)
	t.Logf("4 replicas, Sync/10: %.2f%% of the oracle, %.2f%% rejected in the last tenth, spend %.2f%%", 100*synced, 100*syncedLast, 100*syncedSpend)
	alone, aloneLast, aloneSpend := replicaRun(t, reqs, 4, 0)
	t.Logf("4 replicas, alone:  %.2f%% of the oracle, %.2f%% rejected in the last tenth, spend %.2f%%", 100*alone, 100*aloneLast, 100*aloneSpend)
	if syncedSpend > 1 || aloneSpend > 1 {
		t.Errorf("spend above the budget: %v, %v", syncedSpend, aloneSpend)
	}
	if synced < 0.96 || syncedLast > 0.01 {
		t.Errorf("synced replicas: %.4f of the oracle, %.4f rejected in the last tenth (want ≥ 0.96, ≤ 0.01)", synced, syncedLast)
	}
}
