package guidance

import (
	"fmt"
	"math"
	"slices"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Token describes the token just emitted, for Guide.Advance.
type Token struct {
	// ID is the token id (≥ 0).
	ID int
	// Newline reports whether the token's text contains a newline; the
	// default schedule guides the step after such a token.
	Newline bool
	// EndThinking marks the token as ending the thinking phase even if its
	// id differs from the Guide's end-of-thinking id (for tokenisers where
	// "</think>" is not a single special token).
	EndThinking bool
}

// Step reports what one Apply call did.
type Step struct {
	// Guided is true when the logits were reweighted by budget guidance.
	Guided bool
	// Forced is true when the hard cap forced the end-of-thinking token.
	Forced bool
	// Fallback is true when no candidate kept any weight and the step fell
	// back to the raw argmax, as the reference does.
	Fallback bool
	// Kept counts candidates with a non-zero weight.
	Kept int
}

// Guide is the budget-guidance controller of "Steering LLM Thinking with
// Budget Guidance" for one sequence: a small state machine a decoder calls at
// every thinking step.
//
//	for each step:
//	    if g.Due() { run the encoder and head on the candidates }
//	    g.Apply(logits, candidates, params)   // rewrites logits in place
//	    sample or argmax → token
//	    g.Advance(Token{ID: token, Newline: ...})
//
// With t thinking tokens generated and budget B, the remaining budget is
// b_t = max(B − t, 1), and candidate v with predicted Gamma(α_v, λ_v) gets
//
//	w_v = F(log(b_t + 1); α_v, λ_v) · [λ_v ≥ 10] · [α_v > 1] · [exp((α_v−1)/λ_v) − 1 ≥ 0.9],
//
// the probability that thinking ends within the remaining budget if v is
// emitted, masked where the predictor is unreliable. The guided distribution
// is q(v) ∝ softmax(logits)_v · w_v, applied in logit space as
// logit_v + ln w_v (−∞ where w_v = 0). If every weight is 0, only the raw
// argmax survives. Guidance stops for good once the end-of-thinking token is
// emitted.
//
// Differences from the reference implementation (github.com/UMass-Embodied-AGI/BudgetGuidance),
// each documented where it is configured:
//
//   - weights are kept in float64 log space (Log64) rather than rounded
//     to float32, so guidance never silently degenerates to argmax when all
//     CDFs underflow; Float32 reproduces the reference;
//   - the all-zero fallback also triggers when every candidate with a
//     non-zero weight has logit −∞ (the reference would renormalise 0/0);
//   - the reference scores the whole vocabulary on a guided step and skips
//     the other logits processors (temperature, top-p) on that step; here
//     the caller chooses the candidates (tokens outside follow the
//     Unscored policy, ban by default) and the processors to compose;
//   - newline and end-of-thinking detection ("\n" or "</think>" in the
//     decoded token) is the caller's, reported through Token;
//   - HardCap, EveryToken and the difficulty signal are additions.
//
// A Guide is not safe for concurrent use; use one per sequence (see
// Batch).
type Guide struct {
	made        bool   // set by NewGuide
	mark        uint64 // Batch's duplicate check
	budget      int
	endThinking int
	cfg         Config
	st          state

	// scratch, reused across calls
	lw    []float64
	saved []float64
	ids   []int
	heap  []int32
}

type state struct {
	T             int     `json:"t"`
	PrevNewline   bool    `json:"prev_newline"`
	Done          bool    `json:"done"`
	HasDifficulty bool    `json:"has_difficulty"`
	Difficulty    float64 `json:"difficulty"`
}

// MaxBudget bounds a Guide's budget and Config.CapSlack (2⁴⁰ tokens), so
// that Budget + CapSlack and the token count cannot overflow.
const MaxBudget = 1 << 40

// NewGuide returns a guide for a thinking budget of budget tokens (≥ 0) and
// the end-of-thinking token id endThinking (≥ 0).
func NewGuide(budget, endThinking int, cfg Config) (*Guide, error) {
	if budget < 0 || budget > MaxBudget {
		return nil, fmt.Errorf("%w: budget = %d (must be in [0, MaxBudget = %d])", ErrInvalid, budget, MaxBudget)
	}
	if endThinking < 0 {
		return nil, fmt.Errorf("%w: endThinking = %d (must be a token id ≥ 0)", ErrInvalid, endThinking)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Guide{made: true, budget: budget, endThinking: endThinking, cfg: c, st: state{PrevNewline: true}}, nil
}

// check reports a Guide not made by NewGuide.
func (g *Guide) check() error {
	if g == nil || !g.made {
		return fmt.Errorf("%w: Guide not created with NewGuide", ErrInvalid)
	}
	return nil
}

// Budget returns the thinking budget B.
func (g *Guide) Budget() int { return g.budget }

// Thinking returns t, the number of thinking tokens generated so far.
func (g *Guide) Thinking() int { return g.st.T }

// Remaining returns b_t = max(B − t, 1), the remaining budget used in the
// weights.
func (g *Guide) Remaining() int { return max(g.budget-g.st.T, 1) }

// Done reports whether the end-of-thinking token has been emitted.
func (g *Guide) Done() bool { return g.st.Done }

// Due reports whether this step is guided, so the caller should run the
// predictor and pass its Gammas to Apply: true on the first thinking token
// and after a newline token (every token under EveryToken), false once
// thinking has ended.
func (g *Guide) Due() bool {
	return !g.st.Done && (g.cfg.Schedule == EveryToken || g.st.PrevNewline)
}

// Capped reports whether the hard cap forces the end-of-thinking token this
// step (only with Config.HardCap).
func (g *Guide) Capped() bool {
	return g.cfg.HardCap && !g.st.Done && g.st.T >= g.budget+g.cfg.CapSlack
}

// Difficulty returns the predicted total thinking length recorded at the
// first guided step, and whether it has been recorded. It is the first step's
// model-probability-weighted average over the candidates of the reference's
// length statistic exp((α−1)/λ) − 1; the paper reports that this prediction
// tracks question difficulty.
func (g *Guide) Difficulty() (float64, bool) { return g.st.Difficulty, g.st.HasDifficulty }

// logWeight returns ln w for one candidate at xb = log(b_t + 1).
func (g *Guide) logWeight(p Gamma, xb float64) float64 {
	c := &g.cfg
	if c.MinRate >= 0 && !(p.Rate >= c.MinRate) {
		return math.Inf(-1)
	}
	if c.MinShape >= 0 && !(p.Shape > c.MinShape) {
		return math.Inf(-1)
	}
	if c.MinModeRemaining >= 0 && !(math.Expm1((p.Shape-1)/p.Rate) >= c.MinModeRemaining) {
		return math.Inf(-1)
	}
	if c.Precision == Float32 {
		w := float32(p.CDF(xb))
		if !(w > 0) {
			return math.Inf(-1)
		}
		return math.Log(float64(w))
	}
	if lw := p.LogCDF(xb); lw <= 0 {
		return lw
	}
	return math.Inf(-1) // NaN from parameters at the edge of float64 range
}

// Weight returns the guidance weight w of a candidate with predicted Gamma p
// at the current remaining budget, masks included: a value in [0, 1], or NaN
// for an invalid p (see Gamma.Validate), following Gamma's NaN policy.
func (g *Guide) Weight(p Gamma) float64 {
	if !p.ok() {
		return math.NaN()
	}
	return math.Exp(g.logWeight(p, RemainingToX(float64(g.Remaining()))))
}

// action is what prepare decided; commit carries it out.
type action int

const (
	actNoop action = iota
	actForce
	actReweight
	actFallback
)

func checkLogits(logits []float64) error {
	if len(logits) == 0 {
		return fmt.Errorf("%w: empty logits", ErrInvalid)
	}
	inf := math.Inf(1)
	for i, z := range logits {
		if !(z < inf) { // NaN or +Inf
			return badLogit(i, z)
		}
	}
	return nil
}

func badLogit(i int, z float64) error {
	return fmt.Errorf("%w: logits[%d] = %v (must be finite or −Inf)", ErrInvalid, i, z)
}

// prepare validates one Apply call and computes the log weights into the
// scratch buffers; it changes nothing observable.
func (g *Guide) prepare(logits []float64, candidates []int, params []Gamma) (action, int, error) {
	if len(logits) == 0 {
		return actNoop, 0, fmt.Errorf("%w: empty logits", ErrInvalid)
	}
	if g.st.Done {
		return actNoop, 0, nil
	}
	if g.Capped() {
		if g.endThinking >= len(logits) {
			return actNoop, 0, fmt.Errorf("%w: end-of-thinking id %d out of range [0, %d)", ErrInvalid, g.endThinking, len(logits))
		}
		if z := logits[g.endThinking]; !(z < math.Inf(1)) {
			return actNoop, 0, badLogit(g.endThinking, z)
		}
		return actForce, 0, nil
	}
	if !g.Due() {
		return actNoop, 0, nil
	}
	if len(candidates) != len(params) {
		return actNoop, 0, fmt.Errorf("%w: len(candidates) = %d, len(params) = %d (must match)", ErrInvalid, len(candidates), len(params))
	}
	if len(candidates) == 0 {
		return actNoop, 0, fmt.Errorf("%w: guided step with no candidates", ErrInvalid)
	}
	for i, v := range candidates {
		if v < 0 || v >= len(logits) {
			return actNoop, 0, fmt.Errorf("%w: candidates[%d] = %d out of range [0, %d)", ErrInvalid, i, v, len(logits))
		}
		if z := logits[v]; !(z < math.Inf(1)) {
			return actNoop, 0, badLogit(v, z)
		}
		if err := params[i].Validate(); err != nil {
			return actNoop, 0, fmt.Errorf("params[%d]: %w", i, err)
		}
	}
	g.ids = append(g.ids[:0], candidates...)
	slices.Sort(g.ids)
	for i := 1; i < len(g.ids); i++ {
		if g.ids[i] == g.ids[i-1] {
			return actNoop, 0, fmt.Errorf("%w: candidate id %d appears twice", ErrInvalid, g.ids[i])
		}
	}
	xb := RemainingToX(float64(g.Remaining()))
	g.lw = slices.Grow(g.lw[:0], len(params))[:len(params)]
	kept, live := 0, 0
	for i, p := range params {
		lw := g.logWeight(p, xb)
		g.lw[i] = lw
		if !math.IsInf(lw, -1) {
			kept++
			if !math.IsInf(logits[candidates[i]], -1) {
				live++
			}
		}
	}
	if live == 0 || g.cfg.Unscored == PassUnscored {
		// The raw argmax, or the untouched tokens, need every logit valid;
		// under the ban policy the others are overwritten and never read.
		if err := checkLogits(logits); err != nil {
			return actNoop, 0, err
		}
	}
	if live == 0 {
		return actFallback, kept, nil
	}
	return actReweight, kept, nil
}

// commit rewrites logits according to a successful prepare.
func (g *Guide) commit(act action, kept int, logits []float64, candidates []int, params []Gamma) Step {
	switch act {
	case actForce:
		z := logits[g.endThinking]
		if math.IsInf(z, -1) {
			z = 0
		}
		for i := range logits {
			logits[i] = math.Inf(-1)
		}
		logits[g.endThinking] = z
		return Step{Forced: true}
	case actFallback:
		best := argmax(logits)
		z := logits[best]
		for i := range logits {
			logits[i] = math.Inf(-1)
		}
		logits[best] = z
		g.recordDifficulty(nil, candidates, params)
		return Step{Guided: true, Fallback: true, Kept: kept}
	case actReweight:
		g.recordDifficulty(logits, candidates, params)
		if g.cfg.Unscored == BanUnscored {
			g.saved = slices.Grow(g.saved[:0], len(candidates))[:len(candidates)]
			for i, v := range candidates {
				g.saved[i] = logits[v]
			}
			fillNegInf(logits)
			for i, v := range candidates {
				logits[v] = g.saved[i] + g.lw[i]
			}
		} else {
			for i, v := range candidates {
				logits[v] += g.lw[i]
			}
		}
		return Step{Guided: true, Kept: kept}
	}
	return Step{}
}

func (g *Guide) recordDifficulty(logits []float64, candidates []int, params []Gamma) {
	if g.st.HasDifficulty {
		return
	}
	// Model-probability-weighted average of exp((α−1)/λ) − 1 over the
	// candidates (uniform when logits are unavailable).
	m := math.Inf(-1)
	if logits != nil {
		for _, v := range candidates {
			m = max(m, logits[v])
		}
	}
	var num, den float64
	for i, v := range candidates {
		w := 1.0
		if logits != nil {
			w = math.Exp(logits[v] - m)
		}
		num += w * math.Expm1((params[i].Shape-1)/params[i].Rate)
		den += w
	}
	if d := num / den; den > 0 && !math.IsNaN(d) && !math.IsInf(d, 0) {
		g.st.Difficulty = d
		g.st.HasDifficulty = true
	}
}

// fillNegInf sets every element to −Inf by doubling copies, which
// run as wide memory moves instead of one store per element.
func fillNegInf(x []float64) {
	if len(x) == 0 {
		return
	}
	x[0] = math.Inf(-1)
	for n := 1; n < len(x); n *= 2 {
		copy(x[n:], x[:n])
	}
}

func argmax(logits []float64) int {
	best, bz := 0, logits[0]
	for i, z := range logits {
		if z > bz {
			best, bz = i, z
		}
	}
	return best
}

// Apply rewrites logits (one row over the whole vocabulary) in place for this
// step and reports what it did:
//
//   - after the end of thinking, or on a step that is not Due, logits are
//     left unchanged (candidates and params may be nil);
//   - under the hard cap, every logit but the end-of-thinking token's
//     becomes −∞;
//   - on a guided step, candidates[i] gets logit + ln w(params[i]); tokens
//     outside candidates follow the Unscored policy; if no candidate keeps a
//     non-zero weight (with a finite logit), only the raw argmax of logits
//     survives.
//
// Logits may hold −Inf (tokens banned by other processors) but not NaN or
// +Inf; Apply inspects only the logits it keeps (under BanUnscored, the
// candidates', so a guided step costs O(k) checks plus one pass that bans the
// rest). Candidate ids must be distinct and in range, and params must be valid
// Gammas. On error logits and the guide are unchanged. Apply does not
// allocate once its scratch buffers have grown to the candidate count.
func (g *Guide) Apply(logits []float64, candidates []int, params []Gamma) (Step, error) {
	if err := g.check(); err != nil {
		return Step{}, err
	}
	act, kept, err := g.prepare(logits, candidates, params)
	if err != nil {
		return Step{}, err
	}
	return g.commit(act, kept, logits, candidates, params), nil
}

// Advance records the token just emitted: t increases by one, the next step
// is due if the token contains a newline, and guidance ends for good if it is
// the end-of-thinking token. Tokens after the end of thinking are ignored.
func (g *Guide) Advance(tok Token) error {
	if err := g.check(); err != nil {
		return err
	}
	if tok.ID < 0 {
		return fmt.Errorf("%w: token id %d (must be ≥ 0)", ErrInvalid, tok.ID)
	}
	if g.st.Done {
		return nil
	}
	g.st.T++
	g.st.PrevNewline = tok.Newline
	if tok.ID == g.endThinking || tok.EndThinking {
		g.st.Done = true
	}
	return nil
}

// Reset returns the guide to its initial state with a new budget (≥ 0),
// keeping its configuration and scratch buffers.
func (g *Guide) Reset(budget int) error {
	if err := g.check(); err != nil {
		return err
	}
	if budget < 0 || budget > MaxBudget {
		return fmt.Errorf("%w: budget = %d (must be in [0, MaxBudget = %d])", ErrInvalid, budget, MaxBudget)
	}
	g.budget = budget
	g.st = state{PrevNewline: true}
	return nil
}

// snapConfig is the configuration recorded in a snapshot.
type snapConfig struct {
	Budget      int    `json:"budget"`
	EndThinking int    `json:"end_thinking"`
	Config      Config `json:"config"`
}

const snapKind, snapVersion = "guidance.Guide", 1

// Snapshot returns the guide's state as versioned JSON.
func (g *Guide) Snapshot() ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	return snapshot.Marshal(snapKind, snapVersion, snapConfig{g.budget, g.endThinking, g.cfg}, g.st)
}

// Restore replaces the guide's state with a snapshot taken from a guide with
// the same budget, end-of-thinking id and configuration. On error (wrapping
// ErrSnapshot) the guide is unchanged.
func (g *Guide) Restore(data []byte) error {
	if err := g.check(); err != nil {
		return err
	}
	var st state
	if err := snapshot.Unmarshal(data, snapKind, snapVersion, snapConfig{g.budget, g.endThinking, g.cfg}, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if st.T < 0 || st.T > 2*MaxBudget || math.IsNaN(st.Difficulty) || math.IsInf(st.Difficulty, 0) || st.Difficulty < -1 || !st.HasDifficulty && st.Difficulty != 0 {
		return fmt.Errorf("%w: %w: state out of range", ErrSnapshot, snapshot.ErrCorrupt)
	}
	g.st = st
	return nil
}
