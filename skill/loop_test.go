package skill_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

func newRun(t testing.TB, cfg skill.OptimizerConfig) (*skill.Optimizer, *skillsim.Bench, *skillsim.Proposer) {
	t.Helper()
	b := skillsim.NewBench(7, 120, 40)
	doc, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	o, err := skill.NewOptimizer(doc, b.Train, b.Val, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, b, skillsim.NewProposer(11)
}

func records(o *skill.Optimizer) []skill.Record {
	var out []skill.Record
	for r := range o.Records() {
		out = append(out, r)
	}
	return out
}

func TestRunImprovesAndAcceptedStepsNeverLowerTheScore(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{})
	out, err := o.Run(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stop != skill.StopDone {
		t.Fatalf("stop = %q", out.Stop)
	}
	if !(out.BestScore > out.Baseline+0.3) {
		t.Fatalf("best %v, baseline %v: the loop did not learn the rules", out.BestScore, out.Baseline)
	}
	if out.Steps != 4*3 {
		t.Fatalf("steps = %d, want 12 (4 epochs × ⌈120/40⌉)", out.Steps)
	}
	cur := out.Baseline
	decisions := map[skill.Decision]int{}
	for _, r := range records(o) {
		decisions[r.Decision]++
		switch r.Decision {
		case skill.DecisionAccept, skill.DecisionNewBest:
			if !(r.ScoreAfter > r.ScoreBefore) || r.ScoreBefore != cur {
				t.Fatalf("step %d accepted %v → %v (current was %v)", r.Step, r.ScoreBefore, r.ScoreAfter, cur)
			}
			cur = r.ScoreAfter
		case skill.DecisionReject:
			if r.ScoreAfter > r.ScoreBefore {
				t.Fatalf("step %d rejected an improvement %v → %v (%s)", r.Step, r.ScoreBefore, r.ScoreAfter, r.Reason)
			}
		}
	}
	if decisions[skill.DecisionNewBest] == 0 || decisions[skill.DecisionReject] == 0 {
		t.Fatalf("decisions %v: want both accepted and rejected steps", decisions)
	}
	// The best document is one the gate scored.
	if out.Best.Hash() != skillsimInitialHash(t) && out.BestStep == 0 {
		t.Fatalf("best document changed but BestStep is 0")
	}
}

func skillsimInitialHash(t testing.TB) string {
	d, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	return d.Hash()
}

// constEval scores every item the same: every candidate ties.
type constEval struct{ n int }

func (c *constEval) Evaluate(_ context.Context, _ skill.Document, _ skill.Split, ids []string) ([]skill.Result, error) {
	c.n++
	out := make([]skill.Result, len(ids))
	for i, id := range ids {
		out[i] = skill.Result{ID: id, Hard: 0, Soft: 0.5, Failure: "units: wrong"}
	}
	return out, nil
}

func TestTiesAreRejected(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 1, SlowUpdate: skill.SlowOff})
	out, err := o.Run(context.Background(), &constEval{}, p)
	if err != nil {
		t.Fatal(err)
	}
	_ = b
	n := 0
	for _, r := range records(o) {
		if r.Kind != skill.KindStep {
			continue
		}
		if r.Decision != skill.DecisionReject || r.Reason != "tie" {
			t.Fatalf("step %d: %s (%s), want a rejected tie", r.Step, r.Decision, r.Reason)
		}
		n++
	}
	if n == 0 || out.Best.Hash() != skillsimInitialHash(t) {
		t.Fatalf("%d steps; best changed on ties", n)
	}
}

func TestCachedDocumentsAreNeverReevaluated(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	for h, n := range b.DocsEvaluated {
		if n != 1 {
			t.Fatalf("document %s evaluated on validation %d times", h[:8], n)
		}
	}
}

