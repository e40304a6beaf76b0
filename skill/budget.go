package skill

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Limits bounds one step's change. A negative field means no limit.
type Limits struct {
	Edits  int `json:"edits"`  // number of edits (the reference's textual learning rate)
	Lines  int `json:"lines"`  // lines added plus removed
	Chars  int `json:"chars"`  // characters added plus removed
	Length int `json:"length"` // characters of the resulting document
}

// Budget gives each limit as a schedule over global steps. A nil schedule
// means no limit, except Edits, whose nil means the reference's cosine from
// 4 to 2 over Steps.
type Budget struct {
	Steps  int       `json:"steps,omitempty"`
	Edits  *Schedule `json:"edits,omitempty"`
	Lines  *Schedule `json:"lines,omitempty"`
	Chars  *Schedule `json:"chars,omitempty"`
	Length *Schedule `json:"length,omitempty"`
}

// At returns the limits of a global step.
func (b Budget) At(step int) Limits {
	at := func(s *Schedule, def int) int {
		if s == nil {
			return def
		}
		return s.At(step)
	}
	edits := at(b.Edits, -1)
	if b.Edits == nil {
		edits = Schedule{Steps: max(b.Steps, 1)}.At(step)
	}
	return Limits{Edits: edits, Lines: at(b.Lines, -1), Chars: at(b.Chars, -1), Length: at(b.Length, -1)}
}

// Validate checks every schedule.
func (b Budget) Validate() error {
	if b.Steps <= 0 && b.Edits == nil {
		return fmt.Errorf("%w: Budget.Steps = %d (must be > 0 for the default edit schedule)", ErrInvalid, b.Steps)
	}
	for _, f := range []struct {
		name string
		s    *Schedule
	}{{"Edits", b.Edits}, {"Lines", b.Lines}, {"Chars", b.Chars}, {"Length", b.Length}} {
		if f.s != nil {
			if err := f.s.Validate(); err != nil {
				return fmt.Errorf("%w (in Budget.%s)", err, f.name)
			}
		}
	}
	return nil
}

// Within checks that applying edits to before, giving after, respects lim;
// the error wraps ErrOverBudget and names the limit.
func Within(before, after Document, edits int, lim Limits) error {
	return within(Measure(before, after, nil), after, edits, lim)
}

// within is Within on a change already measured.
func within(s Size, after Document, edits int, lim Limits) error {
	switch {
	case lim.Edits >= 0 && edits > lim.Edits:
		return fmt.Errorf("%w: %d edits, limit %d", ErrOverBudget, edits, lim.Edits)
	case lim.Lines >= 0 && s.LinesAdded+s.LinesRemoved > lim.Lines:
		return fmt.Errorf("%w: %d lines changed, limit %d", ErrOverBudget, s.LinesAdded+s.LinesRemoved, lim.Lines)
	case lim.Chars >= 0 && s.CharsAdded+s.CharsRemoved > lim.Chars:
		return fmt.Errorf("%w: %d characters changed, limit %d", ErrOverBudget, s.CharsAdded+s.CharsRemoved, lim.Chars)
	case lim.Length >= 0 && utf8.RuneCountInString(after.Text()) > lim.Length:
		return fmt.Errorf("%w: document of %d characters, limit %d", ErrOverBudget, utf8.RuneCountInString(after.Text()), lim.Length)
	}
	return nil
}

// Selector trims an over-budget proposal to the step's limits, returning
// the edits to apply (a subset, in any order; Apply's result does not
// depend on it).
type Selector interface {
	Select(doc Document, edits []Edit, lim Limits) ([]Edit, error)
}

// FirstK keeps the first Limits.Edits edits — the reference's fallback when
// its ranking call fails. The Optimizer hands it the step's edits ordered by
// support (edits proposed by more calls first), so it keeps the K best
// supported.
type FirstK struct{}

// Select implements Selector.
func (FirstK) Select(_ Document, edits []Edit, lim Limits) ([]Edit, error) {
	if lim.Edits < 0 || len(edits) <= lim.Edits {
		return edits, nil
	}
	return edits[:lim.Edits], nil
}

// Ranked keeps the Limits.Edits best edits by a caller's score (higher is
// better; ties keep the proposer's order) — for example a ranking made by
// the optimizer model, as the reference asks it to when more edits are
// proposed than the step allows.
type Ranked func(e Edit) float64

// Select implements Selector. A nil Ranked is refused with an error
// wrapping ErrInvalid.
func (r Ranked) Select(_ Document, edits []Edit, lim Limits) ([]Edit, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil Ranked selector", ErrInvalid)
	}
	if lim.Edits < 0 || len(edits) <= lim.Edits {
		return edits, nil
	}
	idx := make([]int, len(edits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return r(edits[idx[a]]) > r(edits[idx[b]]) })
	out := make([]Edit, lim.Edits)
	for k := range out {
		out[k] = edits[idx[k]]
	}
	return out, nil
}

// Greedy adds edits in the proposer's order, keeping each one only if the
// document with the edits kept so far still applies strictly and stays
// within every limit (greedy within size).
type Greedy struct{}

// Select implements Selector.
func (Greedy) Select(doc Document, edits []Edit, lim Limits) ([]Edit, error) {
	var kept []Edit
	for _, e := range edits {
		if lim.Edits >= 0 && len(kept) == lim.Edits {
			break
		}
		try := append(append([]Edit(nil), kept...), e)
		after, err := Apply(doc, try)
		if err != nil || Within(doc, after, len(try), lim) != nil {
			continue
		}
		kept = try
	}
	if len(kept) == 0 && len(edits) > 0 {
		return nil, fmt.Errorf("%w: no proposed edit fits the step's limits", ErrOverBudget)
	}
	return kept, nil
}
