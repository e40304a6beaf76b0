package guidance

import (
	"math"
	"testing"
)

// lnPSeries is an independent ln P(a, y) for y < a: the power series of
// DLMF 8.7.1 summed in float64 (all terms positive).
func lnPSeries(a, y float64) float64 {
	sum, term := 1.0, 1.0
	for n := 1; n < 1000000; n++ {
		term *= y / (a + float64(n))
		sum += term
		if term < sum*1e-18 {
			break
		}
	}
	lg, _ := math.Lgamma(a + 1)
	return a*math.Log(y) - y - lg + math.Log(sum)
}

func relClose(got, want, tol float64) bool {
	return got == want || math.Abs(got-want) <= tol*math.Abs(want)
}

// TestQuantileLowerTailRegression: gonum's inverse returned 0.0450 here.
func TestQuantileLowerTailRegression(t *testing.T) {
	g := Gamma{Shape: 300, Rate: 50}
	x := g.Quantile(2.85e-168)
	// Independent check: ln P(300, 50x) from the series equals ln p.
	if lp := lnPSeries(300, 50*x); math.Abs(lp-math.Log(2.85e-168)) > 1e-9*math.Abs(lp) {
		t.Fatalf("Quantile(2.85e-168) = %v: ln P = %v, want %v", x, lp, math.Log(2.85e-168))
	}
	if math.Abs(x-0.6931) > 5e-5 {
		t.Fatalf("Quantile(2.85e-168) = %v, want 0.6931", x)
	}
}

// TestLogQuantileClosedForms compares with closed forms: the exponential
// (shape 1), x = −ln(1 − p)/λ; shape ½, P(½, y) = erf(√y), whose deep lower
// tail is y = (π/4)·p²·(1 + O(p²)); and the leading term of the series,
// ln y = (ln p + ln Γ(a+1))/a, exact to O(y) when y < 1e-25.
func TestLogQuantileClosedForms(t *testing.T) {
	for _, lp := range []float64{-1e-12, -0.1, -0.6931, -1, -5, -50, -300, -700, -745, -2000} {
		g := Gamma{Shape: 1, Rate: 3}
		var want float64
		if p := math.Exp(lp); p > 0 {
			want = -math.Log1p(-p) / 3
		} else {
			want = math.Exp(lp - math.Log(3))
		}
		if lp > -0.7 {
			want = -math.Log(-math.Expm1(lp)) / 3
		}
		if got := g.LogQuantile(lp); !relClose(got, want, 1e-12) {
			t.Errorf("shape 1: LogQuantile(%v) = %v, want %v", lp, got, want)
		}
	}
	for _, lp := range []float64{-100, -385, -500, -700, -1000} {
		// Shape ½ with rate 1e-300 keeps x = y/λ representable.
		g := Gamma{Shape: 0.5, Rate: 1e-300}
		want := math.Exp(2*lp + math.Log(math.Pi/4) - math.Log(1e-300))
		if got := g.LogQuantile(lp); !relClose(got, want, 1e-11) {
			t.Errorf("shape ½: LogQuantile(%v) = %v, want %v", lp, got, want)
		}
	}
	for _, c := range []struct{ a, lp float64 }{{5, -385}, {5, -700}, {1, -50}, {2.5, -400}, {0.01, -3}, {0.001, -1}} {
		lg, _ := math.Lgamma(c.a + 1)
		ly := (c.lp + lg) / c.a
		if ly > math.Log(1e-20) {
			t.Fatalf("case %+v is not deep enough for the leading term", c)
		}
		want := math.Exp(ly)
		if got := (Gamma{Shape: c.a, Rate: 1}).LogQuantile(c.lp); !relClose(got, want, 1e-12) {
			t.Errorf("shape %v: LogQuantile(%v) = %v, want %v", c.a, c.lp, got, want)
		}
	}
}

