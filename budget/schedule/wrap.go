package schedule

import (
	"fmt"
	"math"
)

// Warmup prepends a linear warm-up of w steps to s: for t < w the value is
// s.At(0)·t/w, and from w on it is s.At(t − w), so s runs unchanged after
// the warm-up and the two join continuously.
func Warmup(s Schedule, w int) (Schedule, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil schedule", ErrInvalid)
	}
	if w < 0 {
		return nil, fmt.Errorf("%w: warm-up %d (must be ≥ 0)", ErrInvalid, w)
	}
	return funcSchedule(func(t int) float64 {
		if t < w {
			return s.At(0) * float64(t) / float64(w)
		}
		return s.At(t - w)
	}), nil
}

// Floor returns max(lo, s.At(t)).
func Floor(s Schedule, lo float64) (Schedule, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil schedule", ErrInvalid)
	}
	if err := finite("floor", lo); err != nil {
		return nil, err
	}
	return funcSchedule(func(t int) float64 { return math.Max(lo, s.At(t)) }), nil
}

// Scale returns k·s.At(t).
func Scale(s Schedule, k float64) (Schedule, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil schedule", ErrInvalid)
	}
	if err := finite("scale", k); err != nil {
		return nil, err
	}
	return funcSchedule(func(t int) float64 { return k * s.At(t) }), nil
}

// Every sets the sampling rate: the value is re-read from s only every k
// steps, s.At(k·⌊t/k⌋), so it is constant within each block of k steps
// (k = steps per epoch gives a per-epoch schedule).
func Every(s Schedule, k int) (Schedule, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil schedule", ErrInvalid)
	}
	if k <= 0 {
		return nil, fmt.Errorf("%w: sampling period %d (must be > 0)", ErrInvalid, k)
	}
	return funcSchedule(func(t int) float64 { return s.At(t / k * k) }), nil
}

// Phase is one segment of Phases.
type Phase struct {
	Schedule Schedule
	Steps    int // length of the phase; the last phase runs on past it
}

// Phases concatenates schedules: phase i starts at the sum of the earlier
// phases' Steps and sees its own step count from 0, as in the re-warm and
// re-decay schedules of "Simple and Scalable Strategies to Continually
// Pre-train Large Language Models".
func Phases(phases ...Phase) (Schedule, error) {
	if len(phases) == 0 {
		return nil, fmt.Errorf("%w: no phases", ErrInvalid)
	}
	starts := make([]int, len(phases))
	at := 0
	for i, p := range phases {
		if p.Schedule == nil || p.Steps <= 0 {
			return nil, fmt.Errorf("%w: phase %d: schedule %v, %d steps (need a schedule and > 0 steps)", ErrInvalid, i, p.Schedule, p.Steps)
		}
		starts[i] = at
		at += p.Steps
	}
	ps := append([]Phase(nil), phases...)
	return funcSchedule(func(t int) float64 {
		i := len(ps) - 1
		for i > 0 && t < starts[i] {
			i--
		}
		return ps[i].Schedule.At(t - starts[i])
	}), nil
}

// MaxTable bounds Table's n (16 Mi values, 128 MiB).
const MaxTable = 1 << 24

// Table returns s.At(0), …, s.At(n−1), for plotting or logging. n must be
// in [0, MaxTable] and s non-nil.
func Table(s Schedule, n int) ([]float64, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil schedule", ErrInvalid)
	}
	if n < 0 || n > MaxTable {
		return nil, fmt.Errorf("%w: n = %d (must be in [0, MaxTable = %d])", ErrInvalid, n, MaxTable)
	}
	out := make([]float64, n)
	for t := range out {
		out[t] = s.At(t)
	}
	return out, nil
}
