package guidance_test

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/budget/guidance"
)

// A Gamma over x = log(L+1) answers "how many thinking tokens are left, and
// how sure are we".
func ExampleGamma() {
	g := guidance.Gamma{Shape: 30, Rate: 5} // mode at x = 5.8, i.e. ~329 tokens
	fmt.Printf("P(done within 500 tokens) = %.3f\n", g.ProbFinishWithin(500))
	fmt.Printf("expected remaining = %.0f tokens\n", g.ExpectedRemaining())
	fmt.Printf("90%% quantile = %.0f tokens\n", g.RemainingQuantile(0.9))
	// Output:
	// P(done within 500 tokens) = 0.601
	// expected remaining = 807 tokens
	// 90% quantile = 1701 tokens
}

// One guided step: the caller scores the candidates with the head, Apply
// reweights their logits by the probability of finishing within guidance.
func ExampleGuide() {
	const endThinking = 3
	g, _ := guidance.NewGuide(100, endThinking, guidance.Config{})
	logits := []float64{2.0, 1.5, 0.2, -1.0}
	candidates := []int{0, 1, 2, 3}
	// Predicted remaining length if each token is emitted next (from a Head
	// in real use): token 0 leads to long thinking, token 1 to short.
	params := []guidance.Gamma{{Shape: 60, Rate: 10}, {Shape: 40, Rate: 10}, {Shape: 45, Rate: 10}, {Shape: 12, Rate: 12}}
	if g.Due() {
		if _, err := g.Apply(logits, candidates, params); err != nil {
			fmt.Println(err)
			return
		}
	}
	for v, z := range logits {
		fmt.Printf("token %d: %.2f\n", v, z)
	}
	_ = g.Advance(guidance.Token{ID: 1})
	fmt.Println("next step due:", g.Due())
	// Output:
	// token 0: -1.56
	// token 1: 1.32
	// token 2: -0.33
	// token 3: -1.00
	// next step due: false
}

// The greedy shortcut returns exactly the argmax of full-vocabulary guidance
// while scoring only the most probable candidates.
func ExampleGuide_Greedy() {
	head, _ := guidance.NewHead(1000, 2)
	alpha, rate := head.Weights()
	for v := 0; v < 1000; v++ {
		alpha[2*v], rate[2*v] = 40, 12 // α ≈ 40, λ ≈ 12 for features (1, 0)
	}
	alpha[0], rate[0] = 80, 12 // token 0 implies much longer thinking
	logits := make([]float64, 1000)
	for v := range logits {
		logits[v] = -float64(v) / 100
	}
	g, _ := guidance.NewGuide(50, 999, guidance.Config{})
	tok, scored, _ := g.Greedy(logits, head, []float32{1, 0})
	fmt.Printf("token %d after scoring %d of 1000 candidates\n", tok, scored)
	// Output:
	// token 1 after scoring 15 of 1000 candidates
}

// Training a head on (features, next token, remaining length) examples.
func ExampleTrainer() {
	var examples []guidance.TrainExample
	for i := 0; i < 2000; i++ {
		f := float32(i % 2) // feature 1: a "hard" question
		L := 50.0
		if f == 1 {
			L = 1000
		}
		examples = append(examples, guidance.TrainExample{Features: []float32{1, f}, Token: 0, Remaining: L * (0.8 + 0.4*float64(i%7)/6)})
	}
	head, _ := guidance.NewHead(1, 2)
	tr, _ := guidance.NewTrainer(head, guidance.TrainerConfig{LearningRate: 0.05, Epochs: 30, Seed: 1})
	if _, err := tr.Fit(context.Background(), examples); err != nil {
		fmt.Println(err)
		return
	}
	easy, _ := head.Predict([]float32{1, 0}, 0)
	hard, _ := head.Predict([]float32{1, 1}, 0)
	fmt.Printf("median remaining: easy ≈ %.0f, hard ≈ %.0f tokens\n", easy.MedianRemaining(), hard.MedianRemaining())
	// Output:
	// median remaining: easy ≈ 47, hard ≈ 918 tokens
}

