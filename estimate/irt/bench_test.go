package irt

import (
	"context"
	"math/rand/v2"
	"testing"
)

var (
	sinkInt   int
	sinkFloat float64
)

func BenchmarkNext(b *testing.B) {
	for _, c := range []struct {
		name  string
		n, d  int
		sel   Selection
		gamma float64
	}{
		{"1D-100000-maxinfo", 100000, 1, SelectMaxInfo, 0},
		{"1D-100000-costaware", 100000, 1, SelectDOptimal, 1},
		{"5D-10000-Doptimal", 10000, 5, SelectDOptimal, 0},
		{"5D-10000-Aoptimal", 10000, 5, SelectAOptimal, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			bank := randomBank(rng, c.n, c.d)
			costs := make([]float64, c.n)
			for j := range costs {
				costs[j] = 1 + 100*rng.Float64()
			}
			s, err := NewSession(bank, SessionConfig{Selection: c.sel, CostExponent: c.gamma, Costs: costs})
			if err != nil {
				b.Fatal(err)
			}
			for k := 0; k < 10; k++ {
				s.Next()
				j := s.Item()
				_ = s.Observe(j, float64(k%2), 1)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Next()
				sinkInt = s.Item()
			}
		})
	}
}

// BenchmarkObserve measures the MAP update (and the Sherman–Morrison
// rebuild of M⁻¹) for the 101st observation of a unidimensional session.
func BenchmarkObserve(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	bank := randomBank(rng, 1000, 1)
	s, _ := NewSession(bank, SessionConfig{Stopping: Stopping{MaxItems: -1}})
	for k := 0; k < 100; k++ {
		_ = s.Observe(k, float64(rng.IntN(2)), 1)
	}
	snap, _ := s.Snapshot()
	base, _ := NewSession(bank, SessionConfig{Stopping: Stopping{MaxItems: -1}})
	_ = base.Restore(snap)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Observe item 100, then undo it cheaply so every iteration has 100
		// administered items before the call.
		_ = s.Observe(100, float64(i%2), 1)
		b.StopTimer()
		s.order, s.scores, s.paid = s.order[:100], s.scores[:100], s.paid[:100]
		s.administered[100] = false
		copy(s.theta, base.theta)
		b.StartTimer()
	}
	sinkFloat = s.theta[0]
}

func BenchmarkCalibrateEM(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	truth := true2PL(rng, 500)
	x, _ := simulate(rng, truth, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cal, err := Calibrate(context.Background(), x, CalibrateConfig{Holdout: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cal.Report.Iterations), "iterations")
	}
}

func BenchmarkMAP(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	bank := randomBank(rng, 100, 1)
	resp := make([]float64, len(bank))
	for j := range resp {
		resp[j] = float64(rng.IntN(2))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e, _ := MAP(bank, resp, AbilityConfig{})
		sinkFloat = e.Theta[0]
	}
}

// BenchmarkCalibrateJML fits a unidimensional JML model to 1,000 models ×
// 500 items (issue 15 target: ≤ 5 s).
func BenchmarkCalibrateJML(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	truth := true2PL(rng, 500)
	x, _ := simulate(rng, truth, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cal, err := Calibrate(context.Background(), x, CalibrateConfig{Method: MethodJML, Holdout: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cal.Report.Iterations), "iterations")
	}
}
