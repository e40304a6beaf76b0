package irt

import (
	"errors"
	"math"
	"testing"
)

func TestAnchorPoints(t *testing.T) {
	// Three well-separated groups of 1-D features with weights; the anchor
	// of each group is its member closest to the weighted centroid.
	feats := [][]float64{{0}, {0.1}, {0.2}, {10}, {10.2}, {20}, {20.1}, {20.2}, {20.3}}
	w := []float64{1, 1, 1, 2, 2, 1, 1, 1, 1}
	a, err := AnchorPoints(feats, AnchorConfig{K: 3, Weights: w, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]float64{}
	for k, j := range a.Items {
		got[j] = a.Weights[k]
	}
	// Centroids 0.1, 10.1, 20.15 → anchors 1, 3 or 4 (tie: first), 6 or 7.
	// 20.1 and 20.2 are equally close to 20.15: either may win the tie,
	// depending on rounding.
	if got[6] == 0 {
		got[6], got[7] = got[7], 0
	}
	want := map[int]float64{1: 3.0 / 11, 3: 4.0 / 11, 6: 4.0 / 11}
	for j, wt := range want {
		if math.Abs(got[j]-wt) > 1e-12 {
			t.Errorf("anchors %v weights %v; want %v (6 or 7)", a.Items, a.Weights, want)
			break
		}
	}
	est, err := a.Score([]float64{1, 0, 1})
	if err != nil || est <= 0 || est >= 1 {
		t.Errorf("Score = %v, %v", est, err)
	}
	for _, c := range []AnchorConfig{{K: 0}, {K: 10}, {K: 2, Weights: []float64{1}}, {K: 2, Restarts: -1}} {
		if _, err := AnchorPoints(feats, c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
	if _, err := AnchorPoints([][]float64{{1}, {math.NaN()}}, AnchorConfig{K: 1}); !errors.Is(err, ErrInvalid) {
		t.Error("NaN feature accepted")
	}
}

func TestPIRTAndGPIRT(t *testing.T) {
	// 2 seen (1, 0) of N = 5, unseen predictions 0.2, 0.4, 0.6:
	// λ = 2/5, p̂ = 0.4·0.5 + 0.6·0.4 = 0.44.
	got, err := PIRT([]float64{1, 0}, []float64{0.2, 0.4, 0.6})
	if err != nil || math.Abs(got-0.44) > 1e-15 {
		t.Errorf("PIRT = %v, %v", got, err)
	}
	l, err := GPIRTLambda(0.1, 0.5, 25) // 0.01/(0.01 + 0.005) = 2/3
	if err != nil || math.Abs(l-2.0/3) > 1e-15 {
		t.Errorf("GPIRTLambda = %v, %v", l, err)
	}
	g, err := GPIRT(0.5, 0.44, l)
	if err != nil || math.Abs(g-(2.0/3*0.5+1.0/3*0.44)) > 1e-15 {
		t.Errorf("GPIRT = %v, %v", g, err)
	}
	if _, err := PIRT([]float64{2}, nil); !errors.Is(err, ErrInvalid) {
		t.Error("bad seen score accepted")
	}
	if _, err := GPIRT(0.5, 0.4, 1.5); !errors.Is(err, ErrInvalid) {
		t.Error("λ > 1 accepted")
	}
}

func TestBinarize(t *testing.T) {
	// Mean 0.45; share above 0.3 is 3/6 = 0.5 (gap 0.05), above 0.5 is 2/6
	// (gap 0.117), above 0.1 is 4/6: threshold 0.3.
	m := [][]float64{{0, 0.1, 0.3}, {0.5, 0.9, math.NaN(), 0.9}}
	c, err := BinarizeThreshold(m)
	if err != nil || c != 0.3 {
		t.Errorf("BinarizeThreshold = %v, %v", c, err)
	}
	b, err := Binarize(m, c)
	if err != nil || b[0][2] != 0 || b[1][0] != 1 || !math.IsNaN(b[1][2]) {
		t.Errorf("Binarize = %v", b)
	}
	if _, err := BinarizeThreshold([][]float64{{math.NaN()}}); !errors.Is(err, ErrInvalid) {
		t.Error("all-NaN accepted")
	}
	if _, err := Binarize(m, math.NaN()); !errors.Is(err, ErrInvalid) {
		t.Error("Binarize accepted a NaN threshold")
	}
	if _, err := Binarize([][]float64{{2}}, 0.5); !errors.Is(err, ErrInvalid) {
		t.Error("Binarize accepted a score of 2")
	}
}