// Heads load from the reference's safetensors checkpoints (tensors
// "alpha_head.weight" and "lam_head.weight", F32/F16/BF16/F64).
func ExampleReadHeadSafetensors() {
	head, _ := guidance.NewHeadFromWeights(2, 3, []float32{1, 2, 3, 4, 5, 6}, []float32{6, 5, 4, 3, 2, 1})
	var file bytes.Buffer
	if err := guidance.WriteHeadSafetensors(&file, head, guidance.SafetensorsF32, guidance.SafetensorsNames{}); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := guidance.ReadHeadSafetensors(&file, guidance.SafetensorsNames{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(loaded.Vocab(), loaded.Dim())
	// Output:
	// 2 3
}

// Without hidden-state access, fit remaining-length predictions from the
// lengths of past traces.
func ExampleFitLengthModel() {
	lengths := []int{310, 420, 515, 600, 640, 700, 820, 905, 1100, 1400, 1650, 2000, 2400, 3100, 3900, 5200}
	m, _ := guidance.FitLengthModel(lengths, guidance.LengthFitConfig{MinSurvivors: 4})
	for _, t := range []int{0, 1000} {
		p, _ := m.ProbFinishWithin(t, 1000)
		fmt.Printf("after %d tokens: P(done within 1000 more) = %.2f\n", t, p)
	}
	// Output:
	// after 0 tokens: P(done within 1000 more) = 0.44
	// after 1000 tokens: P(done within 1000 more) = 0.53
}

// Budget forcing, the baseline: think freely, force the end of thinking at
// the guidance.
func ExampleForcing() {
	f, _ := guidance.NewForcing(2, 3)
	for step := 0; step < 3; step++ {
		logits := []float64{1, 2, 0, -1}
		forced, _ := f.Apply(logits)
		tok := argmax(logits)
		fmt.Printf("step %d: forced=%v token=%d\n", step, forced, tok)
		_ = f.Advance(guidance.Token{ID: tok})
	}
	// Output:
	// step 0: forced=false token=1
	// step 1: forced=false token=1
	// step 2: forced=true token=3
}

// A batch of guides over a [batch × vocab] logits slab.
func ExampleBatch() {
	b, _ := guidance.NewBatch(2, 100, 2, guidance.Config{})
	slab := []float64{
		1, 0, -1, // row 0
		0, 1, -1, // row 1
	}
	cands := [][]int{{0, 1}, {0, 1}}
	params := [][]guidance.Gamma{
		{{Shape: 60, Rate: 10}, {Shape: 30, Rate: 10}},
		{{Shape: 30, Rate: 10}, {Shape: 30, Rate: 10}},
	}
	if err := b.Apply(slab, 3, cands, params, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(argmax(slab[:3]), argmax(slab[3:]))
	// Output:
	// 1 1
}

func argmax(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] || math.IsNaN(xs[best]) {
			best = i
		}
	}
	return best
}

func ExampleHead() {
	// A 3-token vocabulary over 2 features. Row v holds W_α[v] and W_λ[v].
	head, _ := guidance.NewHeadFromWeights(3, 2,
		[]float32{1, 0, 2, 0, 4, 0}, // W_α
		[]float32{0, 3, 0, 2, 0, 1}) // W_λ
	features := []float32{2, 5}
	params := make([]guidance.Gamma, 2)
	_ = head.Score(features, []int{0, 2}, params) // only the candidates
	for _, g := range params {
		fmt.Printf("α=%.3f λ=%.3f median remaining %.1f tokens\n", g.Shape, g.Rate, g.MedianRemaining())
	}
	// Output:
	// α=2.127 λ=15.000 median remaining 0.1 tokens
	// α=8.000 λ=5.007 median remaining 3.6 tokens
}
