package curriculum

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat/distuv"
)

// Method selects a preset: which per-arm estimator, exploration bonus and
// selector a Sampler combines.
type Method int

const (
	// DUMP ("DUMP: Automated Distribution-Level Curriculum Learning for
	// RL-based LLM Post-training", github.com/ZhentingWang/DUMP): estimator =
	// mean of |advantage| over each arm's last Window values (0 before any);
	// bonus = c·√(2 ln(N+1)/(nⱼ+1)) with nⱼ the arm's responses so far and
	// N = max(1, Σ nⱼ); selector = softmax(s/τ). Defaults Window 300, C 1,
	// Temperature 0.1.
	DUMP Method = iota
	// SEC ("Self-Evolving Curriculum"): Q ← (1−α)Q + α·(this step's mean
	// |advantage| of the arm), arms absent from a step move toward 0 (unless
	// SECKeepAbsent); selector = softmax(Q/τ). Defaults Alpha 0.5,
	// Temperature 1.
	SEC
	// UCB1: argmax of mean|A| + c·√(2 ln N / nⱼ) over responses; arms never
	// observed come first.
	UCB1
	// SWUCB is UCB over a sliding window of the last Window steps
	// (Garivier & Moulines): argmax of the window mean + √(ξ ln min(t, τ) / nⱼ)
	// with ξ = C. Defaults Window 1000, C 1.
	SWUCB
	// DUCB is discounted UCB: statistics decay by γ per step; argmax of the
	// discounted mean + c·√(2 ln n_γ / N_γ,ⱼ). Default Gamma 0.99.
	DUCB
	// Exp3: probabilities (1−γ)·wⱼ/Σw + γ/K; after a step the arm's reward
	// r ∈ [0, 1] (mean |A|, divided by RewardScale and clipped) updates
	// log wⱼ += γ·(r/pⱼ)/K with pⱼ the probability the arm had when drawn.
	// Default Gamma 0.01.
	Exp3
	// Thompson samples Beta posteriors of each arm's success rate (values
	// are rewards in [0, 1]) with decay toward the prior (MoPPS):
	// α ← λα + (1−λ)α₀ + s, β ← λβ + (1−λ)β₀ + (k − s), α₀ = β₀ = 1, λ = 1.
	// Its probabilities are the exact probabilities that each arm's draw is
	// the largest, by quadrature, so that drawing stays one Float64.
	Thompson
)

