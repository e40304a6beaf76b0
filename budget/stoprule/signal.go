package stoprule

import (
	"fmt"
	"math"
	"strconv"
)

// Signal selects the confidence signal a Rule compares with the
// prompt's threshold.
type Signal int

const (
	// Margin is the top-1 minus top-2 probability; stop when above the
	// threshold (the default).
	Margin Signal = iota
	// MaxProb is the top-1 probability; stop when above the threshold.
	MaxProb
	// Entropy is −Σ p log p; stop when below the threshold.
	Entropy
)

// String returns "margin", "max-prob" or "entropy", and "Signal(n)" for
// other values.
func (s Signal) String() string {
	switch s {
	case Margin:
		return "margin"
	case MaxProb:
		return "max-prob"
	case Entropy:
		return "entropy"
	}
	return "Signal(" + strconv.Itoa(int(s)) + ")"
}

// Confidence computes a stop signal from a next-token distribution given
// as logits: the top-1 minus top-2 probability, the top-1 probability, or
// the entropy of softmax(logits). O(V), no allocation.
func Confidence(signal Signal, logits []float64) (float64, error) {
	if len(logits) == 0 {
		return 0, fmt.Errorf("%w: empty logits", ErrInvalid)
	}
	m1, m2 := math.Inf(-1), math.Inf(-1)
	for i, z := range logits {
		if math.IsNaN(z) || math.IsInf(z, 1) {
			return 0, fmt.Errorf("%w: logits[%d] = %v", ErrInvalid, i, z)
		}
		if z > m1 {
			m1, m2 = z, m1
		} else if z > m2 {
			m2 = z
		}
	}
	if math.IsInf(m1, -1) {
		return 0, fmt.Errorf("%w: every logit is −Inf", ErrInvalid)
	}
	var z, ez float64
	for _, x := range logits {
		e := math.Exp(x - m1)
		z += e
		if signal == Entropy && e > 0 {
			ez += e * (x - m1)
		}
	}
	switch signal {
	case Margin:
		return (1 - math.Exp(m2-m1)) / z, nil
	case MaxProb:
		return 1 / z, nil
	case Entropy:
		return math.Log(z) - ez/z, nil
	}
	return 0, fmt.Errorf("%w: signal %d", ErrInvalid, signal)
}
