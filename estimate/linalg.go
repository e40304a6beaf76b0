package estimate

import "math"

// Small dense helpers for the D×D matrices of multidimensional IRT
// (row-major, D ≤ a few dozen). They never allocate.

// irtCholesky overwrites the lower triangle of the symmetric n×n matrix m
// with its Cholesky factor L (m = L Lᵀ). It reports false if m is not
// numerically positive definite.
func irtCholesky(m []float64, n int) bool {
	for j := 0; j < n; j++ {
		s := m[j*n+j]
		for k := 0; k < j; k++ {
			s -= m[j*n+k] * m[j*n+k]
		}
		if !(s > 1e-300) || math.IsInf(s, 0) {
			return false
		}
		ljj := math.Sqrt(s)
		m[j*n+j] = ljj
		for i := j + 1; i < n; i++ {
			t := m[i*n+j]
			for k := 0; k < j; k++ {
				t -= m[i*n+k] * m[j*n+k]
			}
			m[i*n+j] = t / ljj
		}
	}
	return true
}

// irtCholSolve solves L Lᵀ x = b in place (b becomes x) given the factor
// produced by irtCholesky.
func irtCholSolve(l []float64, n int, b []float64) {
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*n+k] * b[k]
		}
		b[i] = s / l[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * b[k]
		}
		b[i] = s / l[i*n+i]
	}
}

// irtCholInverse writes (L Lᵀ)⁻¹ into dst (n×n) using col (length n) as
// scratch.
func irtCholInverse(dst, l []float64, n int, col []float64) {
	for j := 0; j < n; j++ {
		for i := range col[:n] {
			col[i] = 0
		}
		col[j] = 1
		irtCholSolve(l, n, col)
		for i := 0; i < n; i++ {
			dst[i*n+j] = col[i]
		}
	}
}

// irtCholLogDet returns log det(L Lᵀ).
func irtCholLogDet(l []float64, n int) float64 {
	var s float64
	for i := 0; i < n; i++ {
		s += math.Log(l[i*n+i])
	}
	return 2 * s
}

// irtQuad returns aᵀ M a for the symmetric n×n matrix m.
func irtQuad(m []float64, n int, a []float64) float64 {
	var s float64
	for i := 0; i < n; i++ {
		var r float64
		row := m[i*n : i*n+n]
		for j, aj := range a[:n] {
			r += row[j] * aj
		}
		s += a[i] * r
	}
	return s
}
