package guidance

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func lengthSample(seed uint64, n int) []int {
	rng := randx.New(seed)
	ls := make([]int, n)
	for i := range ls {
		// log-normal-ish thinking lengths around 800 tokens
		ls[i] = 1 + int(math.Exp(6.5+0.6*rng.NormFloat64()))
	}
	return ls
}

func TestLengthModelMoments(t *testing.T) {
	t.Parallel()
	ls := lengthSample(1, 500)
	m, err := FitLengthModel(ls, LengthFitConfig{Method: LengthFitMoments})
	if err != nil {
		t.Fatal(err)
	}
	const gen = 300
	var xs []float64
	for _, T := range ls {
		if T > gen {
			xs = append(xs, math.Log(float64(T-gen)+1))
		}
	}
	mean, variance := stat.PopMeanVariance(xs, nil)
	g, _ := m.Predict(gen)
	if !gammaClose(g.Shape, mean*mean/variance, 1e-9) || !gammaClose(g.Rate, mean/variance, 1e-9) {
		t.Errorf("moments fit %+v, want α=%v λ=%v", g, mean*mean/variance, mean/variance)
	}
}

// TestLengthModelMLE checks the MLE against a direct numerical maximisation
// of the Gamma log-likelihood (distuv.Gamma.LogProb): golden-section search
// on the profile likelihood in log α, with λ = α/x̄ (the exact maximiser for
// fixed α).
func TestLengthModelMLE(t *testing.T) {
	t.Parallel()
	ls := lengthSample(2, 400)
	m, err := FitLengthModel(ls, LengthFitConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, gen := range []int{0, 500, 1500} {
		var xs []float64
		for _, T := range ls {
			if T > gen {
				xs = append(xs, math.Log(float64(T-gen)+1))
			}
		}
		mean := stat.Mean(xs, nil)
		nll := func(la float64) float64 {
			g := distuv.Gamma{Alpha: math.Exp(la), Beta: math.Exp(la) / mean}
			var s float64
			for _, x := range xs {
				s -= g.LogProb(x)
			}
			return s
		}
		lo, hi := math.Log(1e-3), math.Log(1e5)
		const phi = 0.6180339887498949
		for hi-lo > 1e-10 {
			m1, m2 := hi-phi*(hi-lo), lo+phi*(hi-lo)
			if nll(m1) < nll(m2) {
				hi = m2
			} else {
				lo = m1
			}
		}
		res := struct{ X []float64 }{[]float64{(lo + hi) / 2, (lo+hi)/2 - math.Log(mean)}}
		g, _ := m.Predict(gen)
		want := Gamma{Shape: math.Exp(res.X[0]), Rate: math.Exp(res.X[1])}
		if !gammaClose(g.Shape, want.Shape, 1e-6) || !gammaClose(g.Rate, want.Rate, 1e-6) {
			t.Errorf("t=%d: MLE %+v, numerical optimum %+v", gen, g, want)
		}
	}
	p0, _ := m.ProbFinishWithin(0, 10000)
	p1, _ := m.ProbFinishWithin(0, 50)
	if !(p0 > 0.99 && p1 < 0.05) {
		t.Errorf("ProbFinishWithin: %v (10000 tokens), %v (50 tokens)", p0, p1)
	}
	e0, _ := m.ExpectedRemaining(0)
	if !(e0 > 400 && e0 < 2000) {
		t.Errorf("ExpectedRemaining(0) = %v", e0)
	}
	// Past every trace the prediction says thinking should end now.
	g, _ := m.Predict(1 << 20)
	if med := g.MedianRemaining(); !(med < 2) {
		t.Errorf("median remaining past the longest trace = %v", med)
	}
}

func TestLengthModelBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ls  []int
		cfg LengthFitConfig
	}{{nil, LengthFitConfig{}}, {[]int{5}, LengthFitConfig{}}, {[]int{5, 0}, LengthFitConfig{}}, {[]int{5, 6}, LengthFitConfig{MinSurvivors: 1}}, {[]int{5, 6}, LengthFitConfig{Method: 9}}} {
		if _, err := FitLengthModel(c.ls, c.cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("FitLengthModel(%v, %+v) = %v", c.ls, c.cfg, err)
		}
	}
	m, _ := FitLengthModel([]int{7, 7, 7}, LengthFitConfig{})
	if _, err := m.Predict(-1); !errors.Is(err, ErrInvalid) {
		t.Error("negative generated accepted")
	}
	if _, err := m.ProbFinishWithin(0, -1); !errors.Is(err, ErrInvalid) {
		t.Error("negative budget accepted")
	}
	if g, err := m.Predict(0); err != nil || g.Validate() != nil {
		t.Errorf("degenerate sample: %+v, %v", g, err)
	}
}

func FuzzLengthModel(f *testing.F) {
	f.Add(int64(5), int64(100), int64(3), uint8(0), int64(10))
	f.Fuzz(func(t *testing.T, a, b, c int64, method uint8, gen int64) {
		m, err := FitLengthModel([]int{int(a), int(b), int(c)}, LengthFitConfig{Method: LengthFitMethod(method % 3), MinSurvivors: 2})
		if err != nil {
			return
		}
		g, err := m.Predict(int(gen))
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid prediction %+v: %v", g, err)
		}
	})
}
