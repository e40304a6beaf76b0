// Package num holds small numerical helpers shared by budgetkit's packages:
// finiteness checks, a numerically stable log-sum-exp and softmax, and
// clamping. Nothing here allocates.
package num

import "math"

// IsFinite reports whether x is neither NaN nor ±Inf.
func IsFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// AllFinite reports whether every element of xs is finite. It returns the
// index of the first offending element, or -1.
func AllFinite(xs []float64) (bad int, ok bool) {
	for i, x := range xs {
		if !IsFinite(x) {
			return i, false
		}
	}
	return -1, true
}

// Clamp returns x limited to [lo, hi]. NaN is returned unchanged.
func Clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// LogSumExp returns log Σ exp(xs[i]), computed by shifting by the maximum so
// that it neither overflows nor underflows. Elements equal to −Inf are
// ignored; an empty slice or one of only −Inf gives −Inf. A +Inf element gives
// +Inf and a NaN element gives NaN.
func LogSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		if math.IsNaN(x) {
			return math.NaN()
		}
		if x > m {
			m = x
		}
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// Softmax writes softmax(xs/temperature) into dst, which must have the length
// of xs (dst and xs may be the same slice). It shifts by the maximum before
// exponentiating, so large scores do not overflow. Elements equal to −Inf get
// probability 0. If every element is −Inf the result is uniform. temperature
// must be positive and the inputs must not be NaN or +Inf; callers validate.
func Softmax(dst, xs []float64, temperature float64) {
	m := math.Inf(-1)
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	if math.IsInf(m, -1) {
		u := 1 / float64(len(xs))
		for i := range dst {
			dst[i] = u
		}
		return
	}
	var s float64
	for i, x := range xs {
		e := math.Exp((x - m) / temperature)
		dst[i] = e
		s += e
	}
	inv := 1 / s
	for i := range dst {
		dst[i] *= inv
	}
}

// QuantileSorted returns the p-quantile (0 ≤ p ≤ 1) of sorted, non-empty
// data by linear interpolation between order statistics — Hyndman and Fan's
// type 7, the default of numpy.percentile, pandas' Series.quantile and R's
// quantile:
//
//	h = (n − 1)·p,  Q = s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋])
//
// Callers validate p and the data; it does not allocate.
func QuantileSorted[T ~int | ~int64 | ~float64](s []T, p float64) float64 {
	h := float64(len(s)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(s)-1 {
		return float64(s[len(s)-1])
	}
	if i < 0 {
		return float64(s[0])
	}
	return float64(s[i]) + (h-lo)*(float64(s[i+1])-float64(s[i]))
}
