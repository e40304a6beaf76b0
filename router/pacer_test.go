package router

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// simRequest is one simulated request: predicted quality and cost per
// model, and the actual cost factor (actual = predicted·factor ≤ predicted).
type simRequest struct {
	q, c   [3]float64
	factor float64
}

// simTraffic draws n requests over a weak, a mid and a strong model whose
// qualities depend on a per-request difficulty and whose costs vary with
// the prompt length.
func simTraffic(seed uint64, n int) []simRequest {
	r := randx.New(seed, 1)
	out := make([]simRequest, n)
	for i := range out {
		d := r.Float64()
		tokens := 200 + 1800*r.Float64()
		out[i].q = [3]float64{
			clamp01(0.95 - 0.9*d + 0.05*r.NormFloat64()),
			clamp01(0.97 - 0.6*d + 0.05*r.NormFloat64()),
			clamp01(0.98 - 0.3*d + 0.05*r.NormFloat64()),
		}
		out[i].c = [3]float64{tokens * 0.15e-6, tokens * 1e-6, tokens * 5e-6}
		out[i].factor = 0.7 + 0.3*r.Float64()
	}
	return out
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

var simModels = []Model{{Name: "weak"}, {Name: "mid"}, {Name: "strong"}}

// fixedLambda runs the policy argmax q − λc with a hard cap on the
// predicted spend and returns its total quality.
func fixedLambda(reqs []simRequest, lambda, budget float64) (quality, spent float64) {
	for _, r := range reqs {
		best := -1
		var bu float64
		for m := 0; m < 3; m++ {
			if spent+r.c[m] > budget {
				continue
			}
			if u := r.q[m] - lambda*r.c[m]; best < 0 || u > bu {
				best, bu = m, u
			}
		}
		if best < 0 {
			continue
		}
		quality += r.q[best]
		spent += r.c[best] * r.factor
	}
	return quality, spent
}

func TestPacerSimulation(t *testing.T) {
	const n = 20000
	reqs := simTraffic(7, n)
	var strongSpend float64
	for _, r := range reqs {
		strongSpend += r.c[2] * r.factor
	}
	budget := 0.3 * strongSpend
	// Best fixed λ in hindsight over a fine logarithmic grid.
	bestQ, bestL := 0.0, 0.0
	for k := 0; k <= 600; k++ {
		l := math.Pow(10, -1+6*float64(k)/600)
		if q, _ := fixedLambda(reqs, l, budget); q > bestQ {
			bestQ, bestL = q, l
		}
	}
	for _, variant := range []struct {
		name string
		cfg  PacerConfig
	}{
		{"additive", PacerConfig{}},
		{"multiplicative", PacerConfig{Multiplicative: true}},
		{"warmstart", PacerConfig{WarmStart: 500}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			cfg := variant.cfg
			cfg.Models, cfg.Budget, cfg.Horizon = simModels, budget, n
			p, err := NewPacer(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var quality float64
			for i, r := range reqs {
				ch, err := p.Decide(bg, Query{}, r.q[:], r.c[:])
				if errors.Is(err, ErrBudgetExhausted) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				quality += r.q[ch.Index]
				if err := p.Settle(bg, time.Time{}, ch.Reservation, r.c[ch.Index]*r.factor); err != nil {
					t.Fatal(err)
				}
				if s := p.Stats(time.Time{}); s.Spent+s.Reserved > budget {
					t.Fatalf("request %d: spent %v + reserved %v > budget %v", i, s.Spent, s.Reserved, budget)
				}
			}
			s := p.Stats(time.Time{})
			t.Logf("pacer quality %.1f (spent %.4f of %.4f, rejected %d); best fixed λ=%.4g quality %.1f",
				quality, s.Spent, budget, s.Rejected, bestL, bestQ)
			if quality < 0.95*bestQ {
				t.Errorf("pacer quality %.1f < 95%% of the best fixed-λ policy %.1f", quality, bestQ)
			}
			if s.Spent > budget {
				t.Errorf("spent %v > budget %v", s.Spent, budget)
			}
		})
	}
}

func TestPacerConcurrentNeverOverspends(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 4000
	}
	reqs := simTraffic(11, n)
	var strongSpend float64
	for _, r := range reqs {
		strongSpend += r.c[2]
	}
	budget := 0.3 * strongSpend
	p, err := NewPacer(PacerConfig{Models: simModels, Budget: budget, Horizon: n}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var settled float64
	const workers = 16
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				r := reqs[i]
				ch, err := p.Decide(bg, Query{}, r.q[:], r.c[:])
				if errors.Is(err, ErrBudgetExhausted) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				c := r.c[ch.Index] * r.factor
				if err := p.Settle(bg, time.Time{}, ch.Reservation, c); err != nil {
					t.Error(err)
					return
				}
				// Settling twice must fail and record nothing.
				if err := p.Settle(bg, time.Time{}, ch.Reservation, c); !errors.Is(err, ErrUnknownReservation) {
					t.Errorf("second settle: %v", err)
				}
				mu.Lock()
				settled += c
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	s := p.Stats(time.Time{})
	if s.Spent > budget {
		t.Fatalf("spent %v > budget %v", s.Spent, budget)
	}
	if s.Outstanding != 0 || s.Reserved != 0 {
		t.Fatalf("outstanding %d reserved %v after all settled", s.Outstanding, s.Reserved)
	}
	// Integer accounting rounds each cost up by < one Unit (10⁻⁹).
	if d := s.Spent - settled; d < -1e-9 || d > float64(n)*1e-9*1.01 {
		t.Fatalf("accounted spend %v vs settled %v: spend lost or doubled", s.Spent, settled)
	}
}
