package router

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/internal/randx"
	"github.com/google/go-cmp/cmp"
)

// scripted scores answers by looking them up.
type scripted map[string]float64

func (s scripted) Confidence(_ context.Context, _ Query, model, answer string) (float64, error) {
	v, ok := s[model+":"+answer]
	if !ok {
		return 0, errors.New("unscripted")
	}
	return v, nil
}

func TestCascadeCostAccumulation(t *testing.T) {
	stages := []Model{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	scorer := scripted{"a:x": 0.2, "b:y": 0.6, "a:z": 0.95}
	c, err := NewCascade(stages, []float64{0.9, 0.7}, scorer)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := Query{ID: "q"}
	// a rejects (0.2 < 0.9), b rejects (0.6 < 0.7), c always accepts.
	ch, _ := c.Route(ctx, q)
	if ch.Stage != 0 || ch.Model != "a" {
		t.Fatalf("Route = %+v", ch)
	}
	ch, done, err := c.Escalate(ctx, q, ch, Answer{Text: "x", Cost: 0.001})
	if err != nil || done || ch.Model != "b" || ch.Spent != 0.001 {
		t.Fatalf("after a: %+v %v %v", ch, done, err)
	}
	ch, done, err = c.Escalate(ctx, q, ch, Answer{Text: "y", Cost: 0.01})
	if err != nil || done || ch.Model != "c" || math.Abs(ch.Spent-0.011) > 1e-15 {
		t.Fatalf("after b: %+v %v %v", ch, done, err)
	}
	ch, done, err = c.Escalate(ctx, q, ch, Answer{Text: "whatever", Cost: 0.1})
	if err != nil || !done || ch.Model != "c" || math.Abs(ch.Spent-0.111) > 1e-15 {
		t.Fatalf("after c: %+v %v %v", ch, done, err)
	}
	// Accepted at the first stage: pays only stage a.
	ch, _ = c.Route(ctx, q)
	ch, done, err = c.Escalate(ctx, q, ch, Answer{Text: "z", Cost: 0.001})
	if err != nil || !done || ch.Model != "a" || ch.Spent != 0.001 {
		t.Fatalf("accept at a: %+v %v %v", ch, done, err)
	}
	// Errors leave the choice as it was.
	ch, _ = c.Route(ctx, q)
	for _, ans := range []Answer{{Text: "x", Cost: -1}, {Text: "x", Cost: math.NaN()}, {Text: "unknown"}} {
		got, done, err := c.Escalate(ctx, q, ch, ans)
		if err == nil || done || !cmp.Equal(got, ch) {
			t.Errorf("Escalate(%+v) = %+v %v %v", ans, got, done, err)
		}
	}
	// Without a scorer the answer's own confidence is used and checked.
	c2, _ := NewCascade(stages, []float64{0.9, 0.7}, nil)
	ch, _ = c2.Route(ctx, q)
	if _, _, err := c2.Escalate(ctx, q, ch, Answer{Confidence: math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN confidence: %v", err)
	}
	if _, err := NewCascade(stages, []float64{0.5}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("threshold count: %v", err)
	}
}

// evalCascade computes a cascade's mean quality and cost on records directly.
func evalCascade(records []CascadeRecord, order []int, taus []float64) (q, c float64) {
	for _, r := range records {
		var spent float64
		for j, m := range order {
			spent += r.Cost[m]
			if j == len(order)-1 || r.Confidence[m] >= taus[j] {
				q += r.Quality[m]
				break
			}
		}
		c += spent
	}
	n := float64(len(records))
	return q / n, c / n
}

func randomRecords(seed uint64, n, m int) []CascadeRecord {
	r := randx.New(seed, 2)
	out := make([]CascadeRecord, n)
	for i := range out {
		d := r.Float64()
		rec := CascadeRecord{Confidence: make([]float64, m), Quality: make([]float64, m), Cost: make([]float64, m)}
		for k := 0; k < m; k++ {
			skill := float64(k+1) / float64(m+1)
			correct := r.Float64() < 1-d*(1-skill)
			conf := 0.5*r.Float64() + 0.1
			if correct {
				conf += 0.4 * r.Float64()
				rec.Quality[k] = 1
			}
			rec.Confidence[k] = math.Round(conf*20) / 20 // ties on purpose
			rec.Cost[k] = math.Pow(4, float64(k)) * (0.5 + r.Float64())
		}
		out[i] = rec
	}
	return out
}

func TestFitCascadeMatchesBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		records := randomRecords(seed, 40, 3)
		for _, budget := range []float64{2, 5, 12, 100} {
			const g = 7
			fit, err := FitConfig{GridPoints: g, Compat: true}.Fit(records, budget)
			// Brute force: every non-decreasing pair of grid levels, thresholds
			// as quantiles of the confidences reaching each stage.
			grid := make([]float64, g)
			for k := range grid {
				grid[k] = 1e-5 + float64(k)*(1-2e-5)/float64(g-1)
			}
			bestQ, bestC, found := 0.0, 0.0, false
			for a := 0; a < g; a++ {
				var c0 []float64
				for _, r := range records {
					c0 = append(c0, r.Confidence[0])
				}
				t0, _ := Quantile(c0, grid[a])
				var c1 []float64
				for _, r := range records {
					if r.Confidence[0] < t0 {
						c1 = append(c1, r.Confidence[1])
					}
				}
				for b := a; b < g; b++ {
					t1 := 1.0
					if len(c1) > 0 {
						t1, _ = Quantile(c1, grid[b])
					}
					q, c := evalCascade(records, []int{0, 1, 2}, []float64{t0, t1})
					if c > budget*(1+1e-12) {
						continue
					}
					if !found || q > bestQ+1e-12 || (math.Abs(q-bestQ) <= 1e-12 && c < bestC) {
						bestQ, bestC, found = q, c, true
					}
				}
			}
			if !found {
				if !errors.Is(err, ErrInfeasible) {
					t.Errorf("seed %d budget %v: brute force infeasible, Fit err = %v", seed, budget, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("seed %d budget %v: %v", seed, budget, err)
			}
			if math.Abs(fit.Quality-bestQ) > 1e-9 {
				t.Errorf("seed %d budget %v: Fit quality %v, brute force %v", seed, budget, fit.Quality, bestQ)
			}
			// The reported thresholds reproduce the reported quality and cost.
			q, c := evalCascade(records, fit.Order, fit.Thresholds)
			if math.Abs(q-fit.Quality) > 1e-9 || math.Abs(c-fit.Cost) > 1e-9 || c > budget*(1+1e-12) {
				t.Errorf("seed %d budget %v: thresholds give %v/%v, fit says %v/%v", seed, budget, q, c, fit.Quality, fit.Cost)
			}
			if fit.Quantiles[0] > fit.Quantiles[1] {
				t.Errorf("quantiles decrease: %v", fit.Quantiles)
			}
		}
	}
}

func TestFitCascadeOrderSearch(t *testing.T) {
	records := randomRecords(9, 60, 4)
	budget := 8.0
	best, err := FitConfig{SearchOrder: true, GridPoints: 6}.Fit(records, budget)
	if err != nil {
		t.Fatal(err)
	}
	// No fixed order of up to 3 stages does better.
	var try func(order []int)
	used := make([]bool, 4)
	try = func(order []int) {
		if len(order) > 0 {
			f, err := FitConfig{Order: order, GridPoints: 6}.Fit(records, budget)
			if err == nil && f.Quality > best.Quality+1e-12 {
				t.Errorf("order %v: %v > search's %v", order, f.Quality, best.Quality)
			}
		}
		if len(order) == 3 {
			return
		}
		for k := 0; k < 4; k++ {
			if !used[k] {
				used[k] = true
				try(append(order, k))
				used[k] = false
			}
		}
	}
	try(nil)
	if len(best.Order) > 3 {
		t.Errorf("order %v longer than MaxStages", best.Order)
	}
	c, err := best.Cascade([]Model{{Name: "m0"}, {Name: "m1"}, {Name: "m2"}, {Name: "m3"}}, nil)
	if err != nil || len(c.Stages) != len(best.Order) {
		t.Errorf("Cascade: %v %v", c, err)
	}
}

func TestFitCascadeBadInput(t *testing.T) {
	good := randomRecords(1, 5, 2)
	nan := randomRecords(1, 5, 2)
	nan[2].Quality[1] = math.NaN()
	neg := randomRecords(1, 5, 2)
	neg[0].Cost[0] = -1
	conf := randomRecords(1, 5, 2)
	conf[0].Confidence[1] = 1.5
	short := randomRecords(1, 5, 2)
	short[3].Cost = short[3].Cost[:1]
	for i, c := range []struct {
		records []CascadeRecord
		budget  float64
		cfg     FitConfig
	}{
		{nil, 1, FitConfig{}},
		{good, 0, FitConfig{}},
		{good, math.NaN(), FitConfig{}},
		{nan, 1, FitConfig{}},
		{neg, 1, FitConfig{}},
		{conf, 1, FitConfig{}},
		{short, 1, FitConfig{}},
		{good, 1, FitConfig{GridPoints: 1}},
		{good, 1, FitConfig{Order: []int{0, 0}}},
		{good, 1, FitConfig{Order: []int{2}}},
	} {
		if _, err := c.cfg.Fit(c.records, c.budget); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: err = %v", i, err)
		}
	}
	if _, err := FitCascade(good, 1e-9); !errors.Is(err, ErrInfeasible) {
		t.Errorf("tiny budget: %v", err)
	}
}
