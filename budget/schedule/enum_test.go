package schedule

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DecayLinear.String(), "linear"}, {DecayCosine.String(), "cosine"}, {DecaySqrt.String(), "sqrt"},
		{DecayShape(9).String(), "DecayShape(9)"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

func TestZeroPrior(t *testing.T) {
	var p Prior
	if _, err := p.Sample(rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero Prior: %v", err)
	}
	q, _ := UniformPrior([]int{1, 2})
	if _, err := q.Sample(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil rand: %v", err)
	}
	var np *Prior
	if np.Budgets() != nil || np.Probs() != nil {
		t.Error("nil Prior has budgets")
	}
}
