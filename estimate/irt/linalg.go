package irt

import (
	"math"
)

// Small dense helpers for the D×D matrices of multidimensional IRT
// (row-major, D ≤ a few dozen). They are hand-written rather than gonum's
// mat.Cholesky because they run inside every Newton step and selection
// gain, where they must not allocate.

// cholesky overwrites the lower triangle of the symmetric n×n matrix m
// with its Cholesky factor L (m = L Lᵀ). It reports false if m is not
// numerically positive definite.
func cholesky(m []float64, n int) bool {
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

// cholSolve solves L Lᵀ x = b in place (b becomes x) given the factor
// produced by cholesky.
func cholSolve(l []float64, n int, b []float64) {
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

// cholInverse writes (L Lᵀ)⁻¹ into dst (n×n) using col (length n) as
// scratch.
func cholInverse(dst, l []float64, n int, col []float64) {
	for j := 0; j < n; j++ {
		for i := range col[:n] {
			col[i] = 0
		}
		col[j] = 1
		cholSolve(l, n, col)
		for i := 0; i < n; i++ {
			dst[i*n+j] = col[i]
		}
	}
}
