package guidance

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mathext"
)

// LengthFitMethod selects how LengthModel fits its Gammas.
type LengthFitMethod int

const (
	// LengthFitMLE fits by maximum likelihood: α solves
	// ln α − ψ(α) = ln x̄ − mean(ln x) (bisection on the monotone left side,
	// ψ from gonum mathext.Digamma), then λ = α/x̄. It is the default.
	LengthFitMLE LengthFitMethod = iota
	// LengthFitMoments fits by the method of moments: α = x̄²/s², λ = x̄/s².
	LengthFitMoments
)

// String returns "mle" or "moments", and "LengthFitMethod(n)" for other values.
func (m LengthFitMethod) String() string {
	switch m {
	case LengthFitMLE:
		return "mle"
	case LengthFitMoments:
		return "moments"
	}
	return "LengthFitMethod(" + strconv.Itoa(int(m)) + ")"
}

// LengthFitConfig configures FitLengthModel. Zero fields mean the defaults.
type LengthFitConfig struct {
	// Method is the estimator. Default LengthFitMLE.
	Method LengthFitMethod
	// MinSurvivors is the smallest number of traces a conditional fit uses.
	// Default 16.
	MinSurvivors int
}

// LengthModel is the feature-free fallback predictor for callers without
// access to hidden states (API-only users). From the total thinking lengths
// T_i of observed traces, it predicts the remaining length after t tokens as
// a Gamma over x = log(L + 1), fitted to the survivors' remaining lengths
// x_i = log(T_i − t + 1) for the traces with T_i > t. When fewer than
// MinSurvivors traces survive, it uses the MinSurvivors longest traces with
// remaining length max(T_i − t, 1), i.e. it predicts that thinking is about
// to end.
//
// It knows only how long traces of this kind tend to be, not anything about
// the question at hand, so it is much weaker than a trained Head: it cannot
// tell an easy question from a hard one, and its predictions sharpen only
// through survivorship as t grows. On the synthetic traces of
// examples/guidance (lengths driven by the features) its held-out NLL is
// markedly worse than the head's (that program prints both); use it for
// budget-adherence estimates (P(finish within the remaining budget),
// expected remaining tokens), not for per-token guidance.
//
// A LengthModel is immutable after construction and safe for concurrent use.
type LengthModel struct {
	lengths []float64 // sorted ascending
	cfg     LengthFitConfig
}

// FitLengthModel builds the predictor from observed total thinking lengths
// (each ≥ 1). At least 2 lengths are needed.
func FitLengthModel(lengths []int, cfg LengthFitConfig) (*LengthModel, error) {
	if cfg.MinSurvivors == 0 {
		cfg.MinSurvivors = 16
	}
	if cfg.MinSurvivors < 2 {
		return nil, fmt.Errorf("%w: LengthFitConfig.MinSurvivors = %d (must be ≥ 2)", ErrInvalid, cfg.MinSurvivors)
	}
	if cfg.Method != LengthFitMLE && cfg.Method != LengthFitMoments {
		return nil, fmt.Errorf("%w: LengthFitConfig.Method = %d (unknown)", ErrInvalid, cfg.Method)
	}
	if len(lengths) < 2 {
		return nil, fmt.Errorf("%w: %d trace lengths (need ≥ 2)", ErrInvalid, len(lengths))
	}
	ls := make([]float64, len(lengths))
	for i, l := range lengths {
		if l < 1 {
			return nil, fmt.Errorf("%w: lengths[%d] = %d (must be ≥ 1)", ErrInvalid, i, l)
		}
		ls[i] = float64(l)
	}
	slices.Sort(ls)
	return &LengthModel{lengths: ls, cfg: cfg}, nil
}

// Predict returns the Gamma over x = log(L+1) of the remaining thinking
// length after generated (≥ 0) tokens.
func (m *LengthModel) Predict(generated int) (Gamma, error) {
	if m == nil || len(m.lengths) == 0 {
		return Gamma{}, fmt.Errorf("%w: LengthModel not created with FitLengthModel", ErrInvalid)
	}
	if generated < 0 {
		return Gamma{}, fmt.Errorf("%w: generated = %d (must be ≥ 0)", ErrInvalid, generated)
	}
	t := float64(generated)
	first, _ := slices.BinarySearch(m.lengths, t+0.5) // first T > t
	if len(m.lengths)-first < m.cfg.MinSurvivors {
		first = max(len(m.lengths)-m.cfg.MinSurvivors, 0)
	}
	xs := m.lengths[first:]
	var sum, sumLog float64
	for _, T := range xs {
		x := RemainingToX(max(T-t, 1))
		sum += x
		sumLog += math.Log(x)
	}
	n := float64(len(xs))
	mean := sum / n
	var ss float64
	for _, T := range xs {
		d := RemainingToX(max(T-t, 1)) - mean
		ss += d * d
	}
	variance := ss / n
	return lengthFitGamma(m.cfg.Method, mean, sumLog/n, variance), nil
}

// lengthMaxShape caps α for (near-)degenerate samples whose spread is zero.
const lengthMaxShape = 1e6

func lengthFitGamma(method LengthFitMethod, mean, meanLog, variance float64) Gamma {
	if method == LengthFitMoments {
		if variance <= mean*mean/lengthMaxShape {
			return Gamma{Shape: lengthMaxShape, Rate: lengthMaxShape / mean}
		}
		return Gamma{Shape: mean * mean / variance, Rate: mean / variance}
	}
	s := math.Log(mean) - meanLog // ≥ 0 by Jensen
	if !(s > 1/(2*lengthMaxShape)) {
		return Gamma{Shape: lengthMaxShape, Rate: lengthMaxShape / mean}
	}
	// f(α) = ln α − ψ(α) − s decreases from +∞ to −s; bracket and bisect.
	f := func(a float64) float64 { return math.Log(a) - mathext.Digamma(a) - s }
	lo, hi := 1e-8, 1.0
	for f(hi) > 0 && hi < lengthMaxShape {
		lo, hi = hi, hi*2
	}
	if hi >= lengthMaxShape {
		return Gamma{Shape: lengthMaxShape, Rate: lengthMaxShape / mean}
	}
	for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
		mid := 0.5 * (lo + hi)
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	a := 0.5 * (lo + hi)
	return Gamma{Shape: a, Rate: a / mean}
}

// ProbFinishWithin returns the predicted probability that thinking ends
// within budget further tokens after generated tokens.
func (m *LengthModel) ProbFinishWithin(generated, budget int) (float64, error) {
	if budget < 0 {
		return 0, fmt.Errorf("%w: budget = %d (must be ≥ 0)", ErrInvalid, budget)
	}
	g, err := m.Predict(generated)
	if err != nil {
		return 0, err
	}
	return g.ProbFinishWithin(float64(budget)), nil
}

// ExpectedRemaining returns the predicted mean number of remaining thinking
// tokens after generated tokens (see Gamma.ExpectedRemaining). Where the
// fitted Gamma's rate is at most 1 that mean is infinite (or beyond the
// float64 range), and an error wrapping ErrInvalid says so; use
// ProbFinishWithin or the median instead.
func (m *LengthModel) ExpectedRemaining(generated int) (float64, error) {
	g, err := m.Predict(generated)
	if err != nil {
		return 0, err
	}
	e := g.ExpectedRemaining()
	if math.IsInf(e, 0) || math.IsNaN(e) {
		return 0, fmt.Errorf("%w: the expected remaining length after %d tokens is infinite under the fitted Gamma(%v, %v)", ErrInvalid, generated, g.Shape, g.Rate)
	}
	return e, nil
}
