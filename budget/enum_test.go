package budget

import "testing"

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SolverAuto.String(), "auto"}, {SolverDP.String(), "dp"}, {Solver(42).String(), "Solver(42)"},
		{LeftoverKeep.String(), "keep"}, {LeftoverSpread.String(), "spread"}, {Leftover(-1).String(), "Leftover(-1)"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}
