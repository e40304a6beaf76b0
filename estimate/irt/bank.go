package irt

import (
	"fmt"
	"math"
)

// ValidateBank checks that bank is non-empty, that every item has finite
// parameters with 0 ≤ c < u ≤ 1, and that all items share one dimension D.
// It returns D, or an error wrapping ErrInvalid that names the first bad item.
func ValidateBank(bank []Item) (int, error) {
	if len(bank) == 0 {
		return 0, fmt.Errorf("%w: empty item bank", ErrInvalid)
	}
	d := len(bank[0].A)
	for j := range bank {
		if err := bank[j].validate(d); err != nil {
			return 0, fmt.Errorf("bank[%d]: %w", j, err)
		}
	}
	return d, nil
}

// TestInfo returns the test information at θ, the sum of the items'
// informations Σⱼ Iⱼ(θ) (for D > 1, the sum of the traces). It returns
// ErrInvalid for an invalid bank, or a θ of the wrong dimension, not finite
// or beyond ±1e6.
func TestInfo(bank []Item, theta ...float64) (float64, error) {
	d, err := ValidateBank(bank)
	if err != nil {
		return 0, err
	}
	if len(theta) != d {
		return 0, fmt.Errorf("%w: len(theta) = %d, bank has D = %d", ErrInvalid, len(theta), d)
	}
	for k, t := range theta {
		if !(math.Abs(t) <= maxAbsThetaInfo) {
			return 0, fmt.Errorf("%w: theta[%d] = %v (must be finite, |θ| ≤ %g)", ErrInvalid, k, t, maxAbsThetaInfo)
		}
	}
	var s float64
	for j := range bank {
		s += bank[j].Info(theta...)
	}
	return s, nil
}

// StandardError returns the asymptotic standard error of a unidimensional
// ability estimate, 1/√I(θ), from the test information of bank at θ. It
// returns ErrInvalid as TestInfo does, and when the information is zero
// (every slope 0), where the standard error is unbounded.
func StandardError(bank []Item, theta float64) (float64, error) {
	i, err := TestInfo(bank, theta)
	if err != nil {
		return 0, err
	}
	if !(i > 0) {
		return 0, fmt.Errorf("%w: test information at θ = %v is %v (no standard error)", ErrInvalid, theta, i)
	}
	return 1 / math.Sqrt(i), nil
}
