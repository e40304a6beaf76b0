package grposim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Normalization says how the per-rollout terms of a batch are averaged.
// Its zero value is PerGroup.
type Normalization int

const (
	// PerGroup averages within each group: Δθ = η g(k, n)/n (GRPO).
	PerGroup Normalization = iota
	// PerToken averages over the batch's rollouts (tokens, at equal
	// response length), scaled by the number of groups:
	// Δθ = η g(k, n)/n̄ (DAPO, verl "token-mean", TRL "dapo").
	PerToken
)

// String returns "per-group", "per-token" or "Normalization(n)".
func (m Normalization) String() string {
	switch m {
	case PerGroup:
		return "per-group"
	case PerToken:
		return "per-token"
	}
	return fmt.Sprintf("Normalization(%d)", int(m))
}

// DefaultLearningRate is η when Config.LearningRate is zero.
const DefaultLearningRate = 0.1

// MinP bounds the success probabilities NewPolicy accepts at 0 and 1:
// a pass rate of 0 or 1 becomes MinP or 1 − MinP (θ = ∓13.8), so that
// every logit is finite.
const MinP = 1e-6

// Config configures a Policy. The zero value is GRPO's per-group
// normalisation with the sample standard deviation and η = 0.1.
type Config struct {
	// LearningRate is η, the step per group (see the package doc);
	// zero means DefaultLearningRate. Must be finite and > 0 otherwise.
	LearningRate float64
	// Normalization is PerGroup (zero) or PerToken.
	Normalization Normalization
	// PopulationStd divides the advantages by the population standard
	// deviation (divisor n) instead of the sample one (divisor n − 1,
	// torch.std's default, used by TRL and verl).
	PopulationStd bool
}

func (c Config) withDefaults() (Config, error) {
	if c.LearningRate == 0 {
		c.LearningRate = DefaultLearningRate
	}
	if math.IsNaN(c.LearningRate) || math.IsInf(c.LearningRate, 0) || c.LearningRate <= 0 {
		return c, fmt.Errorf("%w: Config.LearningRate = %v (must be finite and > 0)", ErrInvalid, c.LearningRate)
	}
	if c.Normalization != PerGroup && c.Normalization != PerToken {
		return c, fmt.Errorf("%w: Config.Normalization = %v", ErrInvalid, c.Normalization)
	}
	return c, nil
}

// GroupGradient returns g(k, n) = Σᵢ Aᵢ ∇θ log π(yᵢ) for a group of n
// rollouts with k successes: √(k(n−k)(n−1)/n) with the sample standard
// deviation, √(k(n−k)) with the population one, and 0 when the group is
// not mixed (k = 0, k = n or n < 2). It does not depend on θ (see the
// package doc for the derivation). It returns 0 for k or n out of range.
func GroupGradient(k, n int, populationStd bool) float64 {
	if n < 2 || k <= 0 || k >= n {
		return 0
	}
	kk, nn := float64(k), float64(n)
	if populationStd {
		return math.Sqrt(kk * (nn - kk))
	}
	return math.Sqrt(kk * (nn - kk) * (nn - 1) / nn)
}

// MaxExpectedN bounds the group size ExpectedGradient and ExpectedStep
// accept: their sum is O(n).
const MaxExpectedN = 1 << 20

// ExpectedGradient returns E[g(K, n)] for K ~ Binomial(n, p), summed
// exactly over k in O(n) with the binomial weights in log space. It
// returns 0 for n < 2 or p ∈ {0, 1}, and an error for p outside [0, 1] or
// n outside [0, MaxExpectedN].
func ExpectedGradient(p float64, n int, populationStd bool) (float64, error) {
	if !(p >= 0 && p <= 1) || n < 0 || n > MaxExpectedN {
		return 0, fmt.Errorf("%w: p = %v, n = %d (need p in [0, 1], n in [0, %d])", ErrInvalid, p, n, MaxExpectedN)
	}
	if n < 2 || p == 0 || p == 1 {
		return 0, nil
	}
	// Binomial probabilities in log space: no overflow for large n.
	lp, lq := math.Log(p), math.Log1p(-p)
	lgn, _ := math.Lgamma(float64(n + 1))
	var e float64
	for k := 1; k < n; k++ {
		a, _ := math.Lgamma(float64(k + 1))
		b, _ := math.Lgamma(float64(n - k + 1))
		e += math.Exp(lgn-a-b+float64(k)*lp+float64(n-k)*lq) * GroupGradient(k, n, populationStd)
	}
	return e, nil
}

// Group is one prompt's rollouts in a training batch.
type Group struct {
	Prompt    int // index of the prompt in the Policy
	Successes int // k, in [0, Rollouts]
	Rollouts  int // n ≥ 0 (a group of 0 or 1 rollouts teaches nothing)
}

