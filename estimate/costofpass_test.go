package estimate

import (
	"errors"
	"math"
	"testing"
)

func TestCostOfPass(t *testing.T) {
	// Mean cost 0.002 and accuracy 0.4 give 0.002/0.4 = 0.005.
	got, err := CostOfPass([]float64{0.001, 0.003, 0.002, 0.002, 0.002}, []float64{1, 0, 1, 0, 0})
	if err != nil || math.Abs(got-0.005) > 1e-15 {
		t.Fatalf("CostOfPass = %v, %v; want 0.005", got, err)
	}
	got, err = CostOfPass([]float64{1, 2}, []float64{0, 0})
	if err != nil || !math.IsInf(got, 1) {
		t.Fatalf("no pass: %v, %v; want +Inf", got, err)
	}
	for _, c := range []struct{ costs, scores []float64 }{
		{nil, nil},
		{[]float64{1}, []float64{1, 0}},
		{[]float64{math.NaN()}, []float64{1}},
		{[]float64{-1}, []float64{1}},
		{[]float64{1}, []float64{1.5}},
		{[]float64{1}, []float64{math.NaN()}},
	} {
		if _, err := CostOfPass(c.costs, c.scores); !errors.Is(err, ErrInvalid) {
			t.Errorf("CostOfPass(%v, %v) err = %v, want ErrInvalid", c.costs, c.scores, err)
		}
	}
}
