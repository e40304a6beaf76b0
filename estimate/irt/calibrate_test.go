package irt

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// simulate draws an n × len(bank) matrix from the bank with θ ~ N(0, I).
func simulate(rng *rand.Rand, bank []Item, n int) ([][]float64, [][]float64) {
	d := bank[0].Dim()
	x := make([][]float64, n)
	thetas := make([][]float64, n)
	for i := range x {
		th := make([]float64, d)
		for k := range th {
			th[k] = rng.NormFloat64()
		}
		thetas[i] = th
		x[i] = make([]float64, len(bank))
		for j, it := range bank {
			x[i][j] = drawScore(rng, it, th)
		}
	}
	return x, thetas
}

func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// true2PL draws a 2PL bank with a ~ U(0.6, 2.4) and b ~ N(0, 1) clipped
// to [−2.5, 2.5], a usual simulation design.
func true2PL(rng *rand.Rand, m int) []Item {
	bank := make([]Item, m)
	for j := range bank {
		bank[j] = TwoPL(0.6+1.8*rng.Float64(), math.Max(-2.5, math.Min(2.5, rng.NormFloat64())))
	}
	return bank
}

// Parameter recovery, averaged over three replications so that one unlucky
// low-discrimination item does not decide the outcome.
func TestCalibrateEMRecovery(t *testing.T) {
	// Three replications even in short mode: with parameter-expanded EM each
	// takes ~50 ms, and a single replication is at the mercy of its seed.
	n, reps := 1000, 3
	var corrA, corrB, rmseB float64
	for rep := 0; rep < reps; rep++ {
		rng := rand.New(rand.NewPCG(42+uint64(rep), 1))
		truth := true2PL(rng, 50)
		x, thetas := simulate(rng, truth, n)
		start := time.Now()
		cal, err := Calibrate(context.Background(), x, CalibrateConfig{Seed: 1, Holdout: -1})
		if err != nil {
			t.Fatal(err)
		}
		var ta, fa, tb, fb []float64
		var se float64
		for j := range truth {
			ta = append(ta, truth[j].A[0])
			fa = append(fa, cal.Bank[j].A[0])
			b0, _ := truth[j].Difficulty()
			b1, _ := cal.Bank[j].Difficulty()
			tb, fb = append(tb, b0), append(fb, b1)
			se += (b0 - b1) * (b0 - b1)
		}
		rmse := math.Sqrt(se / float64(len(truth)))
		var tt, ft []float64
		for i := range thetas {
			tt, ft = append(tt, thetas[i][0]), append(ft, cal.Abilities[i][0])
		}
		r := cal.Report
		t.Logf("EM %d×50 (rep %d): %d iterations in %v, corr(a) = %.3f, corr(b) = %.3f, RMSE(b) = %.3f, corr(θ) = %.3f",
			n, rep, r.Iterations, time.Since(start).Round(time.Millisecond), pearson(ta, fa), pearson(tb, fb), rmse, pearson(tt, ft))
		corrA += pearson(ta, fa) / float64(reps)
		corrB += pearson(tb, fb) / float64(reps)
		rmseB += rmse / float64(reps)
		if !r.Converged || r.HeldOutCells != 0 || !math.IsNaN(r.HeldOutAUC) {
			t.Errorf("report %+v", r)
		}
	}
	if corrA < 0.95 || corrB < 0.95 || rmseB > 0.15 {
		t.Errorf("mean over %d replications: corr(a) = %.3f, corr(b) = %.3f (want ≥ 0.95), RMSE(b) = %.3f (want ≤ 0.15)", reps, corrA, corrB, rmseB)
	}
}

// align fits the least-squares linear map M with fitted·M ≈ truth (the
// fit is determined only up to an invertible transformation of θ) and
// returns the correlation of each true column with its mapped fit.
func align(fit, truth [][]float64) []float64 {
	d := len(fit[0])
	// Normal equations (FᵀF) M = FᵀT.
	ftf := make([]float64, d*d)
	ftt := make([]float64, d*d)
	for r := range fit {
		for k := 0; k < d; k++ {
			for l := 0; l < d; l++ {
				ftf[k*d+l] += fit[r][k] * fit[r][l]
				ftt[k*d+l] += fit[r][k] * truth[r][l]
			}
		}
	}
	cholesky(ftf, d)
	out := make([]float64, d)
	col := make([]float64, d)
	for l := 0; l < d; l++ {
		for k := 0; k < d; k++ {
			col[k] = ftt[k*d+l]
		}
		cholSolve(ftf, d, col)
		var mapped, want []float64
		for r := range fit {
			var s float64
			for k := 0; k < d; k++ {
				s += fit[r][k] * col[k]
			}
			mapped, want = append(mapped, s), append(want, truth[r][l])
		}
		out[l] = pearson(mapped, want)
	}
	return out
}

