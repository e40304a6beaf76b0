package router

// warmBuffer holds the first WarmStart requests' predictions (PORT's warm
// start): WarmStart rows of q̂ and ĉ per model.
type warmBuffer struct {
	Q    []float64 `json:"q,omitempty"`
	C    []float64 `json:"c,omitempty"`
	N    int       `json:"n"`
	Done bool      `json:"done"`
}

// add buffers one request's predictions; it reports whether the buffer is
// now full.
func (w *warmBuffer) add(quality, cost []float64, rows int) bool {
	n := len(quality)
	copy(w.Q[w.N*n:], quality)
	copy(w.C[w.N*n:], cost)
	w.N++
	return w.N == rows
}

// lambda returns the batch dual price of the buffered requests under a
// budget of ρ₀ per request: the λ* at which the per-request argmax
// q̂ − λĉ spends N·ρ₀, computed exactly by AssignBatch's solver (the point
// bisection on λ converges to). If even the cheapest model for every
// request exceeds that budget, it is the largest hull slope, the smallest
// price at which every request takes its cheapest model. It frees the
// buffer.
func (w *warmBuffer) lambda(models int, rho0 float64) float64 {
	q, c := make([][]float64, w.N), make([][]float64, w.N)
	for r := range q {
		q[r], c[r] = w.Q[r*models:(r+1)*models], w.C[r*models:(r+1)*models]
	}
	a, top, err := solveMCKP(q, c, float64(w.N)*rho0)
	w.Q, w.C, w.Done = nil, nil, true
	if err != nil {
		return top
	}
	return a.Lambda
}
