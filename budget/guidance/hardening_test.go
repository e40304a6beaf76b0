package guidance

import (
	"context"
	"errors"
	"math"
	"testing"
)

func headFinite(t *testing.T, h *Head) {
	t.Helper()
	a, r := h.Weights()
	for i := range a {
		if math.IsNaN(float64(a[i])) || math.IsInf(float64(a[i]), 0) || math.IsNaN(float64(r[i])) || math.IsInf(float64(r[i]), 0) {
			t.Fatalf("head weight %d is not finite: %v, %v", i, a[i], r[i])
		}
	}
}

// TestFitHugeInputsStayFinite: features of ±3e38 with Remaining 1e300 once
// turned a head row into NaN (ψ(a)·σ(z) = −Inf·0), and Predict then returned
// a NaN Gamma with a nil error.
func TestFitHugeInputsStayFinite(t *testing.T) {
	head, _ := NewHead(3, 2)
	_ = head.SetRow(1, []float32{1, -1}, []float32{-1, 1})
	tr, _ := NewTrainer(head, TrainerConfig{LearningRate: 0.1, Epochs: 3})
	ex := []TrainExample{
		{Features: []float32{3e38, -3e38}, Token: 1, Remaining: 1e300},
		{Features: []float32{-3e38, 3e38}, Token: 1, Remaining: 1},
		{Features: []float32{3e38, 3e38}, Token: 2, Remaining: 1e300},
	}
	_, err := tr.Fit(context.Background(), ex)
	headFinite(t, head)
	if err != nil && !errors.Is(err, ErrInvalid) {
		t.Fatalf("Fit: %v", err)
	}
	for v := 0; v < 3; v++ {
		for _, f := range [][]float32{{3e38, -3e38}, {-3e38, 3e38}, {1, 1}} {
			g, err := head.Predict(f, v)
			if err != nil || g.Validate() != nil {
				t.Fatalf("Predict(%v, %d) = %+v, %v", f, v, g, err)
			}
		}
	}
	if l, err := tr.Loss(ex); err != nil || math.IsNaN(l) || math.IsInf(l, 0) {
		t.Fatalf("Loss = %v, %v", l, err)
	}
}

// TestFitDivergenceRefused: a learning rate far too large would push
// weights beyond the float32 range; Fit refuses the step and the head keeps
// finite weights.
func TestFitDivergenceRefused(t *testing.T) {
	head, _ := NewHead(2, 2)
	tr, _ := NewTrainer(head, TrainerConfig{LearningRate: 1e300})
	before := tr.Steps()
	_, err := tr.Fit(context.Background(), []TrainExample{{Features: []float32{1, 2}, Token: 0, Remaining: 5}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Fit with lr 1e300: %v", err)
	}
	if tr.Steps() != before {
		t.Fatal("a refused step was counted")
	}
	headFinite(t, head)
	// The trainer still works with the same examples after the refusal.
	tr2, _ := NewTrainer(head, TrainerConfig{LearningRate: 0.01})
	if _, err := tr2.Fit(context.Background(), []TrainExample{{Features: []float32{1, 2}, Token: 0, Remaining: 5}}); err != nil {
		t.Fatal(err)
	}
}

// TestHeadScoreNeverInf: float32 dot products of ±3.4e38 weights and
// features overflow; Score falls back to float64 and returns valid Gammas.
func TestHeadScoreNeverInf(t *testing.T) {
	const big = math.MaxFloat32
	head, _ := NewHeadFromWeights(2, 2, []float32{big, big, -big, big}, []float32{big, -big, big, big})
	dst := make([]Gamma, 2)
	for _, f := range [][]float32{{big, big}, {-big, big}, {big, -big}} {
		if err := head.Score(f, []int{0, 1}, dst); err != nil {
			t.Fatal(err)
		}
		for i, g := range dst {
			if g.Validate() != nil {
				t.Fatalf("Score(%v)[%d] = %+v", f, i, g)
			}
		}
		all := make([]Gamma, 2)
		if err := head.ScoreAll(f, all); err != nil {
			t.Fatal(err)
		}
		for i, g := range all {
			if g.Validate() != nil {
				t.Fatalf("ScoreAll(%v)[%d] = %+v", f, i, g)
			}
		}
	}
}