func TestCalibrateJML2DRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	m, n := 50, 1000
	if testing.Short() {
		n = 600
	}
	truth := make([]Item, m)
	for j := range truth {
		// Simple structure with cross-loadings: each item loads mainly on
		// one dimension.
		a := []float64{0.2 + 0.4*rng.Float64(), 0.2 + 0.4*rng.Float64()}
		a[j%2] = 0.8 + 1.4*rng.Float64()
		truth[j] = Item{A: a, D: rng.NormFloat64()}
	}
	x, _ := simulate(rng, truth, n)
	cal, err := Calibrate(context.Background(), x, CalibrateConfig{Dims: []int{2}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var fa, ta [][]float64
	var fd, td []float64
	for j := range truth {
		fa = append(fa, cal.Bank[j].A)
		ta = append(ta, truth[j].A)
		fd = append(fd, cal.Bank[j].D)
		td = append(td, truth[j].D)
	}
	ca := align(fa, ta)
	cd := pearson(fd, td)
	r := cal.Report
	t.Logf("JML 2-D %d×%d: %d sweeps, corr(a) after alignment = %.3f, %.3f; corr(d) = %.3f; held-out log-loss %.3f AUC %.3f",
		n, m, r.Iterations, ca[0], ca[1], cd, r.HeldOutLogLoss, r.HeldOutAUC)
	if ca[0] < 0.95 || ca[1] < 0.95 || cd < 0.95 {
		t.Errorf("recovery too weak: corr(a) = %v, corr(d) = %v", ca, cd)
	}
	// θ is standardised.
	var mean, sq float64
	for _, th := range cal.Abilities {
		mean += th[0]
		sq += th[0] * th[0]
	}
	mean /= float64(n)
	if math.Abs(mean) > 1e-9 || math.Abs(sq/float64(n)-1) > 1e-9 {
		t.Errorf("θ not standardised: mean %v, var %v", mean, sq/float64(n))
	}
}

func TestCalibrateChoosesDims(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	truth := make([]Item, 40)
	for j := range truth {
		a := []float64{0, 0}
		a[j%2] = 1.5 + rng.Float64()
		truth[j] = Item{A: a, D: rng.NormFloat64()}
	}
	x, _ := simulate(rng, truth, 400)
	var calls int
	cal, err := Calibrate(context.Background(), x, CalibrateConfig{Dims: []int{1, 2}, Seed: 1, Progress: func(Progress) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("candidates %+v", cal.Report.Candidates)
	if cal.Report.Dims != 2 || len(cal.Report.Candidates) != 2 || calls == 0 {
		t.Errorf("chose D = %d from %+v (progress calls %d)", cal.Report.Dims, cal.Report.Candidates, calls)
	}
	// Deterministic with a seed.
	again, _ := Calibrate(context.Background(), x, CalibrateConfig{Dims: []int{1, 2}, Seed: 1})
	if diff := cmp.Diff(cal.Bank, again.Bank); diff != "" {
		t.Errorf("not deterministic:\n%s", diff)
	}
}

func TestCalibrateBadInput(t *testing.T) {
	nan := math.NaN()
	for name, m := range map[string][][]float64{
		"empty":      nil,
		"empty row":  {{}},
		"ragged":     {{1, 0}, {1}},
		"out of 0,1": {{1, 2}, {0, 1}},
		"inf":        {{1, math.Inf(1)}, {0, 1}},
		"empty row2": {{1, 0}, {nan, nan}},
		"empty col":  {{1, nan}, {0, nan}},
	} {
		if _, err := Calibrate(context.Background(), m, CalibrateConfig{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	ok := [][]float64{{1, 0}, {0, 1}, {1, 1}}
	for _, cfg := range []CalibrateConfig{
		{Dims: []int{0}}, {Dims: []int{}}, {Method: MethodEM, Dims: []int{2}}, {Method: 9}, {Holdout: 0.95},
		{Holdout: -1, Dims: []int{1, 2}}, {Tol: -1}, {QuadNodes: 2}, {SlopePriorSD: math.NaN()}, {MaxIter: -3},
	} {
		if _, err := Calibrate(context.Background(), ok, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", cfg, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Calibrate(ctx, ok, CalibrateConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestHeldOutAUC(t *testing.T) {
	// Hand-computed: positives at p = 0.9, 0.4; negatives at 0.5, 0.1.
	// Pairs (pos > neg): (0.9>0.5), (0.9>0.1), (0.4>0.1) = 3 of 4.
	cells := []obsCell{{0, 0, 1}, {0, 1, 1}, {0, 2, 0}, {0, 3, 0}}
	p := []float64{0.9, 0.4, 0.5, 0.1}
	ll, auc := heldOut(cells, func(i, j int) float64 { return p[j] })
	want := -(math.Log(0.9) + math.Log(0.4) + math.Log(0.5) + math.Log(0.9)) / 4
	assertClose(t, "log-loss", ll, want, 1e-12)
	assertClose(t, "AUC", auc, 0.75, 1e-12)
}
