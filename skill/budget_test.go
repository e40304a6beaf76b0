package skill

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBudgetAndSelectors(t *testing.T) {
	b := Budget{Steps: 8, Lines: &Schedule{Kind: ScheduleConstant, Max: 3, Min: 3, Steps: 8}}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if lim := b.At(0); lim != (Limits{Edits: 4, Lines: 3, Chars: -1, Length: -1}) {
		t.Fatalf("limits at 0: %+v", lim)
	}
	if lim := b.At(7); lim.Edits != 2 {
		t.Fatalf("limits at 7: %+v", lim)
	}
	doc := skillMust(t, "# S\n- a\n- b\n- c\n- d\n")
	edits := []Edit{
		{Op: OpReplace, Target: "- a", Content: "- A"},
		{Op: OpInsertAfter, Target: "- b", Content: "- b1\n- b2\n- b3"},
		{Op: OpDelete, Target: "- c\n"},
		{Op: OpReplace, Target: "- d", Content: "- D"},
	}
	lim := Limits{Edits: 2, Lines: 3, Chars: -1, Length: -1}
	first, _ := FirstK{}.Select(doc, edits, lim)
	if !cmp.Equal(first, edits[:2]) {
		t.Fatalf("FirstK: %v", first)
	}
	// Greedy skips the 3-line insertion (a replace already uses 2 lines).
	greedy, err := Greedy{}.Select(doc, edits, lim)
	if err != nil || !cmp.Equal(greedy, []Edit{edits[0], edits[2]}) {
		t.Fatalf("Greedy: %v, %v", greedy, err)
	}
	after, _ := Apply(doc, greedy)
	if err := Within(doc, after, len(greedy), lim); err != nil {
		t.Fatal(err)
	}
	ranked, _ := Ranked(func(e Edit) float64 { return float64(len(e.Content)) }).Select(doc, edits, lim)
	if !cmp.Equal(ranked, []Edit{edits[1], edits[0]}) {
		t.Fatalf("Ranked: %v", ranked)
	}
	// Over-budget changes are rejected with the reason.
	all, _ := Apply(doc, edits)
	err = Within(doc, all, len(edits), lim)
	if !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), "4 edits, limit 2") {
		t.Fatalf("Within: %v", err)
	}
	if err := Within(doc, all, 1, Limits{Edits: -1, Lines: -1, Chars: -1, Length: 10}); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("length limit: %v", err)
	}
	if _, err := (Greedy{}).Select(doc, edits[1:2], Limits{Edits: 1, Lines: 1, Chars: -1, Length: -1}); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("nothing fits: %v", err)
	}
	if err := (Budget{}).Validate(); !errors.Is(err, ErrInvalid) {
		t.Fatal("zero budget accepted")
	}
}
