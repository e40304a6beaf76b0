package budget_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/budget"
	"github.com/budgetkit/budgetkit/estimate"
	"github.com/google/go-cmp/cmp"
)

// The tracker is the intended source; estimate does not import budget, so
// this check creates no cycle.
var _ budget.PosteriorSource = (*estimate.Tracker)(nil)

type fakeSource map[string][2]float64

var errUnseen = errors.New("unseen")

func (f fakeSource) Posterior(id string) (float64, float64, error) {
	p, ok := f[id]
	if !ok {
		return 0, 0, errUnseen
	}
	return p[0], p[1], nil
}

func TestBetaItems(t *testing.T) {
	src := fakeSource{"a": {3, 1}, "b": {1, 5}, "nan": {math.NaN(), 1}, "inf": {1, math.Inf(1)}, "zero": {0, 1}}
	items, err := budget.BetaItems([]string{"b", "a", "b"}, src)
	if err != nil {
		t.Fatal(err)
	}
	want := []budget.Item{
		{Value: budget.BetaKnapsack{Alpha: 1, Beta: 5}},
		{Value: budget.BetaKnapsack{Alpha: 3, Beta: 1}},
		{Value: budget.BetaKnapsack{Alpha: 1, Beta: 5}},
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Fatalf("items (-want +got):\n%s", diff)
	}
	if items, err := budget.BetaItems(nil, src); err != nil || len(items) != 0 {
		t.Fatalf("no ids: %v, %v", items, err)
	}
	if _, err := budget.BetaItems([]string{"a", "missing"}, src); !errors.Is(err, errUnseen) {
		t.Fatalf("source error not wrapped: %v", err)
	}
	for _, id := range []string{"nan", "inf", "zero"} {
		if _, err := budget.BetaItems([]string{id}, src); !errors.Is(err, budget.ErrInvalid) {
			t.Errorf("%s: %v", id, err)
		}
	}
	if _, err := budget.BetaItems([]string{"a"}, nil); !errors.Is(err, budget.ErrInvalid) {
		t.Errorf("nil source: %v", err)
	}
}

// ExampleBetaItems allocates a batch's rollouts from a success-rate
// tracker's posteriors.
func ExampleBetaItems() {
	tr, _ := estimate.NewTracker(estimate.TrackerConfig{})
	_ = tr.Observe("easy", 15, 16) // Beta(16, 2)
	_ = tr.Observe("mixed", 8, 16) // Beta(9, 9)
	_ = tr.Observe("hard", 1, 16)  // Beta(2, 16)
	items, err := budget.BetaItems([]string{"easy", "mixed", "hard"}, tr)
	if err != nil {
		fmt.Println(err)
		return
	}
	alloc, _ := budget.Allocate(items, 24, budget.AllocateConfig{Exact: true})
	fmt.Println(alloc.Counts)
	// Output:
	// [3 8 13]
}
