package irt

import (
	"errors"
	"testing"
)

// TestZeroSession checks the promise of Session's doc: every method of a
// zero Session returns an error wrapping ErrInvalid (or a harmless zero) and
// none panics.
func TestZeroSession(t *testing.T) {
	var s Session
	if s.Next() {
		t.Error("Next on a zero Session = true")
	}
	if !errors.Is(s.Err(), ErrInvalid) {
		t.Errorf("Err = %v, want ErrInvalid", s.Err())
	}
	if s.Item() != -1 || s.Stop() != StopRunning || s.Spent() != 0 {
		t.Errorf("Item %d, Stop %v, Spent %v", s.Item(), s.Stop(), s.Spent())
	}
	if err := s.Observe(0, 1, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Observe: %v", err)
	}
	if _, err := s.PredictScore([]int{0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("PredictScore: %v", err)
	}
	if _, err := s.PredictTasks(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("PredictTasks: %v", err)
	}
	if _, err := s.Snapshot(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Snapshot: %v", err)
	}
	if err := s.Restore([]byte("{}")); !errors.Is(err, ErrInvalid) {
		t.Errorf("Restore: %v", err)
	}
	if a := s.Ability(); a.Theta != nil {
		t.Errorf("Ability = %+v", a)
	}
	items, scores := s.Administered()
	if len(items) != 0 || len(scores) != 0 {
		t.Errorf("Administered = %v, %v", items, scores)
	}
}

func TestZeroValues(t *testing.T) {
	if _, err := (Anchors{}).Score(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Anchors{}.Score: %v", err)
	}
	var it Item
	_ = it.Prob()
	_ = it.Info()
	if _, err := it.Difficulty(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Item{}.Difficulty: %v", err)
	}
	if _, err := it.MaxInfoTheta(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Item{}.MaxInfoTheta: %v", err)
	}
	for _, e := range []interface{ String() string }{Selection(99), StopReason(-1), Method(7), Extreme(9)} {
		if e.String() == "" {
			t.Errorf("%T: empty String", e)
		}
	}
	if got := Selection(99).String(); got != "Selection(99)" {
		t.Errorf("Selection(99).String() = %q", got)
	}
}