// TestLogQuantileRoundTrips: at shapes where gonum panicked or was off
// (0.5, 60, 5, 1) and others, ln P at the returned x matches logp, checked
// by the independent series where y < a and by LogSurvival in the upper
// tail.
func TestLogQuantileRoundTrips(t *testing.T) {
	shapes := []float64{1e-3, 0.5, 1, 5, 60, 300, 1e4, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9, 9e9}
	lps := []float64{-1e-300, -1e-15, -1e-6, -0.01, -0.5, -0.6931471805599453, -0.7, -1, -3, -10, -50, -100, -385, -500, -700, -1e4}
	for _, a := range shapes {
		for _, rate := range []float64{1e-5, 1, 37} {
			g := Gamma{Shape: a, Rate: rate}
			prev := 0.0
			for i := len(lps) - 1; i >= 0; i-- {
				lp := lps[i]
				x := g.LogQuantile(lp)
				if math.IsNaN(x) || x < prev {
					t.Fatalf("shape %v rate %v: LogQuantile(%v) = %v after %v (must be increasing)", a, rate, lp, x, prev)
				}
				prev = x
				y := rate * x
				if x == 0 || math.IsInf(x, 1) || y < 1e-300 {
					continue
				}
				var got float64
				switch {
				case lp < -0.7 && y < a:
					got = lnPSeries(a, y)
				case lp < -0.7:
					got = g.LogCDF(x)
				default:
					got = math.Log(-math.Expm1(g.LogSurvival(x))) // ln(1 − Q)
					if lp > -1e-10 {
						// Compare ln Q with ln(1 − p) instead: ln P has no digits left.
						got, lp = g.LogSurvival(x), math.Log(-math.Expm1(lp))
					}
				}
				// Turn the error in ln F into a relative error in x through the
				// slope d ln F/d ln x = y·f(y)/F (f the Gamma(a, 1) density), less
				// what evaluating ln F itself costs: terms of size a·|ln y|, y and
				// ln Γ(a+1) cancel to leave ln F.
				lga, _ := math.Lgamma(a)
				lg1, _ := math.Lgamma(a + 1)
				slope := math.Exp(a*math.Log(y) - y - lga - got)
				if lp > -0.7 {
					slope = math.Exp(a*math.Log(y) - y - lga - g.LogSurvival(x))
				}
				noise := 4e-16 * (math.Abs(a*math.Log(y)) + y + math.Abs(lg1) + math.Abs(lp))
				if errX := (math.Abs(got-lp) - noise) / slope; errX > 1e-9 {
					t.Errorf("shape %v rate %v: ln F(LogQuantile(%v)) = %v: relative error in x %.3g", a, rate, lp, got, errX)
				}
			}
		}
	}
}

func TestQuantileEdges(t *testing.T) {
	g := Gamma{Shape: 2, Rate: 3}
	if g.Quantile(0) != 0 || !math.IsInf(g.Quantile(1), 1) || !math.IsNaN(g.Quantile(-0.1)) || !math.IsNaN(g.Quantile(math.NaN())) {
		t.Error("Quantile edges")
	}
	if g.LogQuantile(math.Inf(-1)) != 0 || !math.IsInf(g.LogQuantile(0), 1) || !math.IsNaN(g.LogQuantile(1e-300)) || !math.IsNaN(g.LogQuantile(math.NaN())) {
		t.Error("LogQuantile edges")
	}
	if !math.IsNaN((Gamma{}).LogQuantile(-1)) || !math.IsNaN((Gamma{Shape: 1, Rate: math.Inf(1)}).Quantile(0.5)) {
		t.Error("invalid parameters")
	}
	// Extreme but valid parameters never panic and stay ordered.
	// Wilson–Hilferty just above shape 1e10 against the solver at 1e10.
	lo, hi := Gamma{Shape: gammaHugeShape, Rate: 1}, Gamma{Shape: math.Nextafter(gammaHugeShape, 2*gammaHugeShape), Rate: 1}
	for _, lp := range []float64{-5000, -1000, -10, -0.5, -1e-9, -1e-30} {
		x1, x2 := lo.LogQuantile(lp), hi.LogQuantile(lp)
		if !relClose(x1, x2, 1e-9) {
			t.Errorf("around shape 1e10 at %v: solver %v, Wilson–Hilferty %v", lp, x1, x2)
		}
	}
	// The normal quantile in log space against Python's statistics.NormalDist().inv_cdf.
	for _, c := range []struct{ lp, z float64 }{{math.Log(0.5), 0}, {math.Log(0.022750131948179195), -2}, {math.Log(1.1102230246251565e-16), -8.209536151601386}} {
		if z := normalQuantileLog(c.lp); math.Abs(z-c.z) > 1e-9*math.Max(1, math.Abs(c.z)) {
			t.Errorf("normalQuantileLog(%v) = %v, want %v", c.lp, z, c.z)
		}
	}
	for _, a := range []float64{5e-324, 1e-300, 1e-10, 1e10, 1e300, 1.7e308} {
		for _, r := range []float64{5e-324, 1e-300, 1, 1e300, 1.7e308} {
			g := Gamma{Shape: a, Rate: r}
			q1, q2 := g.Quantile(0.25), g.Quantile(0.75)
			if math.IsNaN(q1) || math.IsNaN(q2) || q1 > q2 {
				t.Errorf("Gamma(%v, %v): quartiles %v, %v", a, r, q1, q2)
			}
			_ = g.LogQuantile(-1e300)
		}
	}
}

func FuzzLogQuantile(f *testing.F) {
	f.Add(0.5, 1.0, -500.0)
	f.Add(300.0, 50.0, -385.0)
	f.Fuzz(func(t *testing.T, a, r, lp float64) {
		g := Gamma{Shape: a, Rate: r}
		x := g.LogQuantile(lp)
		if g.Validate() != nil || math.IsNaN(lp) || lp > 0 {
			if !math.IsNaN(x) {
				t.Fatalf("invalid input gave %v", x)
			}
			return
		}
		if math.IsNaN(x) || x < 0 {
			t.Fatalf("Gamma(%v, %v).LogQuantile(%v) = %v", a, r, lp, x)
		}
	})
}

var quantileSink float64

func BenchmarkLogQuantile(b *testing.B) {
	g := Gamma{Shape: 5, Rate: 2}
	b.ReportAllocs()
	for b.Loop() {
		quantileSink = g.LogQuantile(-385)
	}
}