func TestBudgetsStopAtExactlyTheirCounts(t *testing.T) {
	full, b0, p0 := newRun(t, skill.OptimizerConfig{})
	fullOut, err := full.Run(context.Background(), b0, p0)
	if err != nil {
		t.Fatal(err)
	}
	for _, units := range []int{40, 100, 160, 333} {
		o, b, p := newRun(t, skill.OptimizerConfig{MaxEvalUnits: units})
		out, err := o.Run(context.Background(), b, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Stop != skill.StopEvalBudget || out.EvalUnits > units || int(b.Evaluations.Load()) != out.EvalUnits {
			t.Fatalf("MaxEvalUnits %d: stop %q after %d units (%d evaluated)", units, out.Stop, out.EvalUnits, b.Evaluations.Load())
		}
		// The next evaluation would have exceeded the budget: with batches of
		// 40 and a validation split of 40, units only come in 40s.
		if units-out.EvalUnits >= 40 {
			t.Fatalf("MaxEvalUnits %d: stopped at %d with a whole evaluation left", units, out.EvalUnits)
		}
	}
	for _, calls := range []int{1, 7, 20} {
		o, b, p := newRun(t, skill.OptimizerConfig{MaxProposerCalls: calls})
		out, err := o.Run(context.Background(), b, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Stop != skill.StopProposerBudget || out.ProposerCalls != calls {
			t.Fatalf("MaxProposerCalls %d: stop %q after %d calls", calls, out.Stop, out.ProposerCalls)
		}
		if out.ProposerCalls > fullOut.ProposerCalls {
			t.Fatal("budget larger than the run")
		}
	}
	o, b, p := newRun(t, skill.OptimizerConfig{MaxCost: 0.5})
	out, err := o.Run(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stop != skill.StopCostBudget || out.Cost < 0.5 {
		t.Fatalf("MaxCost: stop %q at cost %v", out.Stop, out.Cost)
	}
	// Wall time on a fake clock: every task advances it by a second.
	now := time.Unix(0, 0)
	o, b, p = newRun(t, skill.OptimizerConfig{MaxWall: 30 * time.Second})
	for n := 0; ; n++ {
		task := o.NextAt(now)
		if task.Kind == skill.TaskDone {
			break
		}
		if err := o.Tell(answer(context.Background(), task, b, p)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	out = o.Summary()
	if out.Stop != skill.StopWallTime || out.Elapsed != 30*time.Second {
		t.Fatalf("MaxWall: stop %q after %v", out.Stop, out.Elapsed)
	}
	// A stopped run still holds a scored best document.
	if out.Best.Text() == "" {
		t.Fatal("no best document after a budget stop")
	}
}

// answer performs task with the simulated agent and optimizer model.
func answer(ctx context.Context, task skill.Task, b *skillsim.Bench, p *skillsim.Proposer) skill.Reply {
	var r skill.Reply
	switch task.Kind {
	case skill.TaskEvaluate:
		r.Results, r.Err = b.Evaluate(ctx, task.Document, task.Split, task.IDs)
	case skill.TaskPropose:
		r.Proposal, r.Err = p.Propose(ctx, task.Request)
	case skill.TaskEpoch:
		r.Update, r.Err = p.EpochEnd(ctx, task.EpochRequest)
	}
	return r
}

// drive runs o with ask/tell, snapshotting and restoring into a fresh
// optimizer every k tasks.
func drive(t *testing.T, k int) ([]skill.Record, skill.Summary) {
	t.Helper()
	o, b, p := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{Test: skill.TestBootstrap, Level: 0.3}})
	ctx := context.Background()
	for n := 1; ; n++ {
		if k > 0 && n%k == 0 {
			snap, err := o.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			o2, _, _ := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{Test: skill.TestBootstrap, Level: 0.3}})
			if err := o2.Restore(snap); err != nil {
				t.Fatal(err)
			}
			o = o2
		}
		task := o.Next()
		if task.Kind == skill.TaskDone {
			out := o.Summary()
			out.Elapsed = 0
			return records(o), out
		}
		if err := o.Tell(answer(ctx, task, b, p)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckpointResumeEqualsUninterrupted(t *testing.T) {
	want, wantOut := drive(t, 0)
	for _, k := range []int{1, 3, 7} {
		got, gotOut := drive(t, k)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("snapshot every %d tasks: records differ (-want +got)\n%s", k, d)
		}
		if d := cmp.Diff(wantOut, gotOut, cmp.Comparer(func(a, b skill.Document) bool { return a.Hash() == b.Hash() })); d != "" {
			t.Fatalf("snapshot every %d tasks: outcome differs\n%s", k, d)
		}
	}
}

func TestReplayReproducesTheRun(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{Test: skill.TestSign, Level: 0.5}})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := o.WriteAudit(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := skill.ReadAudit(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(records(o), recs); d != "" {
		t.Fatalf("JSON Lines round trip (-want +got)\n%s", d)
	}
	o2, b2, _ := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{Test: skill.TestSign, Level: 0.5}})
	if _, err := o2.Run(context.Background(), b2, skill.NewReplay(recs)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(recs, records(o2)); d != "" {
		t.Fatalf("replay differs (-recorded +replayed)\n%s", d)
	}
	if o.Summary().Best.Hash() != o2.Summary().Best.Hash() {
		t.Fatal("replay found another best document")
	}
}

func TestBufferResetsPerEpochAndReachesTheProposer(t *testing.T) {
	for _, reset := range []skill.BufferReset{skill.ResetEachEpoch, skill.ResetNever} {
		o, b, _ := newRun(t, skill.OptimizerConfig{Epochs: 2, BufferReset: reset, SlowUpdate: skill.SlowOff})
		type seen struct {
			epoch, step, call, entries int
			text                       string
		}
		var log []seen
		p := skillsim.NewProposer(3)
		wrap := skill.ProposerFunc(func(ctx context.Context, req skill.Request) (skill.Proposal, error) {
			log = append(log, seen{req.Epoch, req.Step, req.Call, len(req.Buffer), req.Buffer.String()})
			return p.Propose(ctx, req)
		})
		if _, err := o.Run(context.Background(), b, wrap); err != nil {
			t.Fatal(err)
		}
		firstOfEpoch2 := -1
		for _, s := range log {
			if s.epoch == 2 && firstOfEpoch2 < 0 {
				firstOfEpoch2 = s.entries
			}
			if s.step == 1 && s.entries != 0 {
				t.Fatalf("step 1 saw %d buffer entries", s.entries)
			}
			if s.step == 2 && (s.entries != 1 || !strings.Contains(s.text, "### Step 1")) {
				t.Fatalf("step 2 saw buffer %q", s.text)
			}
		}
		if reset == skill.ResetEachEpoch && firstOfEpoch2 != 0 {
			t.Fatalf("per-epoch reset: epoch 2 started with %d entries", firstOfEpoch2)
		}
		if reset == skill.ResetNever && firstOfEpoch2 != 3 {
			t.Fatalf("no reset: epoch 2 started with %d entries, want 3", firstOfEpoch2)
		}
	}
}

func TestBufferCapacityAndRejectedEdits(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 1, BufferCapacity: 2, SlowUpdate: skill.SlowOff})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	buf := o.Buffer()
	if len(buf) != 2 || buf[1].Step != 3 {
		t.Fatalf("buffer %+v, want the last 2 steps", buf)
	}
	for _, r := range records(o) {
		if r.Kind != skill.KindStep || r.Step < 2 {
			continue
		}
		e := buf[r.Step-2]
		if (r.Decision == skill.DecisionReject) != (len(e.Rejected) > 0) {
			t.Fatalf("step %d %s: buffer entry holds %d rejected edits", r.Step, r.Decision, len(e.Rejected))
		}
		if r.Decision == skill.DecisionReject && !strings.Contains(buf.String(), "Rejected edits (score") {
			t.Fatalf("rendered buffer lacks the rejected edits:\n%s", buf)
		}
	}
}

