package irt

import (
	"errors"
	"math"
	"testing"
)

func goldenBank() []Item {
	return []Item{TwoPL(1, -1), TwoPL(1.5, 0), TwoPL(0.8, 0.5), TwoPL(2, 1), TwoPL(1.2, -0.5)}
}

func TestAbilityGolden(t *testing.T) {
	bank := goldenBank()
	x := []float64{1, 1, 0, 0, 1}
	e, err := MLE(bank, x, AbilityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "MLE θ", e.Theta[0], 0.5019242490, 1e-8)
	assertClose(t, "MLE SE", e.SE[0], 0.7367263175, 1e-8)
	if !e.Converged || e.AtBound || e.Extreme {
		t.Errorf("MLE flags %+v", e)
	}
	e, err = MAP(bank, x, AbilityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "MAP θ", e.Theta[0], 0.3239332145, 1e-8)
	assertClose(t, "MAP SE", e.SE[0], 0.5983101106, 1e-8)
	e, err = EAP(bank, x, EAPConfig{Nodes: 81, Lo: -4, Hi: 4})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "EAP θ", e.Theta[0], 0.3088792324, 1e-8)
	assertClose(t, "EAP SD", e.SE[0], 0.6146758796, 1e-8)
	best, bestI := -1, 0.0
	for j, it := range bank {
		if i := it.Info(0.3); i > bestI {
			best, bestI = j, i
		}
	}
	if best != 3 {
		t.Errorf("max-information item at 0.3 = %d, want 3", best)
	}
}

func TestMLEExtreme(t *testing.T) {
	bank := goldenBank()
	ones := []float64{1, 1, 1, math.NaN(), 1}
	e, err := MLE(bank, ones, AbilityConfig{})
	if err != nil || !e.Extreme {
		t.Fatalf("MAP fallback: %+v, %v", e, err)
	}
	m, _ := MAP(bank, ones, AbilityConfig{})
	assertClose(t, "fallback = MAP", e.Theta[0], m.Theta[0], 1e-12)
	e, err = MLE(bank, ones, AbilityConfig{Extreme: ExtremeClamp})
	if err != nil || e.Theta[0] != 4 || !e.AtBound {
		t.Errorf("clamp: %+v, %v", e, err)
	}
	// Dodd from θ₀ = 0: all correct moves halfway to max b = 0.5 (item 3 not administered).
	e, err = MLE(bank, ones, AbilityConfig{Extreme: ExtremeDodd})
	if err != nil || e.Theta[0] != 0.25 {
		t.Errorf("Dodd correct: %+v, %v", e, err)
	}
	e, err = MLE(bank, []float64{0, 0, math.NaN(), 0, 0}, AbilityConfig{Extreme: ExtremeDodd, Start: []float64{0.5}})
	if err != nil || e.Theta[0] != 0.5-(0.5+1)/2 {
		t.Errorf("Dodd wrong: %+v, %v", e, err)
	}
	// A Guttman-like pattern that is not extreme but has its maximum far
	// outside the range: reported, not silently clipped.
	e, err = MLE([]Item{TwoPL(1, -3), TwoPL(1, -2.5)}, []float64{1, 0}, AbilityConfig{Lo: -1, Hi: 1})
	if err != nil || !e.AtBound || e.Theta[0] != -1 {
		t.Errorf("bound: %+v, %v", e, err)
	}
}

