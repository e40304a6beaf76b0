package num

import (
	"math"
	"testing"
)

func TestLogSumExp(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, math.Inf(-1)},
		{[]float64{0}, 0},
		{[]float64{0, 0}, math.Ln2},
		{[]float64{1000, 1000}, 1000 + math.Ln2},
		{[]float64{-1000, -1000}, -1000 + math.Ln2},
		{[]float64{math.Inf(-1), 0}, 0},
		{[]float64{math.Inf(-1), math.Inf(-1)}, math.Inf(-1)},
		{[]float64{1, 2, 3}, math.Log(math.E + math.E*math.E + math.E*math.E*math.E)},
	}
	for _, c := range cases {
		got := LogSumExp(c.in)
		if math.IsInf(c.want, 0) {
			if got != c.want {
				t.Errorf("LogSumExp(%v) = %v, want %v", c.in, got, c.want)
			}
			continue
		}
		if math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("LogSumExp(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(LogSumExp([]float64{1, math.NaN()})) {
		t.Error("NaN input must give NaN")
	}
}

func TestSoftmax(t *testing.T) {
	xs := []float64{1, 2, 3, 1000, math.Inf(-1)}
	dst := make([]float64, len(xs))
	Softmax(dst, xs, 1)
	var s float64
	for _, p := range dst {
		if p < 0 || math.IsNaN(p) {
			t.Fatalf("bad probability %v", p)
		}
		s += p
	}
	if math.Abs(s-1) > 1e-12 || dst[3] < 0.999 || dst[4] != 0 {
		t.Fatalf("Softmax = %v", dst)
	}
	// Temperature scaling against a direct computation.
	xs = []float64{0.1, 0.5, 0.2}
	Softmax(dst[:3], xs, 0.5)
	var z float64
	for _, x := range xs {
		z += math.Exp(x / 0.5)
	}
	for i, x := range xs {
		if want := math.Exp(x/0.5) / z; math.Abs(dst[i]-want) > 1e-15 {
			t.Errorf("p[%d] = %v, want %v", i, dst[i], want)
		}
	}
	all := []float64{math.Inf(-1), math.Inf(-1)}
	Softmax(all, all, 1)
	if all[0] != 0.5 || all[1] != 0.5 {
		t.Errorf("all −Inf: %v, want uniform", all)
	}
}

func TestFiniteAndClamp(t *testing.T) {
	if i, ok := AllFinite([]float64{1, math.Inf(1), math.NaN()}); ok || i != 1 {
		t.Errorf("AllFinite = %d, %v", i, ok)
	}
	if _, ok := AllFinite([]float64{1, 2}); !ok {
		t.Error("finite slice reported non-finite")
	}
	if Clamp(5, 0, 1) != 1 || Clamp(-5, 0, 1) != 0 || Clamp(0.5, 0, 1) != 0.5 {
		t.Error("Clamp")
	}
	// Type-7 quantiles; values from numpy.percentile(x, 100*p).
	for _, c := range []struct{ p, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {0.9, 3.7}, {1, 4}} {
		if got := QuantileSorted([]float64{1, 2, 3, 4}, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("QuantileSorted(p=%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := QuantileSorted([]int{100, 200, 300}, 0.75); got != 250 {
		t.Errorf("QuantileSorted(ints) = %v, want 250", got)
	}
}