// faultyEval fails (or returns NaN) on validation of candidates.
type faultyEval struct {
	inner *skillsim.Bench
	nan   bool
}

func (f faultyEval) Evaluate(ctx context.Context, doc skill.Document, split skill.Split, ids []string) ([]skill.Result, error) {
	rs, err := f.inner.Evaluate(ctx, doc, split, ids)
	if split == skill.SplitValidation && doc.Text() != skillsim.Initial {
		if f.nan {
			rs[0].Hard = math.NaN()
			return rs, nil
		}
		return nil, errors.New("agent crashed")
	}
	return rs, err
}

func TestEvaluatorFailuresFailTheStepOnly(t *testing.T) {
	for _, nan := range []bool{false, true} {
		o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 2})
		out, err := o.Run(context.Background(), faultyEval{b, nan}, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Best.Text() != skillsim.Initial || out.Stop != skill.StopDone {
			t.Fatalf("nan=%v: best changed or run stopped (%q)", nan, out.Stop)
		}
		failed := 0
		for _, r := range records(o) {
			if r.Decision == skill.DecisionFailed {
				failed++
				if !strings.Contains(r.Reason, "validation") {
					t.Fatalf("reason %q", r.Reason)
				}
			}
		}
		if failed == 0 {
			t.Fatalf("nan=%v: no failed steps recorded", nan)
		}
	}
	// A failing baseline is an error.
	o, _, p := newRun(t, skill.OptimizerConfig{})
	_, err := o.Run(context.Background(), skill.EvaluatorFunc(func(context.Context, skill.Document, skill.Split, []string) ([]skill.Result, error) {
		return nil, errors.New("no agent")
	}), p)
	if err == nil || o.Summary().Stop != skill.StopFailed {
		t.Fatalf("baseline failure: err %v, stop %q", err, o.Summary().Stop)
	}
}

