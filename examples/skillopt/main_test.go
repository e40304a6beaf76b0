package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

// TestRun checks that the example runs, prints every section and prints
// the same report twice.
func TestRun(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(&a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"== Validation curve (strict gate, reference defaults) ==",
		"== Steps by decision and reason ==",
		"steps not accepted, by reason:",
		"edits dropped, by reason:",
		"== Best skill document",
		"== Strict gate vs accept-everything ==",
		"accept-everything (last)",
		"== Over seeds 1–",
		"== Counters ==",
		`stopped with "eval_budget"`,
	} {
		if !strings.Contains(a.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for i, line := range strings.Split(a.String(), "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("line %d has trailing spaces: %q", i+1, line)
		}
	}
	if !strings.Contains(a.String(), "What the counts count:") {
		t.Error("output lacks the legend of the counts")
	}
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two runs printed different reports")
	}
}

// TestGateHoldsWithoutRepairs checks the comparison's robust half: with an
// optimizer model that never deletes, the gated run's best document does
// better on the held-out tasks than accepting every edit.
func TestGateHoldsWithoutRepairs(t *testing.T) {
	initial, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	_, out, err := optimize(initial, skill.OptimizerConfig{}, seed, true)
	if err != nil {
		t.Fatal(err)
	}
	naive, err := acceptAll(initial, seed, true)
	if err != nil {
		t.Fatal(err)
	}
	bench, test := skillsim.NewBench(seed, numTrain, numVal), testIDs()
	gated, all := testScore(bench, out.Best, test), testScore(bench, naive.doc, test)
	if gated < all {
		t.Errorf("test score: strict gate %.3f < accept-everything %.3f", gated, all)
	}
	if len(naive.curve) != out.Steps {
		t.Errorf("accept-everything ran %d steps, the optimizer %d", len(naive.curve), out.Steps)
	}
}

// TestGateNeverLowersValidation checks that the current document's
// validation score never falls from step to step.
func TestGateNeverLowersValidation(t *testing.T) {
	initial, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := optimize(initial, skill.OptimizerConfig{}, seed, false)
	if err != nil {
		t.Fatal(err)
	}
	curve := currentCurve(o)
	for i := 1; i < len(curve); i++ {
		if curve[i] < curve[i-1] {
			t.Errorf("step %d: validation %.3f after %.3f", i+1, curve[i], curve[i-1])
		}
	}
}

// TestBudgetStops checks that the budget-limited run stops on its budget
// without exceeding it.
func TestBudgetStops(t *testing.T) {
	initial, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	_, out, err := optimize(initial, skill.OptimizerConfig{MaxEvalUnits: evalBudget}, seed, false)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stop != skill.StopEvalBudget || out.EvalUnits > evalBudget {
		t.Errorf("stop %q after %d eval units, want %q within %d", out.Stop, out.EvalUnits, skill.StopEvalBudget, evalBudget)
	}
}

// TestShipped checks that shipped removes empty protected blocks only.
func TestShipped(t *testing.T) {
	for _, c := range []struct {
		in, want string
		removed  int
	}{
		{"# S\n- a\n\n" + skill.ProtectedStart + "\n" + skill.ProtectedEnd + "\n", "# S\n- a\n", 1},
		{"# S\n" + skill.ProtectedStart + "\nkeep this\n" + skill.ProtectedEnd + "\n", "# S\n" + skill.ProtectedStart + "\nkeep this\n" + skill.ProtectedEnd + "\n", 0},
		{"# S\n- a\n", "# S\n- a\n", 0},
	} {
		doc, err := skill.NewDocument(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := shipped(doc)
		if err != nil || got.Text() != c.want || n != c.removed {
			t.Errorf("shipped(%q) = %q, %d, %v; want %q, %d", c.in, got.Text(), n, err, c.want, c.removed)
		}
	}
}
