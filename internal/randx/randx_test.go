package randx

import (
	"math"
	"testing"
)

func TestStreamsReproducibleAndDistinct(t *testing.T) {
	a, b := New(42, 1), New(42, 1)
	c := New(42, 2)
	same := 0
	for i := 0; i < 100; i++ {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		if x != y {
			t.Fatal("same seed and stream gave different values")
		}
		if x == z {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("streams 1 and 2 collided %d times", same)
	}
}

func TestFloat64Uniform(t *testing.T) {
	const n = 200000
	var sum, sumSq float64
	for i := uint64(0); i < n; i++ {
		u := Float64(7, i, 3)
		if u < 0 || u >= 1 {
			t.Fatalf("Float64 out of range: %v", u)
		}
		sum += u
		sumSq += u * u
	}
	mean := sum / n
	variance := sumSq/n - mean*mean
	// Mean of U(0,1) is 1/2 with standard error sqrt(1/12/n) ≈ 6.5e-4.
	if math.Abs(mean-0.5) > 5*math.Sqrt(1.0/12/n) {
		t.Errorf("mean %v", mean)
	}
	if math.Abs(variance-1.0/12) > 2e-3 {
		t.Errorf("variance %v", variance)
	}
	if Float64(1, 2) == Float64(2, 1) {
		t.Error("argument order must matter")
	}
}