// Policy is the tabular policy: one logit per prompt. Create it with
// NewPolicy. A Policy is not safe for concurrent use.
type Policy struct {
	theta []float64
	cfg   Config
}

// NewPolicy returns a policy whose prompt j succeeds with probability
// p[j]. Pass rates of exactly 0 or 1 become MinP and 1 − MinP; NaN or
// values outside [0, 1] are an error.
func NewPolicy(p []float64, cfg Config) (*Policy, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	theta := make([]float64, len(p))
	for j, x := range p {
		if !(x >= 0 && x <= 1) {
			return nil, fmt.Errorf("%w: p[%d] = %v (must be in [0, 1])", ErrInvalid, j, x)
		}
		x = min(max(x, MinP), 1-MinP)
		theta[j] = math.Log(x) - math.Log1p(-x)
	}
	return &Policy{theta: theta, cfg: cfg}, nil
}

// Config returns the configuration with defaults filled in.
func (pl *Policy) Config() Config { return pl.cfg }

// Len returns the number of prompts.
func (pl *Policy) Len() int { return len(pl.theta) }

// Theta returns prompt j's logit θⱼ.
func (pl *Policy) Theta(j int) float64 { return pl.theta[j] }

// P returns prompt j's success probability σ(θⱼ).
func (pl *Policy) P(j int) float64 { return sigmoid(pl.theta[j]) }

// MeanP returns the mean success probability over all prompts (0 for an
// empty policy).
func (pl *Policy) MeanP() float64 {
	if len(pl.theta) == 0 {
		return 0
	}
	var s float64
	for _, t := range pl.theta {
		s += sigmoid(t)
	}
	return s / float64(len(pl.theta))
}

// Rollout samples n rollouts of prompt j and returns the number of
// successes, drawing n uniforms from r.
func (pl *Policy) Rollout(r *rand.Rand, j, n int) int {
	p := pl.P(j)
	k := 0
	for range n {
		if r.Float64() < p {
			k++
		}
	}
	return k
}

// Update applies one GRPO step for a batch of groups: each mixed group
// moves its prompt's logit by η g(k, n)/n (PerGroup) or η g(k, n)/n̄
// (PerToken, n̄ = the batch's rollouts / its groups with Rollouts > 0).
// A prompt in several groups receives every group's step. It returns the
// number of groups with a non-zero gradient. On error the policy is
// unchanged. O(len(groups)).
func (pl *Policy) Update(groups []Group) (int, error) {
	total, nonEmpty := 0, 0
	for i, g := range groups {
		if g.Prompt < 0 || g.Prompt >= len(pl.theta) {
			return 0, fmt.Errorf("%w: groups[%d].Prompt = %d (policy has %d prompts)", ErrInvalid, i, g.Prompt, len(pl.theta))
		}
		if g.Rollouts < 0 || g.Successes < 0 || g.Successes > g.Rollouts {
			return 0, fmt.Errorf("%w: groups[%d] has %d successes of %d rollouts", ErrInvalid, i, g.Successes, g.Rollouts)
		}
		if g.Rollouts > math.MaxInt-total {
			return 0, fmt.Errorf("%w: groups[%d].Rollouts = %d overflows the batch's total", ErrInvalid, i, g.Rollouts)
		}
		if g.Rollouts > 0 {
			total += g.Rollouts
			nonEmpty++
		}
	}
	mixed := 0
	for _, g := range groups {
		grad := GroupGradient(g.Successes, g.Rollouts, pl.cfg.PopulationStd)
		if grad == 0 {
			continue
		}
		mixed++
		denom := float64(g.Rollouts)
		if pl.cfg.Normalization == PerToken {
			denom = float64(total) / float64(nonEmpty)
		}
		pl.theta[g.Prompt] += pl.cfg.LearningRate * grad / denom
	}
	return mixed, nil
}

// ExpectedStep returns E[Δθ] of one group of n rollouts on a prompt with
// success probability p under cfg, where meanGroup is the batch's mean
// group size n̄ (used by PerToken only).
func ExpectedStep(p float64, n int, meanGroup float64, cfg Config) (float64, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return 0, err
	}
	e, err := ExpectedGradient(p, n, cfg.PopulationStd)
	if err != nil {
		return 0, err
	}
	denom := float64(n)
	if cfg.Normalization == PerToken {
		if !(meanGroup > 0) || math.IsInf(meanGroup, 0) {
			return 0, fmt.Errorf("%w: meanGroup = %v (must be finite and > 0)", ErrInvalid, meanGroup)
		}
		denom = meanGroup
	}
	if n < 2 {
		return 0, nil
	}
	return cfg.LearningRate * e / denom, nil
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
