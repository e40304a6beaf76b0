package stoprule

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Outcome is how a rollout ended under the rule. Its zero value, Running,
// means the rollout has not ended.
type Outcome int

const (
	// Running: the rollout has not ended under the rule.
	Running Outcome = iota
	// Fired: the confidence rule forced the end after a marker.
	Fired
	// Aborted: no marker by K2 + Grace; forced to end, gradient zeroed
	// (weight 0).
	Aborted
	// EpsKept: no marker by K2 + Grace, kept to its natural end by the
	// ε lottery (weight 1/AbortEps).
	EpsKept
)

// String returns "running", "fired", "aborted" or "eps-kept", and
// "Outcome(n)" for other values.
func (o Outcome) String() string {
	switch o {
	case Running:
		return "running"
	case Fired:
		return "fired"
	case Aborted:
		return "aborted"
	case EpsKept:
		return "eps-kept"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result summarises a rollout.
type Result struct {
	Outcome Outcome
	// Tokens is the number of tokens fed so far.
	Tokens int
	// MarkerSeen reports that an answer marker was detected.
	MarkerSeen bool
	// Weight is the rollout's importance weight: 0 when aborted,
	// 1/AbortEps when ε-kept (AbortEps > 0), else 1.
	Weight float64
}

// Rule is DUET's stop rule for one rollout, fed one token at a time.
// Before MinTokens nothing happens. From K1 on, every CheckEvery tokens the
// text of the last Window tokens is searched for an answer marker; once one
// is seen the rule is armed and forces the end of the response when the
// confidence signal has passed the prompt's threshold for Hysteresis
// consecutive tokens (skipping a firing with probability EpsLen). A rollout
// with no marker by K2 + Grace is aborted with probability 1 − AbortEps,
// else kept to its natural end with weight 1/AbortEps.
//
// Next costs O(len(text)) amortised plus, on a check, one marker search over
// the window; it does not allocate once the window buffer has grown.
//
// A Rule must be created with Controller.Rule; Next on a zero Rule returns
// an error wrapping ErrInvalid. A Rule belongs to one rollout and is not
// safe for concurrent use.
type Rule struct {
	cfg       *Config
	markers   *MarkerSet
	k1, k2    int
	threshold float64
	rng       *rand.Rand

	// The window: buf[start:] holds the text of the last len(toks) tokens,
	// toks a ring of their byte lengths.
	buf    []byte
	start  int
	toks   []int
	thead  int
	tcount int

	n          int
	above      int
	markerSeen bool
	graceDone  bool
	outcome    Outcome
}

// Next feeds the token just generated (its decoded text) and the confidence
// signal of the distribution for the following position (finite), and
// reports whether the caller must force the end-of-sequence token next.
// After the rule has forced an end (or ε-kept the rollout) it only counts
// tokens. On error the rule is unchanged.
func (r *Rule) Next(text string, confidence float64) (forceEnd bool, err error) {
	if r == nil || r.cfg == nil {
		return false, fmt.Errorf("%w: Rule not created with Controller.Rule", ErrInvalid)
	}
	if math.IsNaN(confidence) || math.IsInf(confidence, 0) {
		return false, fmt.Errorf("%w: confidence = %v at token %d (must be finite)", ErrInvalid, confidence, r.n+1)
	}
	if r.n == math.MaxInt {
		return false, fmt.Errorf("%w: token counter at MaxInt", ErrInvalid)
	}
	r.n++
	r.push(text)
	if r.outcome != Running {
		return false, nil
	}
	n := r.n
	if n < r.cfg.MinTokens {
		return false, nil
	}
	if !r.markerSeen && !r.graceDone {
		if n >= r.k1 && n%r.cfg.CheckEvery == 0 && r.detect() {
			r.markerSeen = true
		}
		if !r.markerSeen && n >= r.k2+r.cfg.Grace {
			if r.detect() {
				r.markerSeen = true
			} else if r.rng.Float64() >= r.cfg.AbortEps {
				r.outcome = Aborted
				return true, nil
			} else {
				r.outcome = EpsKept
				r.graceDone = true
				return false, nil
			}
		}
	}
	if !r.markerSeen {
		return false, nil
	}
	pass := confidence > r.threshold
	if r.cfg.Signal == Entropy {
		pass = confidence < r.threshold
	}
	if !pass {
		r.above = 0
		return false, nil
	}
	r.above++
	if r.above < r.cfg.Hysteresis {
		return false, nil
	}
	if r.cfg.EpsLen > 0 && r.rng.Float64() < r.cfg.EpsLen {
		r.above = r.cfg.Hysteresis - 1 // the next passing token may fire again
		return false, nil
	}
	r.outcome = Fired
	return true, nil
}

// push appends the token's text to the window and drops the oldest token's
// text once the window holds Window tokens, as the reference's
// output_token_ids[-suffix_window:] does. The buffer is compacted when its
// dead prefix exceeds its live part, so the cost is amortised O(len(text)).
func (r *Rule) push(text string) {
	w := r.cfg.Window
	if r.toks == nil {
		r.toks = make([]int, w)
	}
	if r.tcount == w {
		r.start += r.toks[r.thead]
		r.tcount--
		r.thead = (r.thead + 1) % w
	}
	r.toks[(r.thead+r.tcount)%w] = len(text)
	r.tcount++
	if r.start > 0 && r.start >= len(r.buf)-r.start {
		n := copy(r.buf, r.buf[r.start:])
		r.buf = r.buf[:n]
		r.start = 0
	}
	r.buf = append(r.buf, text...)
}

// detect searches the window for a marker.
func (r *Rule) detect() bool { return r.markers.Match(r.buf[r.start:]) }

// Result reports the rollout's state and importance weight. A zero Rule
// reports a running rollout with no tokens and weight 1.
func (r *Rule) Result() Result {
	if r == nil {
		return Result{Weight: 1}
	}
	res := Result{Outcome: r.outcome, Tokens: r.n, MarkerSeen: r.markerSeen, Weight: 1}
	switch r.outcome {
	case Aborted:
		res.Weight = 0
	case EpsKept:
		// AbortEps > 0 here: with AbortEps = 0 the lottery never keeps.
		res.Weight = 1 / r.cfg.AbortEps
	}
	return res
}
