package stoprule

import "testing"

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Running.String(), "running"}, {Fired.String(), "fired"}, {Aborted.String(), "aborted"},
		{EpsKept.String(), "eps-kept"}, {Outcome(-1).String(), "Outcome(-1)"}, {Outcome(9).String(), "Outcome(9)"},
		{Margin.String(), "margin"}, {MaxProb.String(), "max-prob"}, {Entropy.String(), "entropy"},
		{Signal(7).String(), "Signal(7)"}, {Outcome(0).String(), "running"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

// TestZeroController: every method of a zero Controller or Rule returns an
// error (or a zero result) instead of panicking.
func TestZeroController(t *testing.T) {
	var c Controller
	if err := c.ObserveLength(3); err == nil {
		t.Error("ObserveLength on a zero Controller")
	}
	if _, err := c.EndStep(); err == nil {
		t.Error("EndStep on a zero Controller")
	}
	if _, err := c.Thresholds([]float64{1}, []float64{1}); err == nil {
		t.Error("Thresholds on a zero Controller")
	}
	if _, err := c.Rule(0, 0, 0.5); err == nil {
		t.Error("Rule on a zero Controller")
	}
	if _, err := c.Snapshot(); err == nil {
		t.Error("Snapshot on a zero Controller")
	}
	if err := c.Restore([]byte("{}")); err == nil {
		t.Error("Restore on a zero Controller")
	}
	if k1, k2 := c.K(); k1 != 0 || k2 != 0 || c.Step() != 0 || c.Config() != (Config{}) {
		t.Error("zero Controller reports state")
	}
	var nilc *Controller
	if _, err := nilc.EndStep(); err == nil {
		t.Error("EndStep on a nil Controller")
	}
	var r Rule
	if _, err := r.Next("x", 0.5); err == nil {
		t.Error("Next on a zero Rule")
	}
	if res := r.Result(); res.Outcome != Running || res.Weight != 1 {
		t.Errorf("zero Rule result %+v", res)
	}
}
