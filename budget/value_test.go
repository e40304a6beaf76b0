package budget

import (
	"math"
	"math/big"
	"testing"
)

// exactMoment is E[pˣqʸ] under Beta(α, β) for integer x, y, as the
// product of ratios (α)ₓ(β)ᵧ/(α+β)ₓ₊ᵧ in 256-bit arithmetic.
func exactMoment(v BetaKnapsack, x, y int) float64 {
	prec := uint(256)
	r := new(big.Float).SetPrec(prec).SetFloat64(1)
	f := func(z float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(z) }
	for i := 0; i < x; i++ {
		r.Mul(r, f(v.Alpha+float64(i)))
	}
	for j := 0; j < y; j++ {
		r.Mul(r, f(v.Beta+float64(j)))
	}
	for k := 0; k < x+y; k++ {
		r.Quo(r, f(v.Alpha+v.Beta+float64(k)))
	}
	out, _ := r.Float64()
	return out
}

func TestBetaKnapsackMomentsMatchExact(t *testing.T) {
	for _, ab := range [][2]float64{{1, 1}, {0.3, 7}, {9, 0.2}, {50, 50}, {1e4, 3}, {2.5, 1e5}} {
		v := BetaKnapsack{Alpha: ab[0], Beta: ab[1]}
		for _, n := range []int{0, 1, 2, 5, 12, 13, 20, 64, 127, 1000} {
			a, b := v.moments(n)
			wa, wb := exactMoment(v, n+1, 3), exactMoment(v, 2, n+2)
			if n <= 64 { // products of ratios: near machine precision
				if !closeRel(a, wa, 1e-13) || !closeRel(b, wb, 1e-13) {
					t.Fatalf("α=%v β=%v n=%d: (%v, %v), want (%v, %v)", ab[0], ab[1], n, a, b, wa, wb)
				}
				continue
			}
			// Log-gamma differences lose about ε·lnΓ(α+β+n) in relative
			// terms, as the log-beta form they replace did: be no worse.
			oa, ob := v.moment(float64(n)+1, 3), v.moment(2, float64(n)+2)
			worse := func(got, old, want float64) bool {
				return math.Abs(got-want) > 2*math.Abs(old-want)+1e-14*want
			}
			if worse(a, oa, wa) || worse(b, ob, wb) {
				t.Fatalf("α=%v β=%v n=%d: (%v, %v), want (%v, %v)", ab[0], ab[1], n, a, b, wa, wb)
			}
		}
	}
}

func closeRel(x, y, tol float64) bool {
	return math.Abs(x-y) <= tol*math.Max(math.Abs(y), 1e-300)
}
