package guidance

import (
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// TestTrainGradientFiniteDifference checks the stated softplus gradients
// against central differences (Richardson-extrapolated) to 1e-6 relative.
func TestTrainGradientFiniteDifference(t *testing.T) {
	t.Parallel()
	fd := func(f func(float64) float64, z float64) float64 {
		h := 1e-3 * math.Max(1, math.Abs(z))
		d1 := (f(z+h) - f(z-h)) / (2 * h)
		d2 := (f(z+h/2) - f(z-h/2)) / h
		return (4*d2 - d1) / 3
	}
	rng := randx.New(7)
	for i := 0; i < 500; i++ {
		za := rng.NormFloat64() * 4
		zl := rng.NormFloat64() * 4
		x := RemainingToX(1 + math.Floor(rng.ExpFloat64()*500))
		_, dza, dzl := trainNLL(za, zl, x)
		na := fd(func(z float64) float64 { l, _, _ := trainNLL(z, zl, x); return l }, za)
		nl := fd(func(z float64) float64 { l, _, _ := trainNLL(za, z, x); return l }, zl)
		if math.Abs(dza-na) > 1e-6*math.Max(math.Abs(na), 1e-3) {
			t.Errorf("∂ℓ/∂z_α at (%v, %v, %v) = %v, finite difference %v", za, zl, x, dza, na)
		}
		if math.Abs(dzl-nl) > 1e-6*math.Max(math.Abs(nl), 1e-3) {
			t.Errorf("∂ℓ/∂z_λ at (%v, %v, %v) = %v, finite difference %v", za, zl, x, dzl, nl)
		}
	}
}

// trainSynthetic draws examples whose remaining length follows a known
// Gamma over log(L+1), with parameters set by the features.
func trainSynthetic(seed uint64, n, vocab, dim int, wa, wl [][]float64) []TrainExample {
	rng := randx.New(seed)
	ex := make([]TrainExample, n)
	for i := range ex {
		h := make([]float32, dim)
		h[0] = 1
		for j := 1; j < dim; j++ {
			h[j] = float32(rng.NormFloat64())
		}
		v := rng.IntN(vocab)
		g := trainTrueGamma(wa[v], wl[v], h)
		x := distuv.Gamma{Alpha: g.Shape, Beta: g.Rate, Src: rng}.Rand()
		ex[i] = TrainExample{Features: h, Token: v, Remaining: RemainingFromX(x)}
	}
	return ex
}

func trainTrueGamma(wa, wl []float64, h []float32) Gamma {
	return Gamma{Shape: headSoftplus(trainDot(wa, h)), Rate: headSoftplus(trainDot(wl, h))}
}

// TestTrainRecoversKnownGamma: a head trained on synthetic traces reaches a
// held-out NLL within 2% of the generating model's.
func TestTrainRecoversKnownGamma(t *testing.T) {
	t.Parallel()
	const vocab, dim = 3, 3
	wa := [][]float64{{6, 1.5, -1}, {10, -2, 0.5}, {4, 0.5, 1}}
	wl := [][]float64{{2, 0.3, -0.2}, {3, -0.5, 0.2}, {1.5, 0.2, 0.3}}
	n := 16000
	epochs := 12
	if testing.Short() {
		n, epochs = 8000, 10
	}
	train := trainSynthetic(1, n, vocab, dim, wa, wl)
	test := trainSynthetic(2, 4000, vocab, dim, wa, wl)
	head, _ := NewHead(vocab, dim)
	steps := 0
	tr, err := NewTrainer(head, TrainerConfig{LearningRate: 0.05, BatchSize: 64, Epochs: epochs, Seed: 3,
		Progress: func(TrainProgress) { steps++ }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Fit(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	if steps != res.Steps || steps != tr.Steps() {
		t.Errorf("progress called %d times, %d steps", steps, res.Steps)
	}
	got, _ := tr.Loss(test)
	var truth float64
	for _, e := range test {
		truth -= trainTrueGamma(wa[e.Token], wl[e.Token], e.Features).LogProb(RemainingToX(e.Remaining))
	}
	truth /= float64(len(test))
	t.Logf("held-out NLL: trained %.5f, true model %.5f", got, truth)
	if math.Abs(got-truth) > 0.02*math.Abs(truth) {
		t.Errorf("held-out NLL %v not within 2%% of the true model's %v", got, truth)
	}
	// The float32 head scores like the master weights.
	feat := test[0].Features
	g, _ := head.Predict(feat, test[0].Token)
	if want := trainTrueGamma(wa[test[0].Token], wl[test[0].Token], feat); math.Abs(g.Mean()-want.Mean()) > 0.1*want.Mean() {
		t.Errorf("trained mean %v vs true %v", g.Mean(), want.Mean())
	}
}

func TestTrainDeterministicAndCancellable(t *testing.T) {
	t.Parallel()
	wa := [][]float64{{3, 1}, {2, -1}}
	wl := [][]float64{{2, 0}, {1, 0.5}}
	ex := trainSynthetic(4, 500, 2, 2, wa, wl)
	run := func(lazy bool) []float32 {
		h, _ := NewHead(2, 2)
		tr, _ := NewTrainer(h, TrainerConfig{LearningRate: 0.01, Epochs: 2, BatchSize: 1, Seed: 9, LazyAdam: lazy})
		if _, err := tr.Fit(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
		a, r := h.Weights()
		return append(append([]float32{}, a...), r...)
	}
	a, b := run(false), run(false)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("training is not deterministic given the seed")
		}
	}
	c := run(true)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("LazyAdam gave the same weights as dense Adam (expected differences once rows skip steps)")
	}
	h, _ := NewHead(2, 2)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	tr, _ := NewTrainer(h, TrainerConfig{Progress: func(TrainProgress) {
		calls++
		if calls == 3 {
			cancel()
		}
	}})
	if _, err := tr.Fit(ctx, ex); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Fit: %v", err)
	}
	if tr.Steps() != 3 {
		t.Errorf("steps after cancel = %d, want 3", tr.Steps())
	}
	bad := []TrainExample{{Features: []float32{1, float32(math.NaN())}, Token: 0, Remaining: 3}}
	if _, err := tr.Fit(context.Background(), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("NaN feature: %v", err)
	}
	for _, e := range []TrainExample{{Features: []float32{1}, Token: 0, Remaining: 3}, {Features: []float32{1, 1}, Token: 2, Remaining: 3}, {Features: []float32{1, 1}, Token: 0, Remaining: 0}} {
		if _, err := tr.Fit(context.Background(), []TrainExample{e}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v accepted: %v", e, err)
		}
	}
}
