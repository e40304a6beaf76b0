package router

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/internal/randx"
)

var (
	sinkChoice Choice
	sinkAssign Assignment
	sinkFloat  float64
)

func tenModels() []Model {
	ms := make([]Model, 10)
	for i := range ms {
		ms[i] = Model{Name: fmt.Sprintf("m%d", i), InputPrice: 0.1 * float64(i+1), OutputPrice: 0.4 * float64(i+1), ExpectedOutputTokens: 300}
	}
	return ms
}

// BenchmarkPacer measures one Decide + Settle with 10 models (the
// caller's predictor excluded). Target: ≤ 1 µs, 0 allocs.
func BenchmarkPacer(b *testing.B) {
	models := tenModels()
	r := randx.New(1, 0)
	const k = 1024
	qs, cs := make([][]float64, k), make([][]float64, k)
	for i := range qs {
		qs[i], cs[i] = make([]float64, 10), make([]float64, 10)
		for m := range qs[i] {
			qs[i][m] = r.Float64()
			cs[i][m] = models[m].Cost(Query{InputTokens: 500 + r.IntN(1000)})
		}
	}
	for _, w := range []time.Duration{0, time.Minute} {
		b.Run(fmt.Sprintf("window=%v", w), func(b *testing.B) {
			cfg := PacerConfig{Models: models, Budget: 1e9, Horizon: 1 << 40}
			if w > 0 {
				cfg.Window, cfg.WindowBudget = w, 1e9
			}
			p, err := NewPacer(cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Unix(0, 0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				ch, err := p.Decide(bg, Query{At: now}, qs[i%k], cs[i%k])
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Settle(bg, now, ch.Reservation, ch.Cost*0.9); err != nil {
					b.Fatal(err)
				}
				sinkChoice = ch
			}
		})
	}
	b.Run("Route+Observe", func(b *testing.B) {
		q := make([]float64, 10)
		for m := range q {
			q[m] = float64(m) / 10
		}
		pred := predictFunc(func(context.Context, Query) ([]float64, error) { return q, nil })
		p, _ := NewPacer(PacerConfig{Models: models, Budget: 1e9, Horizon: 1 << 40}, pred)
		ctx := context.Background()
		query := Query{InputTokens: 800}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ch, err := p.Route(ctx, query)
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Observe(ctx, query, ch, Outcome{Cost: ch.Cost}); err != nil {
				b.Fatal(err)
			}
			sinkChoice = ch
		}
	})
	b.Run("parallel", func(b *testing.B) {
		p, _ := NewPacer(PacerConfig{Models: models, Budget: 1e9, Horizon: 1 << 40}, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				ch, err := p.Decide(bg, Query{}, qs[i%k], cs[i%k])
				if err == nil {
					p.Settle(bg, time.Time{}, ch.Reservation, ch.Cost)
				}
				i++
			}
		})
	})
}

// BenchmarkAssignBatch: 100,000 queries × 10 models. Target ≤ 200 ms.
func BenchmarkAssignBatch(b *testing.B) {
	q, c := randomBatch(5, 100000, 10)
	var lo, hi float64
	for i := range c {
		l, h := c[i][0], c[i][0]
		for _, v := range c[i] {
			l, h = min(l, v), max(h, v)
		}
		lo += l
		hi += h
	}
	budget := lo + 0.3*(hi-lo)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := AssignBatch(q, c, budget)
		if err != nil {
			b.Fatal(err)
		}
		sinkAssign = a
	}
}

func BenchmarkCostNormalizerAdd(b *testing.B) {
	n, _ := NewCostNormalizer(NormalizerConfig{})
	r := randx.New(2, 0)
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = r.ExpFloat64() * 0.01
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, _ := n.Add(xs[i%len(xs)])
		sinkFloat = e
	}
}

func BenchmarkTauTracker(b *testing.B) {
	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, _ := tr.Decide(float64(i%1000) / 1000)
		if s {
			sinkFloat++
		}
	}
}

// bg is the context of the tests that need no cancellation.
var bg = context.Background()
