package guidance

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// TrainExample is one thinking position of a trace: the feature vector at
// that position, the token that was emitted next, and the number of thinking
// tokens that remained from there, counting the emitted token (the
// end-of-thinking token itself has Remaining = 1).
type TrainExample struct {
	Features  []float32
	Token     int
	Remaining float64 // L > 0; the target is x = log(L + 1)
}

// TrainerConfig configures a Trainer. Zero fields mean the defaults.
type TrainerConfig struct {
	// LearningRate is Adam's step size. Default 1e-4, the reference's.
	LearningRate float64
	// Beta1, Beta2 and Epsilon are Adam's constants. Defaults 0.9, 0.999,
	// 1e-8 (PyTorch's).
	Beta1, Beta2, Epsilon float64
	// BatchSize is the mini-batch size. Default 32.
	BatchSize int
	// Epochs is the number of passes over the examples per Fit. Default 1.
	Epochs int
	// Seed drives the per-epoch shuffling; a run is bit-reproducible given
	// the seed, the examples and the initial head.
	Seed uint64
	// LazyAdam updates only the rows that received a gradient in the
	// current mini-batch (TensorFlow's LazyAdam), which is much cheaper for
	// large vocabularies. The default (false) is standard dense Adam, as in
	// the reference's PyTorch training: rows without a gradient keep moving
	// with their decaying first moment.
	LazyAdam bool
	// Progress, if non-nil, is called after every mini-batch step with the
	// step's mean loss. It runs on the goroutine that called Fit.
	Progress func(TrainProgress)
}

// TrainProgress is passed to TrainerConfig.Progress.
type TrainProgress struct {
	Epoch int     // 0-based epoch
	Step  int     // optimiser steps taken so far (1-based)
	Loss  float64 // mean Gamma NLL of this step's mini-batch
}

// TrainResult summarises a Fit call.
type TrainResult struct {
	Steps     int     // optimiser steps taken by this call
	LastEpoch float64 // mean mini-batch loss over the last completed epoch
}