func TestMAPMatchesBruteForce(t *testing.T) {
	// 3PL and 4PL items: compare to a grid search on the log posterior.
	bank := []Item{ThreePL(1.2, -0.3, 0.25), ThreePL(0.7, 1, 0.2), {A: []float64{2}, D: -1, U: 0.9}, TwoPL(1, 0.5), {A: []float64{1.4}, D: 0.2, C: 0.1, U: 0.95}}
	x := []float64{1, 0, 1, 0.5, 0}
	e, err := MAP(bank, x, AbilityConfig{PriorMean: 0.2, PriorSD: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	s := newModeSolver(1)
	idx, xs, _, _ := collect(bank, x)
	pr := gaussPrior{mean: 0.2, prec: 1 / 2.25}
	best, bestF := 0.0, math.Inf(-1)
	for th := -4.0; th <= 4; th += 1e-5 {
		if f := s.logPost(bank, idx, xs, pr, []float64{th}); f > bestF {
			best, bestF = th, f
		}
	}
	assertClose(t, "MAP 3PL/4PL", e.Theta[0], best, 2e-5)
}

func TestMultidimMAP(t *testing.T) {
	bank := []Item{
		{A: []float64{1.2, 0.2}, D: 0}, {A: []float64{0.3, 1.1}, D: 0.5}, {A: []float64{0.9, 0.9}, D: -0.2},
		{A: []float64{1.5, 0}, D: 1}, {A: []float64{0.1, 1.7}, D: -0.4},
	}
	x := []float64{1, 0, 1, 1, 0}
	e, err := MAP(bank, x, AbilityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// Check stationarity with a finite-difference gradient of the log posterior.
	s := newModeSolver(2)
	idx, xs, _, _ := collect(bank, x)
	pr := gaussPrior{prec: 1}
	for k := 0; k < 2; k++ {
		tp := append([]float64(nil), e.Theta...)
		tm := append([]float64(nil), e.Theta...)
		tp[k] += 1e-6
		tm[k] -= 1e-6
		g := (s.logPost(bank, idx, xs, pr, tp) - s.logPost(bank, idx, xs, pr, tm)) / 2e-6
		if math.Abs(g) > 1e-5 {
			t.Errorf("gradient[%d] = %v at MAP", k, g)
		}
	}
	// Laplace covariance: inverse of Σ w a aᵀ + I, checked by M·Cov = I.
	m := []float64{1, 0, 0, 1}
	for _, it := range bank {
		_ = it.InfoMatrix(m, e.Theta)
	}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			v := m[i*2]*e.Cov[j] + m[i*2+1]*e.Cov[2+j]
			want := 0.0
			if i == j {
				want = 1
			}
			assertClose(t, "M·Cov", v, want, 1e-9)
		}
	}
	// EAP in 2-D agrees with MAP roughly (posterior near Gaussian).
	ea, err := EAP(bank, x, EAPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 2; k++ {
		if math.Abs(ea.Theta[k]-e.Theta[k]) > 0.1 {
			t.Errorf("EAP %v vs MAP %v", ea.Theta, e.Theta)
		}
	}
	// Singular information without a prior.
	if _, err := MLE([]Item{{A: []float64{1, 1}}, {A: []float64{2, 2}}}, []float64{1, 0}, AbilityConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("singular MLE err = %v", err)
	}
}

func TestAbilityBadInput(t *testing.T) {
	bank := goldenBank()
	x := []float64{1, 1, 0, 0, 1}
	cases := []struct {
		name string
		err  error
	}{}
	add := func(name string, _ Ability, err error) {
		cases = append(cases, struct {
			name string
			err  error
		}{name, err})
	}
	e, err := MAP(bank, x[:4], AbilityConfig{})
	add("short", e, err)
	e, err = MAP(bank, []float64{1, 2, 0, 0, 1}, AbilityConfig{})
	add("score 2", e, err)
	e, err = MAP(bank, []float64{1, math.Inf(1), 0, 0, 1}, AbilityConfig{})
	add("score Inf", e, err)
	e, err = MAP(bank, x, AbilityConfig{PriorSD: -1})
	add("sd", e, err)
	e, err = MAP(bank, x, AbilityConfig{Lo: 1, Hi: -1})
	add("range", e, err)
	e, err = MAP(bank, x, AbilityConfig{Start: []float64{1, 2}})
	add("start", e, err)
	e, err = MLE(bank, []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}, AbilityConfig{})
	add("mle none", e, err)
	e, err = EAP(bank, x, EAPConfig{Nodes: 1})
	add("nodes", e, err)
	e, err = EAP([]Item{{A: []float64{1, 1, 1}}}, []float64{1}, EAPConfig{})
	add("eap 3d", e, err)
	e, err = MAP(nil, nil, AbilityConfig{})
	add("empty", e, err)
	for _, c := range cases {
		if !errors.Is(c.err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, c.err)
		}
	}
	// No responses at all: MAP is the prior.
	e, err = MAP(bank, []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}, AbilityConfig{PriorMean: 0.5})
	if err != nil || e.Theta[0] != 0.5 || math.Abs(e.SE[0]-1) > 1e-15 {
		t.Errorf("prior only: %+v, %v", e, err)
	}
}
