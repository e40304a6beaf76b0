package curriculum

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestArmIndexSymmetry(t *testing.T) {
	s := curMust(t, []string{"math", "code", "logic"}, SamplerConfig{Method: SEC})
	for i, name := range s.Arms() {
		got, err := s.Arm(i)
		if err != nil || got != name {
			t.Fatalf("Arm(%d) = %q, %v", i, got, err)
		}
		j, err := s.Index(name)
		if err != nil || j != i {
			t.Fatalf("Index(%q) = %d, %v", name, j, err)
		}
	}
	if _, err := s.Arm(3); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Arm(3): %v", err)
	}
	if _, err := s.Arm(-1); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Arm(-1): %v", err)
	}
	if _, err := s.Index("art"); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Index(art): %v", err)
	}
	// The same step by index and by name gives the same state.
	byName := curMust(t, []string{"math", "code", "logic"}, SamplerConfig{Method: SEC})
	if err := s.Update(1, []Feedback{{Arm: 2, Values: []float64{0.5}}, {Arm: 0, Values: []float64{0.1}}}); err != nil {
		t.Fatal(err)
	}
	if err := byName.Update(1, []Feedback{{Name: "logic", Values: []float64{0.5}}, {Name: "math", Arm: 0, Values: []float64{0.1}}}); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(s.Probs(), byName.Probs()) {
		t.Fatalf("by index %v, by name %v", s.Probs(), byName.Probs())
	}
	// A Feedback that names one arm and indexes another is refused.
	before, _ := s.Snapshot()
	if err := s.Update(2, []Feedback{{Name: "logic", Arm: 1, Values: []float64{1}}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("conflicting Name and Arm: %v", err)
	}
	if err := s.Update(2, []Feedback{{Arm: 3, Values: []float64{1}}}); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Arm 3: %v", err)
	}
	if after, _ := s.Snapshot(); string(after) != string(before) {
		t.Fatal("refused Updates changed the sampler")
	}
}

func TestGroupFeedback(t *testing.T) {
	fb, err := GroupFeedback([]int{3, 1, 3, 1, 0, 3}, []float64{1, 2, 3, 4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	want := []Feedback{{Arm: 0, Values: []float64{5}}, {Arm: 1, Values: []float64{2, 4}}, {Arm: 3, Values: []float64{1, 3, 6}}}
	if diff := cmp.Diff(want, fb); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Appending to one group never overwrites the next.
	fb[0].Values = append(fb[0].Values, 99)
	if fb[1].Values[0] != 2 {
		t.Fatalf("append aliased the next group: %v", fb)
	}
	if fb, err := GroupFeedback(nil, nil); err != nil || len(fb) != 0 {
		t.Fatalf("empty: %v, %v", fb, err)
	}
	if _, err := GroupFeedback([]int{0}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("mismatched lengths: %v", err)
	}
	if _, err := GroupFeedback([]int{-1}, []float64{1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative arm: %v", err)
	}
	// Grouped feedback equals hand-built feedback in Update.
	a := curMust(t, []string{"x", "y", "z", "w"}, SamplerConfig{Method: DUMP})
	b := curMust(t, []string{"x", "y", "z", "w"}, SamplerConfig{Method: DUMP})
	g, _ := GroupFeedback([]int{3, 1, 3}, []float64{0.5, -0.2, 0.1})
	_ = a.Update(1, g)
	_ = b.Update(1, []Feedback{{Name: "w", Values: []float64{0.5, 0.1}}, {Name: "y", Values: []float64{-0.2}}})
	if !cmp.Equal(a.Probs(), b.Probs()) {
		t.Fatalf("grouped %v, by hand %v", a.Probs(), b.Probs())
	}
}

// TestZeroValues: every method of a zero value returns an error wrapping
// ErrInvalid (or a nil/empty result where no error is returned); none
// panics.
func TestZeroValues(t *testing.T) {
	var s Sampler
	r := rand.New(rand.NewPCG(1, 1))
	if s.Probs() != nil || s.Arms() != nil {
		t.Fatal("zero Sampler has probabilities or arms")
	}
	if _, err := s.Sample(r); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Sample: %v", err)
	}
	if _, err := s.SampleAt(1, 2, 3); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SampleAt: %v", err)
	}
	if err := s.Update(1, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Update: %v", err)
	}
	if err := s.FeedValidation(0, 1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("FeedValidation: %v", err)
	}
	if _, err := s.Snapshot(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Snapshot: %v", err)
	}
	if err := s.Restore([]byte("{}")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Restore: %v", err)
	}
	if _, err := s.Arm(0); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Arm: %v", err)
	}
	if _, err := s.Index("a"); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Index: %v", err)
	}
	live := curMust(t, []string{"a"}, SamplerConfig{})
	if _, err := live.Sample(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Sample(nil): %v", err)
	}

	var p Pool
	if _, _, err := p.Draw(0, r); !errors.Is(err, ErrUnknownArm) {
		t.Fatalf("Pool.Draw: %v", err)
	}
	if _, err := p.Snapshot(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Pool.Snapshot: %v", err)
	}
	if err := p.Restore(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Pool.Restore: %v", err)
	}

	var k SkillIt
	if err := k.Observe(nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SkillIt.Observe: %v", err)
	}
	if k.Probs() != nil || k.ProbsInto(make([]float64, 3)) != 0 {
		t.Fatal("zero SkillIt has a mixture")
	}

	//lint:ignore SA1012 a nil context is the input under test
	if _, _, err := Stack(nil, 1, 1, func(context.Context) ([]int, error) { return nil, nil }, func(int) bool { return true }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Stack(nil ctx): %v", err)
	}
	if _, err := ThompsonPredictor(nil, r); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ThompsonPredictor(nil): %v", err)
	}
}

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DUMP.String(), "DUMP"}, {SWUCB.String(), "SW-UCB"}, {Method(-1).String(), "Method(-1)"}, {Method(7).String(), "Method(7)"},
		{WithReplacement.String(), "WithReplacement"}, {Shuffled.String(), "Shuffled"}, {PoolMode(9).String(), "PoolMode(9)"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	var m Method
	var pm PoolMode
	if m != DUMP || pm != WithReplacement {
		t.Fatal("zero enums are not the defaults")
	}
}