func TestTellRefusesBadReplies(t *testing.T) {
	o, b, _ := newRun(t, skill.OptimizerConfig{})
	if err := o.Tell(skill.Reply{}); !errors.Is(err, skill.ErrProtocol) {
		t.Fatalf("Tell before Next: %v", err)
	}
	task := o.Next()
	if task.Kind != skill.TaskEvaluate || task.Purpose != skill.PurposeBaseline {
		t.Fatalf("first task %+v", task)
	}
	good, _ := b.Evaluate(context.Background(), task.Document, task.Split, task.IDs)
	bad := map[string][]skill.Result{
		"too few":    good[1:],
		"unknown id": append(append([]skill.Result(nil), good[1:]...), skill.Result{ID: "nope"}),
		"duplicate":  append(append([]skill.Result(nil), good[1:]...), good[1]),
		"NaN hard":   withHard(good, math.NaN()),
		"hard > 1":   withHard(good, 2),
		"Inf soft":   withSoft(good, math.Inf(1)),
	}
	for name, rs := range bad {
		if err := o.Tell(skill.Reply{Results: rs}); !errors.Is(err, skill.ErrInvalid) {
			t.Fatalf("%s: err = %v", name, err)
		}
		if o.Next().Purpose != skill.PurposeBaseline || o.Summary().EvalUnits != 0 {
			t.Fatalf("%s: a refused reply changed the state", name)
		}
	}
	// Results in any order are accepted.
	rev := append([]skill.Result(nil), good...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if err := o.Tell(skill.Reply{Results: rev}); err != nil {
		t.Fatal(err)
	}
	if o.Next().Purpose != skill.PurposeRollout {
		t.Fatal("no rollout after the baseline")
	}
}

func withHard(rs []skill.Result, v float64) []skill.Result {
	out := append([]skill.Result(nil), rs...)
	out[3].Hard = v
	return out
}

func withSoft(rs []skill.Result, v float64) []skill.Result {
	out := append([]skill.Result(nil), rs...)
	out[3].Soft = v
	return out
}

func TestNewRejectsBadInput(t *testing.T) {
	doc, _ := skill.NewDocument(skillsim.Initial)
	ids := []string{"a", "b"}
	cases := map[string]func() (*skill.Optimizer, error){
		"zero document": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(skill.Document{}, ids, ids, skill.OptimizerConfig{})
		},
		"no train": func() (*skill.Optimizer, error) { return skill.NewOptimizer(doc, nil, ids, skill.OptimizerConfig{}) },
		"duplicate ids": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, []string{"a", "a"}, ids, skill.OptimizerConfig{})
		},
		"negative eval": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{MaxEvalUnits: -1})
		},
		"negative calls": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{MaxProposerCalls: -1})
		},
		"NaN cost": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{MaxCost: math.NaN()})
		},
		"negative wall": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{MaxWall: -time.Second})
		},
		"negative epochs": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{Epochs: -1})
		},
		"NaN delta": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{Gate: skill.Gate{MinDelta: math.NaN()}})
		},
		"level 1": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{Gate: skill.Gate{Level: 1}})
		},
		"negative schedule": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{Budget: skill.Budget{Lines: &skill.Schedule{Max: -1, Min: -3, Steps: 2}}})
		},
		"bad slow mode": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{SlowUpdate: 9})
		},
		"negative capacity": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{BufferCapacity: -2})
		},
		"negative max chars": func() (*skill.Optimizer, error) {
			return skill.NewOptimizer(doc, ids, ids, skill.OptimizerConfig{Gate: skill.Gate{MaxLength: -5}})
		},
	}
	for name, f := range cases {
		if _, err := f(); !errors.Is(err, skill.ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// A plain Proposer (a ProposerFunc cannot implement EpochHook) runs with the
// default SlowUpdate, skipping the epoch-end updates; SlowForce and
// SlowGated refuse it before any call; WithEpochHook gives functions both.
func TestSlowUpdateAndPlainProposers(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []skill.SlowMode{skill.SlowForce, skill.SlowGated} {
		o, b, p := newRun(t, skill.OptimizerConfig{SlowUpdate: mode})
		plain := skill.ProposerFunc(p.Propose)
		before, _ := o.Snapshot()
		_, err := o.Run(ctx, b, plain)
		if !errors.Is(err, skill.ErrInvalid) || !strings.Contains(err.Error(), "EpochHook") {
			t.Fatalf("%v with a plain Proposer: %v", mode, err)
		}
		if after, _ := o.Snapshot(); !bytes.Equal(before, after) || b.Evaluations.Load() != 0 {
			t.Fatalf("%v: the refused Run changed the state or made calls", mode)
		}
	}
	o, b, p := newRun(t, skill.OptimizerConfig{})
	out, err := o.Run(ctx, b, skill.ProposerFunc(p.Propose))
	if err != nil || out.Stop != skill.StopDone {
		t.Fatalf("default config, plain Proposer: %v, stop %v", err, out.Stop)
	}
	for r := range o.Records() {
		if r.Kind == skill.KindSlow {
			t.Fatalf("epoch-end record %v without an epoch hook", r.Decision)
		}
	}
	o, b, p = newRun(t, skill.OptimizerConfig{SlowUpdate: skill.SlowGated})
	hooked := skill.WithEpochHook(skill.ProposerFunc(p.Propose), skill.EpochHookFunc(p.EpochEnd))
	if _, err := o.Run(ctx, b, hooked); err != nil {
		t.Fatal(err)
	}
	slow := 0
	for r := range o.Records() {
		if r.Kind == skill.KindSlow {
			slow++
		}
	}
	if slow != 4 { // the epoch-1 placeholder and epochs 2–4
		t.Fatalf("%d epoch-end records through WithEpochHook, want 4", slow)
	}
	// A nil half of WithEpochHook fails its calls, without panicking.
	if _, err := skill.WithEpochHook(nil, nil).Propose(ctx, skill.Request{}); !errors.Is(err, skill.ErrInvalid) {
		t.Fatal(err)
	}
}

func TestCancellationLeavesTheCallPending(t *testing.T) {
	_, wantOut := drive(t, 0)
	o, b, p := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{Test: skill.TestBootstrap, Level: 0.3}})
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	cancelling := skill.ProposerFunc(func(c context.Context, req skill.Request) (skill.Proposal, error) {
		calls++
		if calls == 5 {
			cancel()
			return skill.Proposal{}, c.Err()
		}
		return p.Propose(c, req)
	})
	both := struct {
		skill.Proposer
		skill.EpochHook
	}{cancelling, p}
	if _, err := o.Run(ctx, b, both); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if o.Next().Kind != skill.TaskPropose {
		t.Fatal("the interrupted call is not pending")
	}
	out, err := o.Run(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	out.Elapsed = 0
	if out.Best.Hash() != wantOut.Best.Hash() || out.ProposerCalls != wantOut.ProposerCalls || out.EvalUnits != wantOut.EvalUnits {
		t.Fatalf("resumed run differs: %+v vs %+v", out, wantOut)
	}
}

func TestSlowUpdateModes(t *testing.T) {
	for _, mode := range []skill.SlowMode{skill.SlowForce, skill.SlowGated} {
		o, b, p := newRun(t, skill.OptimizerConfig{SlowUpdate: mode})
		if _, err := o.Run(context.Background(), b, p); err != nil {
			t.Fatal(err)
		}
		var slow []skill.Record
		for _, r := range records(o) {
			if r.Kind == skill.KindSlow {
				slow = append(slow, r)
			}
		}
		if len(slow) != 4 || slow[0].Decision != skill.DecisionPlaceholder {
			t.Fatalf("mode %d: slow records %+v", mode, slow)
		}
		for _, r := range slow[1:] {
			if r.Update == nil || len(r.Pairs) != 4 {
				t.Fatalf("mode %d epoch %d: no comparison or update: %+v", mode, r.Epoch, r)
			}
			n := 0
			for _, c := range r.Pairs {
				n += c
			}
			if n != 20 {
				t.Fatalf("compared %d items, want the reference's 20", n)
			}
			switch mode {
			case skill.SlowForce:
				if r.Decision != skill.DecisionForce && r.Decision != skill.DecisionNoEdits {
					t.Fatalf("force mode: %s", r.Decision)
				}
			case skill.SlowGated:
				if r.Decision == skill.DecisionForce {
					t.Fatal("gated mode force-accepted")
				}
			}
		}
		if !strings.Contains(o.Memory(), "epoch 4") || !strings.Contains(o.Memory(), "epoch 2") {
			t.Fatalf("memory %q", o.Memory())
		}
		if mode == skill.SlowForce && !strings.Contains(o.Summary().Current.Text(), "last epoch") {
			t.Fatalf("force mode: guidance missing from the current document:\n%s", o.Summary().Current.Text())
		}
	}
}

func TestMemoryReachesTheProposer(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 3})
	var memories []string
	wrap := struct {
		skill.Proposer
		skill.EpochHook
	}{skill.ProposerFunc(func(ctx context.Context, req skill.Request) (skill.Proposal, error) {
		memories = append(memories, fmt.Sprintf("%d:%s", req.Epoch, req.Memory))
		return p.Propose(ctx, req)
	}), p}
	if _, err := o.Run(context.Background(), b, wrap); err != nil {
		t.Fatal(err)
	}
	for _, m := range memories {
		if strings.HasPrefix(m, "3:") && !strings.Contains(m, "epoch 2:") {
			t.Fatalf("epoch 3 call without epoch 2's memory: %q", m)
		}
		if !strings.HasPrefix(m, "3:") && len(m) > 2 {
			t.Fatalf("memory before it was written: %q", m)
		}
	}
}

