package router

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type predictFunc func(ctx context.Context, q Query) ([]float64, error)

func (f predictFunc) PredictSuccess(ctx context.Context, q Query) ([]float64, error) {
	return f(ctx, q)
}

var pricedModels = []Model{
	{Name: "small", InputPrice: 0.15, OutputPrice: 0.6, ExpectedOutputTokens: 200},
	{Name: "medium", InputPrice: 1, OutputPrice: 4, ExpectedOutputTokens: 200},
	{Name: "large", InputPrice: 5, OutputPrice: 15, ExpectedOutputTokens: 200},
}

func TestPacerBadInput(t *testing.T) {
	for i, cfg := range []PacerConfig{
		{Budget: 1, Horizon: 10},
		{Models: []Model{{Name: "a"}, {Name: "a"}}, Budget: 1, Horizon: 10},
		{Models: []Model{{Name: "a", InputPrice: math.NaN()}}, Budget: 1, Horizon: 10},
		{Models: []Model{{Name: "a", OutputPrice: -1}}, Budget: 1, Horizon: 10},
		{Models: []Model{{Name: ""}}, Budget: 1, Horizon: 10},
		{Models: pricedModels},
		{Models: pricedModels, Budget: 0, Horizon: 10},
		{Models: pricedModels, Budget: -1, Horizon: 10},
		{Models: pricedModels, Budget: math.Inf(1), Horizon: 10},
		{Models: pricedModels, Budget: 1},
		{Models: pricedModels, Budget: 1, Horizon: 10, Eta: -1},
		{Models: pricedModels, Budget: 1, Horizon: 10, InitialLambda: math.NaN()},
		{Models: pricedModels, Budget: 1, Horizon: 10, Fallback: 9},
		{Models: pricedModels, Budget: 1, Horizon: 10, WarmStart: -1},
		{Models: pricedModels, Window: time.Hour, WindowBudget: 1},
		{Models: pricedModels, Window: time.Hour, WindowBudget: 0, WindowRequests: 5},
		{Models: pricedModels, Window: -time.Hour, WindowBudget: 1, WindowRequests: 5},
	} {
		if _, err := NewPacer(cfg, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: NewPacer err = %v", i, err)
		}
	}

	ctx := context.Background()
	var calls int
	pred := predictFunc(func(_ context.Context, q Query) ([]float64, error) {
		calls++
		switch q.ID {
		case "short":
			return []float64{0.5, 0.6}, nil
		case "nan":
			return []float64{0.5, math.NaN(), 0.9}, nil
		case "err":
			return nil, errors.New("boom")
		}
		return []float64{0.5, 0.7, 0.9}, nil
	})
	p, err := NewPacer(PacerConfig{Models: pricedModels, Budget: 1, Horizon: 100}, pred)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := p.Snapshot()
	for _, q := range []Query{{ID: "short"}, {ID: "nan"}, {ID: "err"}, {ID: "ok", InputTokens: -5}} {
		if ch, err := p.Route(ctx, q); err == nil || ch.Reservation != 0 {
			t.Errorf("Route(%s) = %+v, %v", q.ID, ch, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Route(cctx, Query{ID: "ok"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, c := range [][2][]float64{
		{{1, 2}, {1, 2, 3}}, {{1, 2, 3}, {1, 2}}, {{1, 2, 3}, {1, -2, 3}}, {{1, 2, 3}, {1, math.NaN(), 3}}, {{1, math.Inf(1), 3}, {1, 2, 3}},
	} {
		if _, err := p.Decide(bg, Query{}, c[0], c[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decide(%v, %v): %v", c[0], c[1], err)
		}
	}
	// Unknown and forged reservations.
	for _, id := range []uint64{0, 1, 12345, 1<<32 | 1} {
		if err := p.Settle(bg, time.Time{}, id, 0.01); !errors.Is(err, ErrUnknownReservation) {
			t.Errorf("Settle(%#x): %v", id, err)
		}
	}
	after, _ := p.Snapshot()
	if string(before) != string(after) {
		t.Errorf("failed calls changed the pacer:\n%s\n%s", before, after)
	}
	ch, err := p.Route(ctx, Query{ID: "ok", InputTokens: 1000})
	if err != nil || ch.Reservation == 0 {
		t.Fatalf("Route = %+v, %v", ch, err)
	}
	if err := p.Observe(ctx, Query{}, ch, Outcome{Cost: math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN actual: %v", err)
	}
	if err := p.Observe(ctx, Query{}, ch, Outcome{Cost: 0.001}); err != nil {
		t.Fatal(err)
	}
	if err := p.Observe(ctx, Query{}, ch, Outcome{Cost: 0.001}); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("double Observe: %v", err)
	}
	if s := p.Stats(time.Time{}); math.Abs(s.Spent-0.001) > 1e-9 || s.Outstanding != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestPacerRejectAndFallback(t *testing.T) {
	q, c := []float64{0.5, 0.9}, []float64{0.4, 1}
	models := []Model{{Name: "a"}, {Name: "b"}}
	p, _ := NewPacer(PacerConfig{Models: models, Budget: 1, Horizon: 2}, nil)
	ch1, err := p.Decide(bg, Query{}, q, c)
	if err != nil || ch1.Model != "b" {
		t.Fatalf("first: %+v %v", ch1, err)
	}
	// Reservation of 1 leaves nothing: the next request is rejected even
	// before the first settles.
	ch2, err := p.Decide(bg, Query{}, q, c)
	if !errors.Is(err, ErrBudgetExhausted) || !errors.Is(err, ErrRejected) || !ch2.Rejected || ch2.Index != -1 {
		t.Fatalf("second: %+v %v", ch2, err)
	}
	if err := p.Observe(context.Background(), Query{}, ch2, Outcome{}); err != nil {
		t.Errorf("Observe of a rejection: %v", err)
	}
	// Settling below the reservation frees budget for the cheap model.
	p.Settle(bg, time.Time{}, ch1.Reservation, 0.5)
	ch3, err := p.Decide(bg, Query{}, q, c)
	if err != nil || ch3.Model != "a" {
		t.Fatalf("third: %+v %v", ch3, err)
	}
	f, _ := NewPacer(PacerConfig{Models: models, Budget: 1, Horizon: 2, Fallback: FallbackCheapest}, nil)
	f.Decide(bg, Query{}, q, c)
	ch, err := f.Decide(bg, Query{}, q, c)
	if err != nil || ch.Model != "a" || ch.Reason == "" {
		t.Fatalf("fallback: %+v %v", ch, err)
	}
	if s := f.Stats(time.Time{}); s.Fallbacks != 1 {
		t.Errorf("fallbacks %d", s.Fallbacks)
	}
	// A cost above the reservation is recorded in full.
	g, _ := NewPacer(PacerConfig{Models: models, Budget: 10, Horizon: 2}, nil)
	ch, _ = g.Decide(bg, Query{}, q, c)
	g.Settle(bg, time.Time{}, ch.Reservation, 3)
	if s := g.Stats(time.Time{}); math.Abs(s.Spent-3) > 1e-9 || math.Abs(s.Overrun-2) > 1e-9 {
		t.Errorf("overrun stats %+v", s)
	}
}

func TestPacerRollingWindow(t *testing.T) {
	models := []Model{{Name: "cheap"}, {Name: "dear"}}
	p, err := NewPacer(PacerConfig{Models: models, Window: time.Minute, WindowBudget: 1, WindowRequests: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q, c := []float64{0.1, 0.9}, []float64{0.05, 0.3}
	// Spend at most 1 per rolling minute whatever the traffic.
	type ev struct {
		at   time.Time
		cost float64
	}
	var events []ev
	for i := 0; i < 600; i++ {
		now := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		ch, err := p.Decide(bg, Query{At: now}, q, c)
		if errors.Is(err, ErrBudgetExhausted) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		actual := c[ch.Index] * 0.9
		p.Settle(bg, now, ch.Reservation, actual)
		events = append(events, ev{now, actual})
		var sum float64
		for _, e := range events {
			if e.at.After(now.Add(-time.Minute)) {
				sum += e.cost
			}
		}
		if sum > 1+1e-9 {
			t.Fatalf("window ending %v spent %v > 1", now, sum)
		}
	}
	if len(events) < 50 {
		t.Errorf("only %d requests served", len(events))
	}
	// Time going backwards is treated as the latest time seen.
	if _, err := p.Decide(bg, Query{At: t0}, q, c); err != nil && !errors.Is(err, ErrBudgetExhausted) {
		t.Errorf("earlier time: %v", err)
	}
}

func TestPacerSnapshotContinuesBitIdentically(t *testing.T) {
	reqs := simTraffic(3, 3000)
	cfg := PacerConfig{Models: simModels, Budget: 2, Horizon: 3000, Window: time.Minute, WindowBudget: 0.5, WarmStart: 300}
	a, err := NewPacer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1e9, 0)
	var pending []Choice
	run := func(p *Pacer, i int) (Choice, error) {
		r := reqs[i]
		return p.Decide(bg, Query{At: t0.Add(time.Duration(i) * time.Second)}, r.q[:], r.c[:])
	}
	for i := 0; i < 1500; i++ {
		ch, err := run(a, i)
		if err == nil {
			pending = append(pending, ch)
		}
		if len(pending) > 3 { // keep a few reservations outstanding
			a.Settle(bg, t0.Add(time.Duration(i)*time.Second), pending[0].Reservation, pending[0].Cost*reqs[i].factor)
			pending = pending[1:]
		}
	}
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewPacer(cfg, nil)
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	pb := append([]Choice(nil), pending...)
	for i := 1500; i < 3000; i++ {
		x, e1 := run(a, i)
		y, e2 := run(b, i)
		if !cmp.Equal(x, y) || (e1 == nil) != (e2 == nil) {
			t.Fatalf("request %d: %+v/%v vs %+v/%v", i, x, e1, y, e2)
		}
		if e1 == nil {
			pending, pb = append(pending, x), append(pb, y)
		}
		if len(pending) > 3 {
			c := pending[0].Cost * reqs[i].factor
			now := t0.Add(time.Duration(i) * time.Second)
			if err := a.Settle(bg, now, pending[0].Reservation, c); err != nil {
				t.Fatal(err)
			}
			if err := b.Settle(bg, now, pb[0].Reservation, c); err != nil {
				t.Fatal(err)
			}
			pending, pb = pending[1:], pb[1:]
		}
	}
	if !cmp.Equal(a.Stats(t0), b.Stats(t0)) {
		t.Errorf("stats differ: %+v vs %+v", a.Stats(t0), b.Stats(t0))
	}
	other, _ := NewPacer(PacerConfig{Models: simModels, Budget: 3, Horizon: 3000}, nil)
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Errorf("config mismatch: %v", err)
	}
}
