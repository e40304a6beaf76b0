package irt

import (
	"context"
	"errors"
	"math"
	"testing"
)

func fuzzBank() []Item {
	return []Item{TwoPL(1, -1), TwoPL(1.5, 0), TwoPL(0.8, 0.5), ThreePL(2, 1, 0.2), TwoPL(1.2, -0.5)}
}

// FuzzSessionRestore feeds arbitrary bytes to Session.Restore: it must
// either fail with ErrSnapshot and leave the session as it was, or restore a
// session that keeps working.
func FuzzSessionRestore(f *testing.F) {
	s, _ := NewSession(fuzzBank(), SessionConfig{})
	_ = s.Observe(1, 1, 1)
	_ = s.Observe(3, 0, 2)
	data, _ := s.Snapshot()
	f.Add(data)
	f.Add([]byte(`{"kind":"irt.Session","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := NewSession(fuzzBank(), SessionConfig{})
		_ = s.Observe(0, 1, 1)
		before, _ := s.Snapshot()
		if err := s.Restore(data); err != nil {
			after, _ := s.Snapshot()
			if string(after) != string(before) {
				t.Fatal("failed Restore changed the session")
			}
			return
		}
		if !s.Next() && s.Stop() == StopRunning {
			t.Fatalf("restored session cannot continue: %v", s.Err())
		}
		for _, se := range s.Ability().SE {
			if math.IsNaN(se) {
				t.Fatal("NaN standard error after restore")
			}
		}
	})
}

// FuzzSessionObserve checks that Observe validates user numbers: a rejected
// observation leaves the session unchanged, an accepted one keeps θ̂ finite.
func FuzzSessionObserve(f *testing.F) {
	f.Add(2, 1.0, 1.0)
	f.Add(-1, math.NaN(), math.Inf(1))
	f.Add(4, 0.5, 0.0)
	f.Fuzz(func(t *testing.T, item int, score, cost float64) {
		s, _ := NewSession(fuzzBank(), SessionConfig{Budget: 10})
		before, _ := s.Snapshot()
		if err := s.Observe(item, score, cost); err != nil {
			after, _ := s.Snapshot()
			if string(after) != string(before) {
				t.Fatal("failed Observe changed the session")
			}
			return
		}
		for _, th := range s.Ability().Theta {
			if math.IsNaN(th) || math.IsInf(th, 0) {
				t.Fatalf("θ̂ = %v after Observe(%d, %v, %v)", th, item, score, cost)
			}
		}
	})
}

// FuzzCalibrate calibrates small matrices built from fuzz bytes: values
// outside [0, 1], NaN rows and ragged shapes must give errors, not panics.
func FuzzCalibrate(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0}, uint8(3), uint8(0))
	f.Add([]byte{255, 1, 2}, uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, cells []byte, cols uint8, method uint8) {
		c := int(cols%6) + 1
		if len(cells) > 120 {
			cells = cells[:120]
		}
		var m [][]float64
		for i := 0; i+c <= len(cells); i += c {
			row := make([]float64, c)
			for j := range row {
				switch v := cells[i+j]; {
				case v < 100:
					row[j] = 0
				case v < 200:
					row[j] = 1
				case v < 250:
					row[j] = math.NaN()
				default:
					row[j] = float64(v) / 100 // out of range
				}
			}
			m = append(m, row)
		}
		cfg := CalibrateConfig{Method: Method(method % 3), MaxIter: 20, Holdout: -1, Seed: 1}
		cal, err := Calibrate(context.Background(), m, cfg)
		if err != nil {
			return
		}
		if len(cal.Bank) != c {
			t.Fatalf("bank has %d items for %d columns", len(cal.Bank), c)
		}
	})
}

// FuzzAbility estimates abilities from fuzzed item parameters, responses
// and configuration: an error wrapping ErrInvalid, or finite estimates.
func FuzzAbility(f *testing.F) {
	f.Add(1.0, 0.0, 0.2, 1.0, 0.0, 1.0, 0.0, 1.0)
	f.Add(1e308, -1e308, 0.0, math.NaN(), 1.0, 1e-300, 5.0, -5.0)
	f.Fuzz(func(t *testing.T, a, d, c, x, mean, sd, lo, hi float64) {
		bank := []Item{{A: []float64{a}, D: d, C: c}, TwoPL(1, 0), TwoPL(2, 1)}
		resp := []float64{x, 1, 0}
		check := func(name string, e Ability, err error) {
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("%s: %v", name, err)
				}
				return
			}
			for _, v := range append(append(e.Theta, e.SE...), e.Cov...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s = %+v", name, e)
				}
			}
		}
		cfg := AbilityConfig{PriorMean: mean, PriorSD: sd, Lo: lo, Hi: hi}
		e, err := MAP(bank, resp, cfg)
		check("MAP", e, err)
		e, err = MLE(bank, resp, cfg)
		check("MLE", e, err)
		e, err = EAP(bank, resp, EAPConfig{PriorMean: mean, PriorSD: sd, Lo: lo, Hi: hi})
		check("EAP", e, err)
		if v, err := TestInfo(bank, mean); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("TestInfo = %v", v)
		}
	})
}

// FuzzTiny fuzzes the tinyBenchmarks estimators.
func FuzzTiny(f *testing.F) {
	f.Add(0.5, 0.1, 1.0, 3, 0.3)
	f.Fuzz(func(t *testing.T, y, b, v float64, n int, lambda float64) {
		for _, r := range []func() (float64, error){
			func() (float64, error) { return PIRT([]float64{y}, []float64{b}) },
			func() (float64, error) { return GPIRTLambda(b, v, n) },
			func() (float64, error) { return GPIRT(y, b, lambda) },
			func() (float64, error) { return BinarizeThreshold([][]float64{{y, b}, {v}}) },
			func() (float64, error) {
				a, err := AnchorPoints([][]float64{{y}, {b}, {v}}, AnchorConfig{K: 2, Weights: []float64{1, lambda, 1}})
				if err != nil {
					return 0, err
				}
				return a.Score(make([]float64, len(a.Items)))
			},
		} {
			got, err := r()
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatal(err)
				}
				continue
			}
			if math.IsNaN(got) || math.IsInf(got, 0) {
				t.Fatalf("non-finite result %v", got)
			}
		}
	})
}
