package guidance

import (
	"fmt"
	"math"
	"strconv"
)

// Schedule selects the decoding steps on which a Guide reweights logits.
type Schedule int

const (
	// OnNewline guides the first thinking token and the step after any
	// token whose text contains a newline, as the reference does. It is the
	// default.
	OnNewline Schedule = iota
	// EveryToken guides every thinking step (more predictor calls,
	// finer control).
	EveryToken
)

// String returns "on-newline" or "every-token", and "Schedule(n)" for other values.
func (s Schedule) String() string {
	switch s {
	case OnNewline:
		return "on-newline"
	case EveryToken:
		return "every-token"
	}
	return "Schedule(" + strconv.Itoa(int(s)) + ")"
}

// Unscored says what Apply does with tokens outside the candidate set.
type Unscored int

const (
	// BanUnscored sets the logits of tokens outside the candidates to −∞,
	// the reference's behaviour (it scores the whole vocabulary, so a token
	// without a weight never survives). It is the default.
	BanUnscored Unscored = iota
	// PassUnscored leaves tokens outside the candidates untouched, as if
	// their weight were 1.
	PassUnscored
)

// String returns "ban" or "pass", and "Unscored(n)" for other values.
func (u Unscored) String() string {
	switch u {
	case BanUnscored:
		return "ban"
	case PassUnscored:
		return "pass"
	}
	return "Unscored(" + strconv.Itoa(int(u)) + ")"
}

// Precision selects how the Gamma CDF weights are represented.
type Precision int

const (
	// Log64 computes ln w = ln F(log(b+1)) in float64 log space,
	// so tiny weights keep their ratios and never underflow. It is the
	// default.
	Log64 Precision = iota
	// Float32 rounds each weight to float32 as the reference's
	// torch code does: weights below the smallest float32 become exactly 0,
	// and when every weight is 0 the step falls back to the raw argmax.
	// Use it to reproduce the reference's decoding. (The reference's
	// later float32 product p·w/Σw can also underflow, giving 0/0 = NaN
	// probabilities; that failure is not reproduced.)
	Float32
)

// String returns "log64" or "float32", and "Precision(n)" for other values.
func (p Precision) String() string {
	switch p {
	case Log64:
		return "log64"
	case Float32:
		return "float32"
	}
	return "Precision(" + strconv.Itoa(int(p)) + ")"
}

// Config holds a Guide's options. Zero fields mean the reference's
// values. The three mask thresholds accept a negative value to disable that
// mask.
type Config struct {
	// MinRate is the rate mask: w = 0 unless λ ≥ MinRate. Default 10.
	MinRate float64
	// MinShape is the shape mask: w = 0 unless α > MinShape. Default 1.
	MinShape float64
	// MinModeRemaining is the mode mask: w = 0 unless
	// exp((α−1)/λ) − 1 ≥ MinModeRemaining. Default 0.9 tokens.
	MinModeRemaining float64
	// Schedule selects the guided steps. Default OnNewline.
	Schedule Schedule
	// Unscored is the policy for tokens outside the candidates. Default
	// BanUnscored.
	Unscored Unscored
	// Precision selects log-space float64 weights (default) or the
	// reference's float32 rounding.
	Precision Precision
	// HardCap, beyond the reference, forces the end-of-thinking token on
	// every step once t ≥ Budget + CapSlack.
	HardCap bool
	// CapSlack is the number of tokens past the budget the hard cap allows.
	// Default 0.
	CapSlack int
}

func (c Config) withDefaults() (Config, error) {
	if math.IsNaN(c.MinRate) || math.IsInf(c.MinRate, 0) {
		return c, fmt.Errorf("%w: Config.MinRate = %v (must be finite)", ErrInvalid, c.MinRate)
	}
	if math.IsNaN(c.MinShape) || math.IsInf(c.MinShape, 0) {
		return c, fmt.Errorf("%w: Config.MinShape = %v (must be finite)", ErrInvalid, c.MinShape)
	}
	if math.IsNaN(c.MinModeRemaining) || math.IsInf(c.MinModeRemaining, 0) {
		return c, fmt.Errorf("%w: Config.MinModeRemaining = %v (must be finite)", ErrInvalid, c.MinModeRemaining)
	}
	if c.MinRate == 0 {
		c.MinRate = 10
	}
	if c.MinShape == 0 {
		c.MinShape = 1
	}
	if c.MinModeRemaining == 0 {
		c.MinModeRemaining = 0.9
	}
	if c.Schedule != OnNewline && c.Schedule != EveryToken {
		return c, fmt.Errorf("%w: Config.Schedule = %d (unknown)", ErrInvalid, c.Schedule)
	}
	if c.Unscored != BanUnscored && c.Unscored != PassUnscored {
		return c, fmt.Errorf("%w: Config.Unscored = %d (unknown)", ErrInvalid, c.Unscored)
	}
	if c.Precision != Log64 && c.Precision != Float32 {
		return c, fmt.Errorf("%w: Config.Precision = %d (unknown)", ErrInvalid, c.Precision)
	}
	if c.CapSlack < 0 || c.CapSlack > MaxBudget {
		return c, fmt.Errorf("%w: Config.CapSlack = %d (must be in [0, MaxBudget])", ErrInvalid, c.CapSlack)
	}
	return c, nil
}