func TestLengthCapAndLenient(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Gate: skill.Gate{MaxLength: 400}})
	out, err := o.Run(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(out.Best.Text())); n > 400 {
		t.Fatalf("best document of %d characters beyond the cap", n)
	}
	capped := 0
	for _, r := range records(o) {
		if strings.Contains(r.Reason, "exceeds MaxLength") {
			capped++
		}
	}
	if capped == 0 {
		t.Fatal("the cap never rejected a candidate")
	}
	o, b, p = newRun(t, skill.OptimizerConfig{Lenient: true, Epochs: 2})
	out, err = o.Run(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	if out.BestScore < out.Baseline {
		t.Fatal("lenient run lost ground")
	}
	for _, r := range records(o) {
		for _, c := range r.Calls {
			if c.Attempt > 0 {
				t.Fatal("lenient mode retried a proposal")
			}
		}
	}
}

func TestRetryCarriesTheApplyErrors(t *testing.T) {
	o, b, _ := newRun(t, skill.OptimizerConfig{Epochs: 1, SlowUpdate: skill.SlowOff})
	var retries []*skill.Retry
	p := skill.ProposerFunc(func(_ context.Context, req skill.Request) (skill.Proposal, error) {
		if req.Retry == nil {
			return skill.Proposal{Edits: []skill.Edit{{Op: skill.OpReplace, Target: "no such line", Content: "x"}}}, nil
		}
		retries = append(retries, req.Retry)
		return skill.Proposal{Edits: []skill.Edit{{Op: skill.OpAppendSection, Target: "Rules", Content: fmt.Sprintf("- rule from step %d call %d", req.Step, req.Call)}}}, nil
	})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	if len(retries) == 0 {
		t.Fatal("no retries")
	}
	for _, r := range retries {
		if r.Attempt != 1 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "target not found") || len(r.Previous.Edits) != 1 {
			t.Fatalf("retry %+v", r)
		}
	}
}