func (m Method) String() string {
	names := [...]string{"DUMP", "SEC", "UCB1", "SW-UCB", "D-UCB", "Exp3", "Thompson"}
	if m >= 0 && int(m) < len(names) {
		return names[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Config configures a Sampler. Zero fields take the method's defaults.
type Config struct {
	Method Method `json:"method"`
	// Window: DUMP's per-arm value window (300), SW-UCB's step window (1000).
	Window int `json:"window,omitempty"`
	// C scales the exploration bonus (1). Set NoBonus for c = 0.
	C       float64 `json:"c,omitempty"`
	NoBonus bool    `json:"no_bonus,omitempty"`
	// Temperature τ of the softmax selectors (DUMP 0.1, SEC 1).
	Temperature float64 `json:"temperature,omitempty"`
	// Alpha is SEC's step size (0.5).
	Alpha float64 `json:"alpha,omitempty"`
	// SECKeepAbsent leaves an arm absent from a step unchanged; by default
	// its Q moves toward 0 (target 0), as the reference does.
	SECKeepAbsent bool `json:"sec_keep_absent,omitempty"`
	// Gamma: D-UCB's discount (0.99), Exp3's exploration rate (0.01).
	Gamma float64 `json:"gamma,omitempty"`
	// RewardScale divides Exp3's rewards before clipping them to [0, 1] (1).
	RewardScale float64 `json:"reward_scale,omitempty"`
	// Decay λ of Thompson's posteriors toward the prior (1: none).
	Decay float64 `json:"decay,omitempty"`
	// Epsilon mixes the policy with the uniform distribution:
	// (1−ε)·p + ε/K (0).
	Epsilon float64 `json:"epsilon,omitempty"`
	// ValidationFeed lets FeedValidation push one signed validation reward
	// per arm into DUMP's windows, as the reference does on each validation
	// pass; off by default.
	ValidationFeed bool `json:"validation_feed,omitempty"`
}

// ErrStepApplied reports an Update for a step not after the last one
// applied: replaying a step after a crash is refused, not double-counted.
var ErrStepApplied = errors.New("curriculum: step already applied")

// ErrUnknownArm reports feedback for an arm the sampler does not have.
var ErrUnknownArm = errors.New("curriculum: unknown arm")

// Feedback is one step's feedback for one arm: the values it produced (the
// advantages of its responses for DUMP, SEC and the UCBs; rewards in [0, 1]
// for Thompson) and, for Exp3, the probability the arm had when the data
// were drawn (0: use the current probability).
type Feedback struct {
	Arm    string    `json:"arm"`
	Values []float64 `json:"values"`
	Prob   float64   `json:"prob,omitempty"`
}

// Sampler chooses which data distribution (arm) to sample next. The policy
// maps statistics to probabilities with no randomness; drawing takes the
// caller's *rand.Rand and consumes exactly one Float64 (inverse CDF).
//
// A Sampler is safe for concurrent use: Probs, Sample and SampleAt read an
// immutable probability table published atomically, and Update holds a lock
// for the whole step.
type Sampler struct {
	cfg   Config
	arms  []string
	index map[string]int
	table atomic.Pointer[samplerTable]

	mu sync.Mutex
	st samplerState
}

type samplerTable struct {
	probs, cdf []float64
}

// samplerState is everything a snapshot holds.
type samplerState struct {
	LastStep int64 `json:"last_step"`
	Started  bool  `json:"started"`
	// DUMP: windows of |A| as rings (WinStart[i] is the oldest value's
	// position once window i is full) and response counts.
	Windows  [][]float64 `json:"windows,omitempty"`
	WinStart []int       `json:"win_start,omitempty"`
	Counts   []float64   `json:"counts,omitempty"`
	// SEC Q values; Exp3 log-weights; UCB1/D-UCB sums and counts.
	Q    []float64 `json:"q,omitempty"`
	Sums []float64 `json:"sums,omitempty"`
	// SW-UCB: per-step (arm, sum, count) records of the last Window steps.
	Steps []samplerStep `json:"steps,omitempty"`
	// Thompson posteriors.
	Alpha []float64 `json:"alpha,omitempty"`
	Beta  []float64 `json:"beta,omitempty"`
}

type samplerStep struct {
	Step   int64     `json:"step"`
	Sums   []float64 `json:"sums"`
	Counts []float64 `json:"counts"`
}

// New returns a Sampler over the named arms, in the order given.
func New(arms []string, cfg Config) (*Sampler, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	if len(arms) == 0 {
		return nil, fmt.Errorf("%w: no arms", ErrInvalid)
	}
	s := &Sampler{cfg: c, arms: append([]string(nil), arms...), index: make(map[string]int, len(arms))}
	for i, a := range arms {
		if a == "" {
			return nil, fmt.Errorf("%w: arms[%d] is empty", ErrInvalid, i)
		}
		if _, dup := s.index[a]; dup {
			return nil, fmt.Errorf("%w: duplicate arm %q", ErrInvalid, a)
		}
		s.index[a] = i
	}
	s.st = s.fresh()
	s.publish()
	return s, nil
}

func (cfg Config) normalise() (Config, error) {
	c := cfg
	switch c.Method {
	case DUMP:
		if c.Window == 0 {
			c.Window = 300
		}
		if c.Temperature == 0 {
			c.Temperature = 0.1
		}
	case SEC:
		if c.Alpha == 0 {
			c.Alpha = 0.5
		}
		if c.Temperature == 0 {
			c.Temperature = 1
		}
	case SWUCB:
		if c.Window == 0 {
			c.Window = 1000
		}
	case DUCB:
		if c.Gamma == 0 {
			c.Gamma = 0.99
		}
	case Exp3:
		if c.Gamma == 0 {
			c.Gamma = 0.01
		}
		if c.RewardScale == 0 {
			c.RewardScale = 1
		}
	case UCB1, Thompson:
	default:
		return c, fmt.Errorf("%w: Config.Method = %v", ErrInvalid, c.Method)
	}
	if c.C == 0 && !c.NoBonus {
		c.C = 1
	}
	if c.NoBonus {
		c.C = 0
	}
	if c.Decay == 0 {
		c.Decay = 1
	}
	bad := func(f string, v any, want string) (Config, error) {
		return c, fmt.Errorf("%w: Config.%s = %v (%s)", ErrInvalid, f, v, want)
	}
	switch {
	case c.Window < 0 || ((c.Method == DUMP || c.Method == SWUCB) && c.Window == 0):
		return bad("Window", c.Window, "must be > 0")
	case !num.IsFinite(c.C) || c.C < 0:
		return bad("C", c.C, "must be finite and ≥ 0")
	case (c.Method == DUMP || c.Method == SEC) && !(c.Temperature > 0 && !math.IsInf(c.Temperature, 1)):
		return bad("Temperature", c.Temperature, "must be finite and > 0")
	case c.Method == SEC && !(c.Alpha > 0 && c.Alpha <= 1):
		return bad("Alpha", c.Alpha, "must be in (0, 1]")
	case (c.Method == DUCB || c.Method == Exp3) && !(c.Gamma > 0 && c.Gamma <= 1):
		return bad("Gamma", c.Gamma, "must be in (0, 1]")
	case c.Method == Exp3 && !(c.RewardScale > 0 && !math.IsInf(c.RewardScale, 1)):
		return bad("RewardScale", c.RewardScale, "must be finite and > 0")
	case !(c.Decay > 0 && c.Decay <= 1):
		return bad("Decay", c.Decay, "must be in (0, 1]")
	case !(c.Epsilon >= 0 && c.Epsilon <= 1):
		return bad("Epsilon", c.Epsilon, "must be in [0, 1]")
	case c.ValidationFeed && c.Method != DUMP:
		return bad("ValidationFeed", true, "only DUMP has validation feeding")
	}
	return c, nil
}

func (s *Sampler) fresh() samplerState {
	k := len(s.arms)
	st := samplerState{LastStep: math.MinInt64}
	switch s.cfg.Method {
	case DUMP:
		st.Windows = make([][]float64, k)
		st.WinStart = make([]int, k)
		st.Counts = make([]float64, k)
	case SEC, Exp3:
		st.Q = make([]float64, k)
	case UCB1, DUCB:
		st.Sums = make([]float64, k)
		st.Counts = make([]float64, k)
	case Thompson:
		st.Alpha = make([]float64, k)
		st.Beta = make([]float64, k)
		for i := range st.Alpha {
			st.Alpha[i], st.Beta[i] = 1, 1
		}
	}
	return st
}

// Arms returns the arm names in index order.
func (s *Sampler) Arms() []string { return append([]string(nil), s.arms...) }

// Config returns the configuration with defaults filled in.
func (s *Sampler) Config() Config { return s.cfg }

// Probs returns the current sampling probabilities in arm order.
func (s *Sampler) Probs() []float64 {
	return append([]float64(nil), s.table.Load().probs...)
}

// Sample draws an arm index with exactly one r.Float64().
func (s *Sampler) Sample(r *rand.Rand) int { return s.table.Load().pick(r.Float64()) }

// SampleAt draws an arm determined only by (seed, step, slot), so that many
// data-loader workers agree on their draws without sharing an RNG.
func (s *Sampler) SampleAt(seed, step, slot uint64) int {
	return s.table.Load().pick(randx.Float64(seed, step, slot))
}

func (t *samplerTable) pick(u float64) int {
	i := sort.SearchFloat64s(t.cdf, u)
	for i < len(t.cdf)-1 && (t.cdf[i] <= u || t.probs[i] == 0) {
		i++
	}
	return i
}

// Update applies one training step's feedback atomically: everything is
// validated first, so a failed Update changes nothing. Steps must increase;
// repeating or going back returns ErrStepApplied.
func (s *Sampler) Update(step int64, feedback []Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.Started && step <= s.st.LastStep {
		return fmt.Errorf("%w: step %d (last applied %d)", ErrStepApplied, step, s.st.LastStep)
	}
	k := len(s.arms)
	sums := make([]float64, k)
	counts := make([]float64, k)
	probs := s.table.Load().probs
	drawn := make([]float64, k)
	copy(drawn, probs)
	for _, fb := range feedback {
		i, ok := s.index[fb.Arm]
		if !ok {
			return fmt.Errorf("%w: %q", ErrUnknownArm, fb.Arm)
		}
		for j, v := range fb.Values {
			if !num.IsFinite(v) {
				return fmt.Errorf("%w: arm %q values[%d] = %v (must be finite)", ErrInvalid, fb.Arm, j, v)
			}
			if s.cfg.Method == Thompson && !(v >= 0 && v <= 1) {
				return fmt.Errorf("%w: arm %q values[%d] = %v (Thompson rewards must be in [0, 1])", ErrInvalid, fb.Arm, j, v)
			}
			if s.cfg.Method == Thompson {
				sums[i] += v
			} else {
				sums[i] += math.Abs(v)
			}
		}
		counts[i] += float64(len(fb.Values))
		if fb.Prob != 0 {
			if !(fb.Prob > 0 && fb.Prob <= 1) {
				return fmt.Errorf("%w: arm %q Prob = %v (must be in (0, 1])", ErrInvalid, fb.Arm, fb.Prob)
			}
			drawn[i] = fb.Prob
		}
	}
	// Validated: apply.
	st := &s.st
	switch s.cfg.Method {
	case DUMP:
		for _, fb := range feedback {
			i := s.index[fb.Arm]
			for _, v := range fb.Values {
				st.push(i, math.Abs(v), s.cfg.Window)
			}
			st.Counts[i] += float64(len(fb.Values))
		}
	case SEC:
		for i := range st.Q {
			switch {
			case counts[i] > 0:
				st.Q[i] = (1-s.cfg.Alpha)*st.Q[i] + s.cfg.Alpha*sums[i]/counts[i]
			case !s.cfg.SECKeepAbsent:
				st.Q[i] = (1 - s.cfg.Alpha) * st.Q[i]
			}
		}
	case UCB1:
		for i := range sums {
			st.Sums[i] += sums[i]
			st.Counts[i] += counts[i]
		}
	case DUCB:
		for i := range sums {
			st.Sums[i] = s.cfg.Gamma*st.Sums[i] + sums[i]
			st.Counts[i] = s.cfg.Gamma*st.Counts[i] + counts[i]
		}
	case SWUCB:
		st.Steps = append(st.Steps, samplerStep{Step: step, Sums: sums, Counts: counts})
		cut := 0
		for cut < len(st.Steps) && st.Steps[cut].Step <= step-int64(s.cfg.Window) {
			cut++
		}
		st.Steps = append([]samplerStep(nil), st.Steps[cut:]...)
	case Exp3:
		for i := range sums {
			if counts[i] == 0 || drawn[i] <= 0 {
				continue
			}
			r := num.Clamp(sums[i]/counts[i]/s.cfg.RewardScale, 0, 1)
			st.Q[i] += s.cfg.Gamma * (r / drawn[i]) / float64(k)
		}
	case Thompson:
		l := s.cfg.Decay
		for i := range sums {
			if l != 1 {
				st.Alpha[i] = l*st.Alpha[i] + (1 - l)
				st.Beta[i] = l*st.Beta[i] + (1 - l)
			}
			st.Alpha[i] += sums[i]
			st.Beta[i] += counts[i] - sums[i]
		}
	}
	st.LastStep, st.Started = step, true
	s.publish()
	return nil
}

// FeedValidation pushes one signed validation reward for arm into DUMP's
// window, as the reference does on each validation pass. It needs
// Config.ValidationFeed.
func (s *Sampler) FeedValidation(arm string, reward float64) error {
	if !s.cfg.ValidationFeed {
		return fmt.Errorf("%w: Config.ValidationFeed is off", ErrInvalid)
	}
	i, ok := s.index[arm]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownArm, arm)
	}
	if !num.IsFinite(reward) {
		return fmt.Errorf("%w: validation reward %v", ErrInvalid, reward)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.push(i, reward, s.cfg.Window)
	s.publish()
	return nil
}

// push adds v to arm i's window ring, overwriting the oldest value when full.
func (st *samplerState) push(i int, v float64, size int) {
	w := st.Windows[i]
	if len(w) < size {
		if w == nil {
			w = make([]float64, 0, size)
		}
		st.Windows[i] = append(w, v)
		return
	}
	w[st.WinStart[i]] = v
	if st.WinStart[i]++; st.WinStart[i] == size {
		st.WinStart[i] = 0
	}
}

// publish computes the probabilities from the state and swaps them in.
// The caller holds s.mu.
func (s *Sampler) publish() {
	k := len(s.arms)
	p := make([]float64, k)
	st := &s.st
	switch s.cfg.Method {
	case DUMP:
		if !st.Started && samplerAllEmpty(st.Windows) {
			samplerUniform(p)
			break
		}
		var total float64
		for _, n := range st.Counts {
			total += n
		}
		bigN := math.Max(1, total)
		score := make([]float64, k)
		for i, w := range st.Windows {
			var mu float64
			if len(w) > 0 {
				mu = floats.SumCompensated(w) / float64(len(w))
			}
			score[i] = mu + s.cfg.C*math.Sqrt(2*math.Log(bigN+1)/(st.Counts[i]+1))
		}
		num.Softmax(p, score, s.cfg.Temperature)
	case SEC:
		num.Softmax(p, st.Q, s.cfg.Temperature)
	case UCB1, DUCB:
		// UCB1 on all-time counts, D-UCB on discounted ones: the same index.
		var total float64
		for _, n := range st.Counts {
			total += n
		}
		score := make([]float64, k)
		for i := range score {
			if st.Counts[i] <= 1e-300 {
				score[i] = math.Inf(1)
				continue
			}
			score[i] = st.Sums[i]/st.Counts[i] + s.cfg.C*math.Sqrt(2*math.Log(math.Max(total, 1))/st.Counts[i])
		}
		samplerArgmax(p, score)
	case SWUCB:
		sums := make([]float64, k)
		counts := make([]float64, k)
		for _, rec := range st.Steps {
			for i := range sums {
				sums[i] += rec.Sums[i]
				counts[i] += rec.Counts[i]
			}
		}
		t := float64(len(st.Steps))
		score := make([]float64, k)
		for i := range score {
			if counts[i] == 0 {
				score[i] = math.Inf(1)
				continue
			}
			score[i] = sums[i]/counts[i] + math.Sqrt(s.cfg.C*math.Log(math.Max(t, 1))/counts[i])
		}
		samplerArgmax(p, score)
	case Exp3:
		w := make([]float64, k)
		num.Softmax(w, st.Q, 1)
		for i := range p {
			p[i] = (1-s.cfg.Gamma)*w[i] + s.cfg.Gamma/float64(k)
		}
	case Thompson:
		samplerThompson(p, st.Alpha, st.Beta)
	}
	if e := s.cfg.Epsilon; e > 0 {
		for i := range p {
			p[i] = (1-e)*p[i] + e/float64(k)
		}
	}
	cdf := make([]float64, k)
	var c float64
	for i, x := range p {
		c += x
		cdf[i] = c
	}
	for i := range cdf { // normalise away rounding so the last entry is 1
		cdf[i] /= c
		p[i] /= c
	}
	cdf[k-1] = 1
	s.table.Store(&samplerTable{probs: p, cdf: cdf})
}

func samplerAllEmpty(ws [][]float64) bool {
	for _, w := range ws {
		if len(w) > 0 {
			return false
		}
	}
	return true
}

func samplerUniform(p []float64) {
	for i := range p {
		p[i] = 1 / float64(len(p))
	}
}

// samplerArgmax puts equal mass on the arms of maximal score.
func samplerArgmax(p, score []float64) {
	best := math.Inf(-1)
	for _, x := range score {
		best = math.Max(best, x)
	}
	n := 0
	for _, x := range score {
		if x == best {
			n++
		}
	}
	for i, x := range score {
		p[i] = 0
		if x == best {
			p[i] = 1 / float64(n)
		}
	}
}

// samplerThompson computes P(arm i's Beta draw is the largest) =
// ∫ fᵢ(x) Πⱼ≠ᵢ Fⱼ(x) dx by the midpoint rule on 800 cells spanning the
// posteriors' joint support (from the smallest 1e-10 quantile to the largest
// 1 − 1e-10 quantile), then renormalises. The absolute error is below 1e-4
// in the tests' cases.
func samplerThompson(p, alpha, beta []float64) {
	const cells = 800
	k := len(p)
	clear(p)
	lo, hi := 1.0, 0.0
	for j := 0; j < k; j++ {
		b := distuv.Beta{Alpha: alpha[j], Beta: beta[j]}
		lo = math.Min(lo, b.Quantile(1e-10))
		hi = math.Max(hi, b.Quantile(1-1e-10))
	}
	if !(hi > lo) {
		lo, hi = 0, 1
	}
	h := (hi - lo) / cells
	logF := make([]float64, k)
	for c := 0; c < cells; c++ {
		x := lo + (float64(c)+0.5)*h
		var sumLog float64
		zero := 0
		for j := 0; j < k; j++ {
			f := distuv.Beta{Alpha: alpha[j], Beta: beta[j]}.CDF(x)
			if f <= 0 {
				logF[j] = math.Inf(-1)
				zero++
				continue
			}
			logF[j] = math.Log(f)
			sumLog += logF[j]
		}
		for i := 0; i < k; i++ {
			var others float64
			switch {
			case zero == 0:
				others = sumLog - logF[i]
			case zero == 1 && math.IsInf(logF[i], -1):
				others = sumLog
			default:
				continue // some other arm's CDF is 0 here
			}
			d := distuv.Beta{Alpha: alpha[i], Beta: beta[i]}.Prob(x)
			p[i] += d * math.Exp(others) * h
		}
	}
	var s float64
	for _, x := range p {
		s += x
	}
	if !(s > 0) {
		samplerUniform(p)
		return
	}
	for i := range p {
		p[i] /= s
	}
}
