package guidance

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Forcing is the s1-style budget-forcing baseline the budget-guidance
// paper compares against ("s1: Simple test-time scaling", Muennighoff et al.,
// 2025): the model thinks unguided, and once t ≥ Budget thinking tokens have
// been generated the end-of-thinking token is forced. It uses the same
// Apply/Advance protocol as Guide so the two can be swapped in a decoding
// loop and compared on the same traces.
//
// A Forcing must be created with NewForcing; the methods of a zero Forcing
// that return an error report ErrInvalid. A Forcing is not safe for
// concurrent use.
type Forcing struct {
	made                bool
	budget, endThinking int
	st                  forceState
}

type forceState struct {
	T    int  `json:"t"`
	Done bool `json:"done"`
}

// NewForcing returns the baseline for a budget (≥ 0) and an
// end-of-thinking token id (≥ 0).
func NewForcing(budget, endThinking int) (*Forcing, error) {
	if budget < 0 || budget > MaxBudget {
		return nil, fmt.Errorf("%w: budget = %d (must be in [0, MaxBudget = %d])", ErrInvalid, budget, MaxBudget)
	}
	if endThinking < 0 {
		return nil, fmt.Errorf("%w: endThinking = %d (must be a token id ≥ 0)", ErrInvalid, endThinking)
	}
	return &Forcing{made: true, budget: budget, endThinking: endThinking}, nil
}

func (f *Forcing) check() error {
	if f == nil || !f.made {
		return fmt.Errorf("%w: Forcing not created with NewForcing", ErrInvalid)
	}
	return nil
}

// Capped reports whether this step forces the end-of-thinking token (the
// budget is spent and thinking has not ended), as Guide.Capped does under
// the hard cap.
func (f *Forcing) Capped() bool { return !f.st.Done && f.st.T >= f.budget }

// Thinking returns the number of thinking tokens generated so far.
func (f *Forcing) Thinking() int { return f.st.T }

// Done reports whether thinking has ended.
func (f *Forcing) Done() bool { return f.st.Done }

// Apply forces the end-of-thinking token (every other logit becomes −∞) when
// Capped() and leaves logits unchanged otherwise; it reports whether it
// forced. Logits must not hold NaN or +Inf; on error they are unchanged.
func (f *Forcing) Apply(logits []float64) (bool, error) {
	if err := f.check(); err != nil {
		return false, err
	}
	if err := checkLogits(logits); err != nil {
		return false, err
	}
	if !f.Capped() {
		return false, nil
	}
	if f.endThinking >= len(logits) {
		return false, fmt.Errorf("%w: end-of-thinking id %d out of range [0, %d)", ErrInvalid, f.endThinking, len(logits))
	}
	z := logits[f.endThinking]
	if math.IsInf(z, -1) {
		z = 0
	}
	for i := range logits {
		logits[i] = math.Inf(-1)
	}
	logits[f.endThinking] = z
	return true, nil
}

// Advance records the emitted token (see Guide.Advance).
func (f *Forcing) Advance(tok Token) error {
	if err := f.check(); err != nil {
		return err
	}
	if tok.ID < 0 {
		return fmt.Errorf("%w: token id %d (must be ≥ 0)", ErrInvalid, tok.ID)
	}
	if f.st.Done {
		return nil
	}
	f.st.T++
	if tok.ID == f.endThinking || tok.EndThinking {
		f.st.Done = true
	}
	return nil
}

const forceSnapKind, forceSnapVersion = "guidance.Forcing", 1

type forceSnapConfig struct {
	Budget      int `json:"budget"`
	EndThinking int `json:"end_thinking"`
}

// Snapshot returns the state as versioned JSON.
func (f *Forcing) Snapshot() ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	return snapshot.Marshal(forceSnapKind, forceSnapVersion, forceSnapConfig{f.budget, f.endThinking}, f.st)
}

// Restore replaces the state with a snapshot from a Forcing with the
// same budget and end-of-thinking id; on error (ErrSnapshot) it is unchanged.
func (f *Forcing) Restore(data []byte) error {
	if err := f.check(); err != nil {
		return err
	}
	var st forceState
	if err := snapshot.Unmarshal(data, forceSnapKind, forceSnapVersion, forceSnapConfig{f.budget, f.endThinking}, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if st.T < 0 || st.T > 2*MaxBudget {
		return fmt.Errorf("%w: %w: negative t", ErrSnapshot, snapshot.ErrCorrupt)
	}
	f.st = st
	return nil
}
