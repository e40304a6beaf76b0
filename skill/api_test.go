package skill_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/budgetkit/budgetkit/skill"
)

// Every enum prints its name, and Name(n) (or Name("…")) for values outside
// its range, without panicking; the zero values mean "not finished" or the
// default.
func TestEnumsPrint(t *testing.T) {
	cases := []struct {
		v    fmt.Stringer
		want string
	}{
		{skill.TaskKind(0), "none"}, {skill.TaskDone, "done"}, {skill.TaskKind(-1), "TaskKind(-1)"}, {skill.TaskKind(9), "TaskKind(9)"},
		{skill.Stop(""), "running"}, {skill.StopEvalBudget, "eval_budget"}, {skill.Stop("x"), `Stop("x")`},
		{skill.SlowMode(0), "auto"}, {skill.SlowOff, "off"}, {skill.SlowMode(7), "SlowMode(7)"},
		{skill.BufferReset(0), "each_epoch"}, {skill.BufferReset(2), "BufferReset(2)"},
		{skill.Metric(0), "hard"}, {skill.MetricMixed, "mixed"}, {skill.Metric(-3), "Metric(-3)"},
		{skill.Test(0), "none"}, {skill.TestBootstrap, "bootstrap"}, {skill.Test(3), "Test(3)"},
		{skill.ScheduleKind(0), "cosine"}, {skill.ScheduleKind(3), "ScheduleKind(3)"},
		{skill.DecisionNewBest, "accept_new_best"}, {skill.Decision(""), `Decision("")`},
		{skill.PurposeFinal, "final"}, {skill.Purpose("?"), `Purpose("?")`},
		{skill.SplitTrain, "train"}, {skill.Split(""), `Split("")`},
		{skill.Regressed, "regressed"}, {skill.Category("x"), `Category("x")`},
		{skill.KindSlow, "slow_update"}, {skill.RecordKind("x"), `RecordKind("x")`},
		{skill.OpInsertAfter, "insert_after"}, {skill.Op("rewrite"), `Op("rewrite")`},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.v, got, c.want)
		}
	}
	var task skill.Task
	if task.Kind == skill.TaskDone || task.Stop != skill.StopRunning {
		t.Fatal("the zero Task reads as a finished run")
	}
}

// A zero Optimizer is refused by every method with ErrInvalid; none panics.
func TestZeroOptimizer(t *testing.T) {
	for name, o := range map[string]*skill.Optimizer{"zero": {}, "nil": nil} {
		if task := o.Next(); task.Kind != skill.TaskDone || task.Stop != skill.StopFailed {
			t.Errorf("%s: Next = %v %v", name, task.Kind, task.Stop)
		}
		if err := o.Tell(skill.Reply{}); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: Tell: %v", name, err)
		}
		if _, err := o.Run(context.Background(), agent, optimizerModel); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: Run: %v", name, err)
		}
		if _, err := o.Snapshot(); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: Snapshot: %v", name, err)
		}
		if err := o.Restore([]byte("{}")); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: Restore: %v", name, err)
		}
		if err := o.WriteAudit(&bytes.Buffer{}); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: WriteAudit: %v", name, err)
		}
		_ = o.Summary()
		_ = o.Memory()
		_ = o.Buffer()
		_ = o.Config()
		for range o.Records() {
		}
	}
}