// TestParallelEvaluator runs items on many goroutines inside Evaluate (run
// it with -race): the optimizer holds no lock while callbacks run and its
// results do not depend on the evaluator's scheduling.
func TestParallelEvaluator(t *testing.T) {
	o1, b1, p1 := newRun(t, skill.OptimizerConfig{Epochs: 2})
	out1, err := o1.Run(context.Background(), b1, p1)
	if err != nil {
		t.Fatal(err)
	}
	o2, b2, p2 := newRun(t, skill.OptimizerConfig{Epochs: 2, Tokenize: func(s string) int { return len(strings.Fields(s)) }})
	b2.ParallelAgents = 8
	out2, err := o2.Run(context.Background(), b2, p2)
	if err != nil {
		t.Fatal(err)
	}
	if out1.Best.Hash() != out2.Best.Hash() || out1.EvalUnits != out2.EvalUnits {
		t.Fatal("parallel evaluation changed the run")
	}
	tokens := false
	for _, r := range records(o2) {
		if r.Size != nil && r.Size.Tokens != 0 {
			tokens = true
		}
	}
	if !tokens {
		t.Fatal("no record carries a token count")
	}
}

// noiseEval ignores the document's content: every score is noise. Any
// accepted step is a false discovery.
type noiseEval struct{}