func (c TrainerConfig) withDefaults() (TrainerConfig, error) {
	def := func(p *float64, v float64, name string, lo, hi float64) error {
		if *p == 0 {
			*p = v
		}
		if !(*p > lo && *p < hi) {
			return fmt.Errorf("%w: TrainerConfig.%s = %v (must be in (%v, %v))", ErrInvalid, name, *p, lo, hi)
		}
		return nil
	}
	if err := def(&c.LearningRate, 1e-4, "LearningRate", 0, math.Inf(1)); err != nil {
		return c, err
	}
	if err := def(&c.Beta1, 0.9, "Beta1", -1e-300, 1); err != nil {
		return c, err
	}
	if err := def(&c.Beta2, 0.999, "Beta2", -1e-300, 1); err != nil {
		return c, err
	}
	if err := def(&c.Epsilon, 1e-8, "Epsilon", 0, math.Inf(1)); err != nil {
		return c, err
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.BatchSize < 0 {
		return c, fmt.Errorf("%w: TrainerConfig.BatchSize = %d (must be > 0)", ErrInvalid, c.BatchSize)
	}
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	if c.Epochs < 0 {
		return c, fmt.Errorf("%w: TrainerConfig.Epochs = %d (must be > 0)", ErrInvalid, c.Epochs)
	}
	return c, nil
}

// Trainer fits a Head to traces by minimising the Gamma negative
// log-likelihood of the emitted token's prediction, as the reference does:
//
//	ℓ = −[α ln λ − ln Γ(α) + (α−1) ln x − λx],   x = log(L + 1),
//	∂ℓ/∂z_α = (ψ(α) − ln λ − ln x)·σ(z_α),
//	∂ℓ/∂z_λ = (x − α/λ)·σ(z_λ),
//
// where α = softplus(z_α), λ = softplus(z_λ), z = W[token]·h and σ is the
// logistic function (softplus′). Only the emitted token's rows receive
// gradient; ∂ℓ/∂W[token] = (∂ℓ/∂z)·h. Parameters are optimised with Adam on
// float64 master copies of the rows touched so far (64·d bytes per row:
// weights, two moments and a gradient buffer for W_α and W_λ) and written
// back to the head (as float32) when Fit returns. Dense Adam costs
// O(touched rows · d) per step, lazy Adam O(batch · d).
//
// Snapshot and Restore checkpoint the master rows, Adam's moments and the
// step count, so a restored trainer continues bit for bit.
//
// A Trainer is not safe for concurrent use, and the head must not be scored
// concurrently with Fit.
type Trainer struct {
	head *Head
	cfg  TrainerConfig
	step int
	rows map[int]*trainRow
	ids  []int // touched rows, sorted
	perm []int
}

type trainRow struct {
	wa, wl         []float64
	ma, va, ml, vl []float64
	grad           bool // received gradient in the current step
	ga, gl         []float64
}

// NewTrainer returns a trainer that updates head in place.
func NewTrainer(head *Head, cfg TrainerConfig) (*Trainer, error) {
	if head == nil {
		return nil, fmt.Errorf("%w: nil head", ErrInvalid)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Trainer{head: head, cfg: c, rows: map[int]*trainRow{}}, nil
}

// Steps returns the number of optimiser steps taken so far.
func (t *Trainer) Steps() int {
	if t == nil {
		return 0
	}
	return t.step
}

func (t *Trainer) row(v int) *trainRow {
	if r, ok := t.rows[v]; ok {
		return r
	}
	d := t.head.dim
	buf := make([]float64, 8*d)
	r := &trainRow{
		wa: buf[0:d], wl: buf[d : 2*d], ma: buf[2*d : 3*d], va: buf[3*d : 4*d],
		ml: buf[4*d : 5*d], vl: buf[5*d : 6*d], ga: buf[6*d : 7*d], gl: buf[7*d : 8*d],
	}
	off := v * d
	for i := 0; i < d; i++ {
		r.wa[i] = float64(t.head.alpha[off+i])
		r.wl[i] = float64(t.head.rate[off+i])
	}
	t.rows[v] = r
	i, _ := slices.BinarySearch(t.ids, v)
	t.ids = slices.Insert(t.ids, i, v)
	return r
}

// weights returns the current float64 rows for token v (master copy if
// touched, else converted head rows into the given scratch).
func (t *Trainer) weights(v int, sa, sl []float64) ([]float64, []float64) {
	if r, ok := t.rows[v]; ok {
		return r.wa, r.wl
	}
	d := t.head.dim
	off := v * d
	for i := 0; i < d; i++ {
		sa[i] = float64(t.head.alpha[off+i])
		sl[i] = float64(t.head.rate[off+i])
	}
	return sa, sl
}

func (t *Trainer) checkExamples(examples []TrainExample) error {
	if t == nil || t.head == nil {
		return fmt.Errorf("%w: Trainer not created with NewTrainer", ErrInvalid)
	}
	if len(examples) == 0 {
		return fmt.Errorf("%w: no training examples", ErrInvalid)
	}
	for i, e := range examples {
		if err := t.head.checkFeatures(e.Features); err != nil {
			return fmt.Errorf("examples[%d]: %w", i, err)
		}
		if e.Token < 0 || e.Token >= t.head.vocab {
			return fmt.Errorf("%w: examples[%d].Token = %d out of range [0, %d)", ErrInvalid, i, e.Token, t.head.vocab)
		}
		if !(e.Remaining > 0) || math.IsInf(e.Remaining, 0) {
			return fmt.Errorf("%w: examples[%d].Remaining = %v (must be finite and > 0)", ErrInvalid, i, e.Remaining)
		}
	}
	return nil
}

// trainNLL returns the Gamma NLL ℓ of target x for pre-activations za, zl and
// its derivatives with respect to them.
func trainNLL(za, zl, x float64) (loss, dza, dzl float64) {
	a, l := headParamF(za), headParamF(zl)
	lx := math.Log(x)
	lg, _ := math.Lgamma(a)
	ll := math.Log(l)
	loss = -(a*ll - lg + (a-1)*lx - l*x)
	if za < -30 {
		// σ(z) ≈ eᶻ ≈ a and ψ(a) = −1/a − γ + O(a), so ψ(a)·σ(z) → −1: the
		// direct product is −Inf·0 = NaN once a underflows.
		dza = -1 + (-0.5772156649015329-ll-lx)*math.Exp(za)
	} else {
		dza = (mathext.Digamma(a) - ll - lx) * trainSigmoid(za)
	}
	dzl = (x - a/l) * trainSigmoid(zl)
	return loss, dza, dzl
}

func headParamF(z float64) float64 {
	p := headSoftplus(z)
	if p < math.SmallestNonzeroFloat64 {
		p = math.SmallestNonzeroFloat64
	}
	return p
}

func trainSigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func trainDot(w []float64, h []float32) float64 {
	var s0, s1, s2, s3 float64
	n := len(h)
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += w[i] * float64(h[i])
		s1 += w[i+1] * float64(h[i+1])
		s2 += w[i+2] * float64(h[i+2])
		s3 += w[i+3] * float64(h[i+3])
	}
	for ; i < n; i++ {
		s0 += w[i] * float64(h[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// Loss returns the mean Gamma NLL of the examples under the trainer's
// current weights (the master copies, which the head matches after Fit).
func (t *Trainer) Loss(examples []TrainExample) (float64, error) {
	if err := t.checkExamples(examples); err != nil {
		return 0, err
	}
	d := t.head.dim
	sa, sl := make([]float64, d), make([]float64, d)
	var sum float64
	for _, e := range examples {
		wa, wl := t.weights(e.Token, sa, sl)
		l, _, _ := trainNLL(trainDot(wa, e.Features), trainDot(wl, e.Features), RemainingToX(e.Remaining))
		sum += l
	}
	return sum / float64(len(examples)), nil
}

// Fit runs cfg.Epochs passes of mini-batch Adam over the examples (shuffled
// per epoch with the seed) and writes the trained rows back into the head.
// It checks ctx before every step; on cancellation it writes back the steps
// completed so far and returns ctx's error. Examples are validated up front:
// on a validation error nothing changes. Every step is checked before it is
// applied: if the loss, a gradient or a new weight would not be finite, or
// a weight would leave the float32 range of the head (a learning rate far
// too large, say), Fit stops before that step, writes back the steps
// completed, and returns an error wrapping ErrInvalid; the head never holds
// a NaN or infinite weight.
func (t *Trainer) Fit(ctx context.Context, examples []TrainExample) (TrainResult, error) {
	if err := t.checkExamples(examples); err != nil {
		return TrainResult{}, err
	}
	defer t.writeBack()
	var res TrainResult
	n := len(examples)
	bs := min(t.cfg.BatchSize, n)
	epoch0 := t.step // keeps epochs of successive Fit calls on distinct streams
	for ep := 0; ep < t.cfg.Epochs; ep++ {
		rng := randx.New(t.cfg.Seed, uint64(epoch0), uint64(ep))
		t.perm = slices.Grow(t.perm[:0], n)[:n]
		for i := range t.perm {
			t.perm[i] = i
		}
		rng.Shuffle(n, func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
		var epochLoss float64
		var batches int
		for lo := 0; lo < n; lo += bs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			hi := min(lo+bs, n)
			loss, err := t.stepBatch(examples, t.perm[lo:hi])
			if err != nil {
				return res, err
			}
			res.Steps++
			epochLoss += loss
			batches++
			if t.cfg.Progress != nil {
				t.cfg.Progress(TrainProgress{Epoch: ep, Step: t.step, Loss: loss})
			}
		}
		res.LastEpoch = epochLoss / float64(batches)
	}
	return res, nil
}

// stepBatch takes one Adam step on the examples idx. It returns an error,
// and changes no weight, moment or step count, if the loss, a gradient or a
// new weight would not be finite, or a weight would not fit a float32.
func (t *Trainer) stepBatch(examples []TrainExample, idx []int) (float64, error) {
	inv := 1 / float64(len(idx))
	var sum float64
	for _, i := range idx {
		e := examples[i]
		r := t.row(e.Token)
		if !r.grad {
			clear(r.ga)
			clear(r.gl)
			r.grad = true
		}
		l, dza, dzl := trainNLL(trainDot(r.wa, e.Features), trainDot(r.wl, e.Features), RemainingToX(e.Remaining))
		sum += l
		for j, h := range e.Features {
			r.ga[j] += dza * float64(h) * inv
			r.gl[j] += dzl * float64(h) * inv
		}
	}
	c := &t.cfg
	step := t.step + 1
	b1c := 1 - math.Pow(c.Beta1, float64(step))
	b2c := 1 - math.Pow(c.Beta2, float64(step))
	fail := func(err error) (float64, error) {
		for _, v := range t.ids {
			t.rows[v].grad = false
		}
		return 0, err
	}
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return fail(fmt.Errorf("%w: training loss is %v at step %d", ErrInvalid, sum, step))
	}
	// Check the whole step before applying any of it.
	for _, v := range t.ids {
		r := t.rows[v]
		if !r.grad && c.LazyAdam {
			continue
		}
		ga, gl := r.ga, r.gl
		if !r.grad {
			ga, gl = nil, nil
		}
		if !trainAdamOK(r.wa, r.ma, r.va, ga, c, b1c, b2c) || !trainAdamOK(r.wl, r.ml, r.vl, gl, c, b1c, b2c) {
			return fail(fmt.Errorf("%w: training diverged at step %d: token %d's weights or gradient leave the float32 range", ErrInvalid, step, v))
		}
	}
	t.step = step
	for _, v := range t.ids {
		r := t.rows[v]
		if !r.grad {
			if c.LazyAdam {
				continue
			}
			clear(r.ga)
			clear(r.gl)
		}
		trainAdam(r.wa, r.ma, r.va, r.ga, c, b1c, b2c)
		trainAdam(r.wl, r.ml, r.vl, r.gl, c, b1c, b2c)
		r.grad = false
	}
	return sum * inv, nil
}

// trainAdamOK reports whether trainAdam would leave every weight finite and
// within the float32 range (g nil means a zero gradient).
func trainAdamOK(w, m, v, g []float64, c *TrainerConfig, b1c, b2c float64) bool {
	for i := range w {
		gi := 0.0
		if g != nil {
			gi = g[i]
		}
		mi := c.Beta1*m[i] + (1-c.Beta1)*gi
		vi := c.Beta2*v[i] + (1-c.Beta2)*gi*gi
		wi := w[i] - c.LearningRate*(mi/b1c)/(math.Sqrt(vi/b2c)+c.Epsilon)
		if !(math.Abs(wi) <= math.MaxFloat32) || math.IsInf(vi, 0) {
			return false
		}
	}
	return true
}

func trainAdam(w, m, v, g []float64, c *TrainerConfig, b1c, b2c float64) {
	for i := range w {
		m[i] = c.Beta1*m[i] + (1-c.Beta1)*g[i]
		v[i] = c.Beta2*v[i] + (1-c.Beta2)*g[i]*g[i]
		w[i] -= c.LearningRate * (m[i] / b1c) / (math.Sqrt(v[i]/b2c) + c.Epsilon)
	}
}

func (t *Trainer) writeBack() {
	d := t.head.dim
	for _, v := range t.ids {
		r := t.rows[v]
		off := v * d
		for i := 0; i < d; i++ {
			t.head.alpha[off+i] = float32(r.wa[i])
			t.head.rate[off+i] = float32(r.wl[i])
		}
	}
}
