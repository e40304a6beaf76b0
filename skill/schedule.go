package skill

import (
	"fmt"
	"math"
)

// ScheduleKind is the shape of a textual learning-rate schedule.
type ScheduleKind int

const (
	// ScheduleCosine decays from Max to Min along a half cosine (the
	// reference's default).
	ScheduleCosine ScheduleKind = iota
	// ScheduleLinear decays linearly from Max to Min.
	ScheduleLinear
	// ScheduleConstant stays at Max.
	ScheduleConstant
)

// String returns the shape's name ("cosine", "linear", "constant"), or
// ScheduleKind(n).
func (k ScheduleKind) String() string {
	return intEnum("ScheduleKind", k, "cosine", "linear", "constant")
}

// Schedule is SkillOpt's textual learning rate: how many edits (or lines,
// characters …) a step may make, as a function of the global step. With
// progress t = (step+1)/Steps, the reference computes
//
//	cosine:  max(Min, round(Min + (Max − Min)·(1 + cos πt)/2))
//	linear:  max(Min, round(Max − (Max − Min)·t))
//
// with Python's round (halves to even), which this reproduces, so that 8
// steps from 4 to 2 give [4 4 3 3 3 2 2 2]. Zero Max and Min mean the
// reference's 4 and 2. Steps past the end hold Min.
type Schedule struct {
	Kind  ScheduleKind `json:"kind,omitempty"`
	Max   int          `json:"max,omitempty"`
	Min   int          `json:"min,omitempty"`
	Steps int          `json:"steps,omitempty"`
}

// Validate checks the schedule.
func (s Schedule) Validate() error {
	mx, mn := s.bounds()
	switch {
	case s.Steps <= 0:
		return fmt.Errorf("%w: Schedule.Steps = %d (must be > 0)", ErrInvalid, s.Steps)
	case mn < 0 || mx < mn:
		return fmt.Errorf("%w: Schedule Max = %d, Min = %d (need 0 ≤ Min ≤ Max)", ErrInvalid, mx, mn)
	case s.Kind < ScheduleCosine || s.Kind > ScheduleConstant:
		return fmt.Errorf("%w: Schedule.Kind = %d", ErrInvalid, s.Kind)
	}
	return nil
}

func (s Schedule) bounds() (mx, mn int) {
	mx, mn = s.Max, s.Min
	if mx == 0 && mn == 0 {
		mx, mn = 4, 2
	}
	return mx, mn
}

// At returns the limit at a global step (from 0). An invalid schedule
// returns Min.
func (s Schedule) At(step int) int {
	mx, mn := s.bounds()
	if s.Validate() != nil {
		return mn
	}
	t := math.Min(1, float64(max(step, 0)+1)/float64(s.Steps))
	var v float64
	switch s.Kind {
	case ScheduleCosine:
		v = float64(mn) + float64(mx-mn)*(1+math.Cos(math.Pi*t))/2
	case ScheduleLinear:
		v = float64(mx) - float64(mx-mn)*t
	default:
		return mx
	}
	return max(mn, int(math.RoundToEven(v)))
}