func (noiseEval) Evaluate(_ context.Context, doc skill.Document, _ skill.Split, ids []string) ([]skill.Result, error) {
	out := make([]skill.Result, len(ids))
	for i, id := range ids {
		h := 0
		for _, c := range doc.Hash() + id {
			h = h*31 + int(c)
		}
		out[i] = skill.Result{ID: id, Failure: "units: wrong"}
		if h&4 != 0 {
			out[i].Hard, out[i].Soft, out[i].Failure = 1, 1, ""
		}
	}
	return out, nil
}

func TestSignificanceGateResistsNoise(t *testing.T) {
	accepts := func(g skill.Gate) int {
		n := 0
		for seed := range uint64(5) {
			b := skillsim.NewBench(seed+1, 60, 6) // a 6-item validation split
			doc, _ := skill.NewDocument(skillsim.Initial)
			o, err := skill.NewOptimizer(doc, b.Train, b.Val, skill.OptimizerConfig{Epochs: 3, BatchSize: 20, Gate: g, Seed: seed + 1, SlowUpdate: skill.SlowOff})
			if err != nil {
				t.Fatal(err)
			}
			p := skillsim.NewProposer(seed)
			p.PUseless = 1 // every proposal is useless
			if _, err := o.Run(context.Background(), noiseEval{}, p); err != nil {
				t.Fatal(err)
			}
			for _, r := range records(o) {
				if r.Kind == skill.KindStep && (r.Decision == skill.DecisionAccept || r.Decision == skill.DecisionNewBest) {
					n++
				}
			}
		}
		return n
	}
	plain, sign, boot := accepts(skill.Gate{}), accepts(skill.Gate{Test: skill.TestSign}), accepts(skill.Gate{Test: skill.TestBootstrap})
	t.Logf("false acceptances on pure noise: plain %d, sign test %d, bootstrap %d", plain, sign, boot)
	if plain < 3 || sign >= plain || boot >= plain {
		t.Fatalf("plain gate %d, sign test %d, bootstrap %d: the tests should accept less noise", plain, sign, boot)
	}
}

func TestSelectionPrefersEditsProposedByMoreCalls(t *testing.T) {
	one := &skill.Schedule{Kind: skill.ScheduleConstant, Max: 1, Min: 1, Steps: 1}
	o, b, _ := newRun(t, skill.OptimizerConfig{Epochs: 1, BatchSize: 40, PerCall: 8, SlowUpdate: skill.SlowOff, Budget: skill.Budget{Edits: one}})
	rule := func(s string) skill.Edit { return skill.Edit{Op: skill.OpAppendSection, Target: "Rules", Content: s} }
	p := skill.ProposerFunc(func(_ context.Context, req skill.Request) (skill.Proposal, error) {
		if req.Call%2 == 0 {
			return skill.Proposal{Edits: []skill.Edit{rule(fmt.Sprintf("- A%d", req.Step)), rule(fmt.Sprintf("- B%d", req.Step))}}, nil
		}
		return skill.Proposal{Edits: []skill.Edit{rule(fmt.Sprintf("- B%d", req.Step)), rule(fmt.Sprintf("- C%d", req.Step))}}, nil
	})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	for _, r := range records(o) {
		if r.Kind != skill.KindStep || len(r.Calls) < 2 {
			continue
		}
		if len(r.Applied) != 1 || r.Applied[0].Content != fmt.Sprintf("- B%d", r.Step) {
			t.Fatalf("step %d applied %v, want the edit both calls proposed", r.Step, r.Applied)
		}
	}
}
