package skill

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScheduleGoldens(t *testing.T) {
	table := func(s Schedule) []int {
		out := make([]int, s.Steps)
		for i := range out {
			out[i] = s.At(i)
		}
		return out
	}
	if got := table(Schedule{Steps: 8}); !cmp.Equal(got, []int{4, 4, 3, 3, 3, 2, 2, 2}) {
		t.Errorf("cosine over 8 steps: %v", got)
	}
	if got := table(Schedule{Steps: 16}); !cmp.Equal(got, []int{4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2}) {
		t.Errorf("cosine over 16 steps: %v", got)
	}
	// Linear over 4 steps: 4 − 2·(k/4) = 3.5, 3, 2.5, 2 → Python's round: 4, 3, 2, 2.
	if got := table(Schedule{Kind: ScheduleLinear, Steps: 4}); !cmp.Equal(got, []int{4, 3, 2, 2}) {
		t.Errorf("linear: %v", got)
	}
	if got := table(Schedule{Kind: ScheduleConstant, Max: 6, Min: 1, Steps: 3}); !cmp.Equal(got, []int{6, 6, 6}) {
		t.Errorf("constant: %v", got)
	}
	if (Schedule{Steps: 8}).At(100) != 2 || (Schedule{Steps: 8}).At(-3) != 4 {
		t.Error("out-of-range steps")
	}
	for _, bad := range []Schedule{{}, {Steps: 4, Max: 1, Min: 3}, {Steps: 4, Kind: 9}} {
		if !errors.Is(bad.Validate(), ErrInvalid) {
			t.Errorf("%+v accepted", bad)
		}
		_ = bad.At(1)
	}
}
