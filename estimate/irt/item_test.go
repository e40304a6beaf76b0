package irt

import (
	"errors"
	"math"
	"testing"
)

func assertClose(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol*(1+math.Abs(want))) {
		t.Errorf("%s = %.10f, want %.10f (tol %g)", name, got, want, tol)
	}
}

// Golden values from the issue, computed independently of this code.
func TestItemGolden(t *testing.T) {
	it := TwoPL(1, 0)
	assertClose(t, "2PL(1,0).P(0)", it.Prob(0), 0.5, 1e-12)
	assertClose(t, "2PL(1,0).I(0)", it.Info(0), 0.25, 1e-12)
	it = TwoPL(1.5, 0.5)
	assertClose(t, "2PL(1.5,0.5).P(1)", it.Prob(1), 0.6791786992, 1e-9)
	assertClose(t, "2PL(1.5,0.5).I(1)", it.Info(1), 0.4902637360, 1e-9)
	it = ThreePL(1.2, -0.3, 0.25)
	assertClose(t, "3PL.P(0)", it.Prob(0), 0.6917803255, 1e-9)
	assertClose(t, "3PL.I(0)", it.Info(0), 0.2226100966, 1e-9)
}

func TestItemInfoMatchesNumericDerivative(t *testing.T) {
	// Fisher information of a Bernoulli with success probability P(θ) is
	// P'(θ)²/(P(1−P)); check the closed form against a central difference.
	for _, it := range []Item{TwoPL(0.7, 1), ThreePL(1.8, -0.5, 0.2), {A: []float64{1.3}, D: 0.4, C: 0.1, U: 0.85}} {
		for _, th := range []float64{-2, -0.3, 0, 1.1, 2.5} {
			h := 1e-5
			dp := (it.Prob(th+h) - it.Prob(th-h)) / (2 * h)
			p := it.Prob(th)
			assertClose(t, "Info", it.Info(th), dp*dp/(p*(1-p)), 1e-7)
		}
	}
}

func TestMaxInfoTheta(t *testing.T) {
	for _, it := range []Item{OnePL(0.3), TwoPL(1.7, -1.2), ThreePL(1.2, -0.3, 0.25), ThreePL(0.6, 1, 0.4), {A: []float64{1.3}, D: 0.4, C: 0.1, U: 0.85}} {
		got, err := it.MaxInfoTheta()
		if err != nil {
			t.Fatal(err)
		}
		// Brute force over a fine grid.
		best, bestI := 0.0, -1.0
		for th := -8.0; th <= 8; th += 1e-4 {
			if i := it.Info(th); i > bestI {
				best, bestI = th, i
			}
		}
		assertClose(t, "MaxInfoTheta", got, best, 2e-4)
	}
	if _, err := (Item{A: []float64{1, 1}}).MaxInfoTheta(); !errors.Is(err, ErrInvalid) {
		t.Errorf("2-D MaxInfoTheta err = %v", err)
	}
}

func TestDifficulty(t *testing.T) {
	b, err := TwoPL(1.5, 0.5).Difficulty()
	if err != nil || math.Abs(b-0.5) > 1e-15 {
		t.Errorf("Difficulty = %v, %v", b, err)
	}
	if _, err := (Item{A: []float64{0}}).Difficulty(); !errors.Is(err, ErrInvalid) {
		t.Errorf("a = 0: %v", err)
	}
	if _, err := (Item{A: []float64{1, 2}}).Difficulty(); !errors.Is(err, ErrInvalid) {
		t.Errorf("D = 2: %v", err)
	}
}

func TestValidateBank(t *testing.T) {
	bad := [][]Item{
		nil,
		{{}},
		{{A: []float64{math.NaN()}}},
		{{A: []float64{1}, D: math.Inf(1)}},
		{{A: []float64{1}, C: 0.5, U: 0.5}},
		{{A: []float64{1}, C: -0.1}},
		{{A: []float64{1}, U: 1.2}},
		{{A: []float64{1}}, {A: []float64{1, 2}}},
	}
	for i, b := range bad {
		if _, err := ValidateBank(b); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: err = %v, want ErrInvalid", i, err)
		}
	}
	if d, err := ValidateBank([]Item{TwoPL(1, 0), ThreePL(1, 1, 0.2)}); d != 1 || err != nil {
		t.Errorf("valid bank: %d, %v", d, err)
	}
	if !math.IsNaN(TwoPL(1, 0).Prob(1, 2)) {
		t.Error("dimension mismatch should give NaN")
	}
}

func TestMultidimInfoMatrix(t *testing.T) {
	it := Item{A: []float64{1.2, 0.2}, D: 0.3, C: 0.1}
	th := []float64{0.2, -0.1}
	m := make([]float64, 4)
	if err := it.InfoMatrix(m, th); err != nil {
		t.Fatal(err)
	}
	w := it.InfoWeight(th...)
	assertClose(t, "m01", m[1], w*1.2*0.2, 1e-15)
	assertClose(t, "trace", m[0]+m[3], it.Info(th...), 1e-15)
	if err := it.InfoMatrix(m[:3], th); !errors.Is(err, ErrInvalid) {
		t.Error("bad dst accepted")
	}
}
