package router

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestCalibrateTauGolden(t *testing.T) {
	// The golden values (pandas' Series.quantile(1 − p)).
	scores := []float64{0.05, 0.12, 0.20, 0.33, 0.41, 0.50, 0.62, 0.70, 0.81, 0.95}
	for _, c := range []struct{ p, want float64 }{
		{0.2, 0.722}, {0.5, 0.455}, {0.8, 0.184}, {0, 0.95}, {1, 0.05},
	} {
		got, err := CalibrateTau(scores, c.p)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("CalibrateTau(p=%v) = %v, %v; want %v", c.p, got, err, c.want)
		}
	}
	// The input is not reordered.
	if scores[0] != 0.05 || scores[9] != 0.95 {
		t.Error("CalibrateTau modified its input")
	}
	// Order of the input does not matter.
	shuffled := []float64{0.70, 0.05, 0.95, 0.33, 0.12, 0.81, 0.50, 0.20, 0.62, 0.41}
	if got, _ := CalibrateTau(shuffled, 0.2); math.Abs(got-0.722) > 1e-12 {
		t.Errorf("shuffled: %v", got)
	}
}

func TestQuantileAgainstPython(t *testing.T) {
	// Values from Python's statistics.quantiles(xs, n=20, method='inclusive')
	// (Hyndman–Fan type 7, numpy's default), cut points k/20, k = 1…19.
	xs := []float64{-0.334248, 1.809605, 0.589686, 2.22744, 2.380042, -1.541298, -1.907824, 3.862284, -0.184522, -0.359683, 4.969514, 1.291845, 3.85523}
	want := []float64{-1.6879084, -1.304975, -0.596006, -0.34950899999999996, -0.334248, -0.2444124, -0.029680399999999985, 0.4348444000000001, 0.8705496, 1.291845, 1.6025010000000002, 1.8931719999999999, 2.143873, 2.2884808, 2.380042, 3.2651548, 3.8566408, 3.8608731999999994, 4.305176}
	for k, w := range want {
		got, err := Quantile(xs, float64(k+1)/20)
		if err != nil || math.Abs(got-w) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, %v; want %v", float64(k+1)/20, got, err, w)
		}
	}
}

func TestQuantileBadInput(t *testing.T) {
	for _, c := range []struct {
		xs []float64
		p  float64
	}{
		{nil, 0.5}, {[]float64{1}, -0.1}, {[]float64{1}, 1.1}, {[]float64{1}, math.NaN()},
		{[]float64{1, math.NaN()}, 0.5}, {[]float64{math.Inf(1)}, 0.5},
	} {
		if _, err := Quantile(c.xs, c.p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Quantile(%v, %v) err = %v", c.xs, c.p, err)
		}
	}
}

type fixedScore float64

func (f fixedScore) WinRate(context.Context, Query) (float64, error) { return float64(f), nil }

func TestThresholdNModels(t *testing.T) {
	models := []Model{{Name: "s", InputPrice: 0.1, OutputPrice: 0.4, ExpectedOutputTokens: 100}, {Name: "m", InputPrice: 1, OutputPrice: 2, ExpectedOutputTokens: 100}, {Name: "l", InputPrice: 5, OutputPrice: 15, ExpectedOutputTokens: 100}}
	for _, c := range []struct {
		s    float64
		want string
	}{{0.1, "s"}, {0.3, "m"}, {0.5, "m"}, {0.7, "l"}, {1, "l"}} {
		r, err := NewThreshold(models, []float64{0.3, 0.7}, fixedScore(c.s))
		if err != nil {
			t.Fatal(err)
		}
		ch, err := r.Route(context.Background(), Query{InputTokens: 1000})
		if err != nil || ch.Model != c.want {
			t.Errorf("score %v: %v, %v; want %s", c.s, ch.Model, err, c.want)
		}
	}
	// FORC cost: (1000·5 + 100·15)/1e6 = 0.0065.
	r, _ := NewThreshold(models, []float64{0.3, 0.7}, fixedScore(0.9))
	ch, _ := r.Route(context.Background(), Query{InputTokens: 1000})
	if math.Abs(ch.Cost-0.0065) > 1e-15 {
		t.Errorf("cost = %v, want 0.0065", ch.Cost)
	}
	for _, bad := range []struct {
		models []Model
		taus   []float64
		s      WinRateScorer
	}{
		{nil, nil, fixedScore(0.5)},
		{models, []float64{0.3}, fixedScore(0.5)},
		{models, []float64{0.7, 0.3}, fixedScore(0.5)},
		{models, []float64{0.3, math.NaN()}, fixedScore(0.5)},
		{models, []float64{0.3, 0.7}, nil},
		{[]Model{{Name: "a"}, {Name: "a"}}, []float64{0.5}, fixedScore(0.5)},
		{[]Model{{Name: "a", InputPrice: -1}, {Name: "b"}}, []float64{0.5}, fixedScore(0.5)},
		{[]Model{{Name: "a", OutputPrice: math.NaN()}, {Name: "b"}}, []float64{0.5}, fixedScore(0.5)},
	} {
		if _, err := NewThreshold(bad.models, bad.taus, bad.s); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewThreshold(%v, %v) err = %v", bad.models, bad.taus, err)
		}
	}
	r, _ = NewThreshold(models, []float64{0.3, 0.7}, fixedScore(math.NaN()))
	if _, err := r.Route(context.Background(), Query{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN score: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Route(ctx, Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
