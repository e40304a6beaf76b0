package guidance

import (
	"errors"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func TestHeadScoreMatchesDefinition(t *testing.T) {
	t.Parallel()
	rng := randx.New(11)
	const vocab, dim = 7, 13
	h := randHead(rng, vocab, dim)
	a, r := h.Weights()
	feat := make([]float32, dim)
	for i := range feat {
		feat[i] = float32(rng.NormFloat64())
	}
	all := make([]Gamma, vocab)
	if err := h.ScoreAll(feat, all); err != nil {
		t.Fatal(err)
	}
	ids := []int{6, 0, 3}
	sub := make([]Gamma, len(ids))
	if err := h.Score(feat, ids, sub); err != nil {
		t.Fatal(err)
	}
	for v := 0; v < vocab; v++ {
		var za, zl float64
		for j := 0; j < dim; j++ {
			za += float64(a[v*dim+j]) * float64(feat[j])
			zl += float64(r[v*dim+j]) * float64(feat[j])
		}
		want := Gamma{Shape: math.Log1p(math.Exp(za)), Rate: math.Log1p(math.Exp(zl))}
		if !gammaClose(all[v].Shape, want.Shape, 1e-5) || !gammaClose(all[v].Rate, want.Rate, 1e-5) {
			t.Errorf("row %d: %+v, want %+v", v, all[v], want)
		}
	}
	for i, v := range ids {
		if sub[i] != all[v] {
			t.Errorf("Score(%d) = %+v, ScoreAll = %+v", v, sub[i], all[v])
		}
	}
	if got := headSoftplus(-800); got != 0 || headParam(-800) <= 0 {
		t.Errorf("softplus underflow: %v, param %v", got, headParam(-800))
	}
	if got := headSoftplus(800); got != 800 {
		t.Errorf("headSoftplus(800) = %v", got)
	}
}

func TestHeadBadInput(t *testing.T) {
	t.Parallel()
	h, _ := NewHead(4, 3)
	ok := []float32{1, 2, 3}
	dst := make([]Gamma, 2)
	for name, err := range map[string]error{
		"dim mismatch":  h.Score([]float32{1, 2}, []int{0, 1}, dst),
		"NaN feature":   h.Score([]float32{1, float32(math.NaN()), 3}, []int{0, 1}, dst),
		"Inf feature":   h.Score([]float32{1, float32(math.Inf(1)), 3}, []int{0, 1}, dst),
		"id range":      h.Score(ok, []int{0, 4}, dst),
		"dst length":    h.Score(ok, []int{0}, dst),
		"scoreall dst":  h.ScoreAll(ok, dst),
		"set row range": h.SetRow(9, ok, ok),
		"set row NaN":   h.SetRow(0, []float32{1, float32(math.NaN()), 1}, ok),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if dst[0] != (Gamma{}) {
		t.Error("failed Score wrote to dst")
	}
	for _, c := range [][2]int{{0, 3}, {3, 0}, {-1, 1}, {1 << 30, 1 << 30}} {
		if _, err := NewHead(c[0], c[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewHead(%d, %d): %v", c[0], c[1], err)
		}
	}
	if _, err := NewHeadFromWeights(1, 2, []float32{1}, []float32{1, 2}); !errors.Is(err, ErrInvalid) {
		t.Error("short weights accepted")
	}
}

var (
	headSink Gamma
	sink     Step
)

// BenchmarkGuideStep is one guided decoding step with k = 64 candidates and
// d = 768 features: head scoring plus Apply. "compact" passes the k
// candidates' logits only (a top-k sampler's buffer); "vocab" rewrites a full
// 151,936-entry logits row under the ban policy.
func BenchmarkGuideStep(b *testing.B) {
	const k, dim, vocab = 64, 768, 151936
	rng := randx.New(5)
	h, _ := NewHead(vocab, dim)
	a, r := h.Weights()
	// Rows give α ≈ 30 ± 3 and λ ≈ 12 ± 2 for all-ones features, so most
	// candidates pass the masks and keep a weight.
	for v := 0; v < vocab; v++ {
		za, zl := 30+3*rng.NormFloat64(), 12+2*rng.NormFloat64()
		for j := 0; j < dim; j++ {
			a[v*dim+j] = float32(za / dim)
			r[v*dim+j] = float32(zl / dim)
		}
	}
	feat := make([]float32, dim)
	for i := range feat {
		feat[i] = 1
	}
	ids := rng.Perm(vocab)[:k]
	params := make([]Gamma, k)
	for _, mode := range []string{"compact", "vocab"} {
		b.Run(mode, func(b *testing.B) {
			g, _ := NewGuide(500, 0, Config{Schedule: EveryToken})
			n := k
			if mode == "vocab" {
				n = vocab
			}
			logits := make([]float64, n)
			cands := make([]int, k)
			for i := range cands {
				cands[i] = i
				if mode == "vocab" {
					cands[i] = ids[i]
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := h.Score(feat, ids, params); err != nil {
					b.Fatal(err)
				}
				s, err := g.Apply(logits, cands, params)
				if err != nil {
					b.Fatal(err)
				}
				if s.Fallback || !s.Guided {
					b.Fatalf("step %+v: benchmark must exercise reweighting", s)
				}
				sink = s
				for _, c := range cands {
					logits[c] = 0 // the next step's fresh logits
				}
			}
		})
	}
}

// BenchmarkHeadScoreAll scores the full Qwen vocabulary (V = 151,936,
// d = 768): 2·V·d multiply-adds per op; the GFLOP/s metric counts each
// multiply-add as 2 flops. The head takes 0.93 GB, so the benchmark is
// skipped in -short mode.
func BenchmarkHeadScoreAll(b *testing.B) {
	if testing.Short() {
		b.Skip("allocates a 0.93 GB head")
	}
	const vocab, dim = 151936, 768
	h, _ := NewHead(vocab, dim)
	a, r := h.Weights()
	for i := range a {
		a[i] = float32(i%7) * 1e-3
		r[i] = float32(i%5) * 1e-3
	}
	feat := make([]float32, dim)
	for i := range feat {
		feat[i] = 1
	}
	dst := make([]Gamma, vocab)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := h.ScoreAll(feat, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	headSink = dst[vocab-1]
	b.ReportMetric(4*vocab*dim/(b.Elapsed().Seconds()/float64(b.N))/1e9, "GFLOP/s")
}

// TestHeadConcurrentScoring exercises the documented concurrency guarantee
// (run under -race): scoring from many goroutines while nobody writes.
func TestHeadConcurrentScoring(t *testing.T) {
	t.Parallel()
	h := randHead(randx.New(3), 50, 16)
	lm, _ := FitLengthModel([]int{10, 20, 30, 40, 50, 60}, LengthFitConfig{MinSurvivors: 2})
	feat := make([]float32, 16)
	for i := range feat {
		feat[i] = float32(i) / 16
	}
	want := make([]Gamma, 50)
	h.ScoreAll(feat, want)
	done := make(chan []Gamma)
	for w := 0; w < 4; w++ {
		go func() {
			got := make([]Gamma, 50)
			for r := 0; r < 20; r++ {
				h.ScoreAll(feat, got)
				lm.Predict(r)
			}
			done <- got
		}()
	}
	for w := 0; w < 4; w++ {
		got := <-done
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("concurrent score %d differs", i)
			}
		}
	}
}
