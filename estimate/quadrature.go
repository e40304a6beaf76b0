package estimate

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// irtGH holds Gauss–Hermite nodes and weights for E[f(Z)], Z ~ N(0, 1)
// (probabilists' Hermite; weights sum to 1).
type irtGH struct{ x, w []float64 }

var (
	irtGH20Once, irtGH10Once sync.Once
	irtGH20, irtGH10         irtGH
)

func irtGaussHermite() irtGH {
	irtGH20Once.Do(func() { irtGH20 = irtNewGH(20) })
	return irtGH20
}

func irtGaussHermite10() irtGH {
	irtGH10Once.Do(func() { irtGH10 = irtNewGH(10) })
	return irtGH10
}

// irtNewGH computes the n-point rule by the Golub–Welsch algorithm: the
// nodes are the eigenvalues of the Jacobi matrix with off-diagonal √k, the
// weights the squared first components of its unit eigenvectors.
func irtNewGH(n int) irtGH {
	j := mat.NewSymDense(n, nil)
	for k := 1; k < n; k++ {
		j.SetSym(k-1, k, math.Sqrt(float64(k)))
	}
	var eig mat.EigenSym
	if !eig.Factorize(j, true) {
		panic("estimate: Gauss–Hermite eigen-decomposition failed") // cannot happen for this fixed matrix
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	g := irtGH{x: eig.Values(nil), w: make([]float64, n)}
	for i := range g.w {
		g.w[i] = v.At(0, i) * v.At(0, i)
	}
	return g
}
