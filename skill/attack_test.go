package skill_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

// Bad values used across the attack tests (issue 14).
var (
	nan, inf = math.NaN(), math.Inf(1)
	invalid  = "bad \xff\xfe utf-8"
	huge     = strings.Repeat("0123456789", 1<<20) // 10 MB
)

// attack is one call with bad input: it must not panic and must return an
// error wrapping want.
type attack struct {
	name string
	want error
	call func() error
}

func runAttacks(t *testing.T, attacks []attack) {
	t.Helper()
	for _, a := range attacks {
		err := a.call()
		if !errors.Is(err, a.want) {
			t.Errorf("%s: err = %v, want %v", a.name, err, a.want)
		}
	}
}

// TestAttackConstructorsAndFunctions covers every exported function and the
// methods of the value types with bad input.
func TestAttackConstructorsAndFunctions(t *testing.T) {
	doc, _ := skill.NewDocument("# Skill\r\n\r\n## Règles\r\n- Café.\r\n")
	ids := []string{"a", "b"}
	newOpt := func(cfg skill.OptimizerConfig) func() error {
		return func() error { _, err := skill.NewOptimizer(doc, ids, ids, cfg); return err }
	}
	sched := func(s skill.Schedule) *skill.Schedule { return &s }
	var attacks []attack
	add := func(name string, want error, f func() error) { attacks = append(attacks, attack{name, want, f}) }
	for _, text := range []string{"", " \r\n\t", invalid, "<!-- SLOW_UPDATE_START -->\nx", "x <!-- SLOW_UPDATE_END -->", "<!-- SLOW_UPDATE_START --><!-- SLOW_UPDATE_START --><!-- SLOW_UPDATE_END -->"} {
		add("NewDocument "+text, skill.ErrInvalid, func() error { _, err := skill.NewDocument(text); return err })
		add("UnmarshalText "+text, skill.ErrInvalid, func() error {
			if text == "" {
				return skill.ErrInvalid // empty text is the zero Document by design
			}
			var d skill.Document
			return d.UnmarshalText([]byte(text))
		})
	}
	add("UnmarshalText nil receiver", skill.ErrInvalid, func() error { return (*skill.Document)(nil).UnmarshalText([]byte("x")) })
	add("NewOptimizer zero document", skill.ErrInvalid, func() error {
		_, err := skill.NewOptimizer(skill.Document{}, ids, ids, skill.OptimizerConfig{})
		return err
	})
	add("NewOptimizer nil train", skill.ErrInvalid, func() error { _, err := skill.NewOptimizer(doc, nil, ids, skill.OptimizerConfig{}); return err })
	add("NewOptimizer empty validation", skill.ErrInvalid, func() error { _, err := skill.NewOptimizer(doc, ids, []string{}, skill.OptimizerConfig{}); return err })
	add("NewOptimizer duplicate ids", skill.ErrInvalid, func() error {
		_, err := skill.NewOptimizer(doc, []string{"a", "a"}, ids, skill.OptimizerConfig{})
		return err
	})
	add("NewOptimizer invalid UTF-8 id", skill.ErrInvalid, func() error {
		_, err := skill.NewOptimizer(doc, []string{invalid}, ids, skill.OptimizerConfig{})
		return err
	})
	for name, cfg := range map[string]skill.OptimizerConfig{
		"Epochs -1": {Epochs: -1}, "Epochs MaxInt": {Epochs: math.MaxInt}, "BatchSize -1": {BatchSize: -1}, "PerCall -1": {PerCall: -1},
		"SlowSamples -1": {SlowSamples: -1}, "SlowUpdate 9": {SlowUpdate: 9}, "SlowUpdate -1": {SlowUpdate: -1},
		"BufferCapacity -1": {BufferCapacity: -1}, "BufferReset 5": {BufferReset: 5},
		"MaxEvalUnits -1": {MaxEvalUnits: -1}, "MaxProposerCalls -1": {MaxProposerCalls: -1},
		"MaxCost NaN": {MaxCost: nan}, "MaxCost Inf": {MaxCost: inf}, "MaxCost -1": {MaxCost: -1}, "MaxWall -1": {MaxWall: -1},
		"Retries MaxInt": {Retries: math.MaxInt},
		"Metric 7":       {Gate: skill.Gate{Metric: 7}}, "MixedWeight NaN": {Gate: skill.Gate{MixedWeight: nan}}, "MixedWeight 2": {Gate: skill.Gate{MixedWeight: 2}},
		"MinDelta NaN": {Gate: skill.Gate{MinDelta: nan}}, "MinDelta Inf": {Gate: skill.Gate{MinDelta: inf}}, "MinDelta -1": {Gate: skill.Gate{MinDelta: -1}},
		"Test 9": {Gate: skill.Gate{Test: 9}}, "Level NaN": {Gate: skill.Gate{Level: nan}}, "Level 1": {Gate: skill.Gate{Level: 1}}, "Level -0.1": {Gate: skill.Gate{Level: -0.1}},
		"Resamples -1": {Gate: skill.Gate{Resamples: -1}}, "Resamples MaxInt": {Gate: skill.Gate{Resamples: math.MaxInt}}, "MaxLength -1": {Gate: skill.Gate{MaxLength: -1}},
		"Budget.Steps -1": {Budget: skill.Budget{Steps: -1}}, "Schedule Steps 0": {Budget: skill.Budget{Lines: sched(skill.Schedule{Max: 3})}},
		"Schedule Min > Max": {Budget: skill.Budget{Chars: sched(skill.Schedule{Max: 1, Min: 3, Steps: 2})}}, "Schedule Kind 9": {Budget: skill.Budget{Edits: sched(skill.Schedule{Kind: 9, Steps: 2})}},
		"Schedule Min -1":      {Budget: skill.Budget{Length: sched(skill.Schedule{Max: 3, Min: -1, Steps: 2})}},
		"Selector Ranked(nil)": {Selector: skill.Ranked(nil)},
	} {
		add("NewOptimizer "+name, skill.ErrInvalid, newOpt(cfg))
	}
	add("Apply zero document", skill.ErrInvalid, func() error {
		_, err := skill.Apply(skill.Document{}, []skill.Edit{{Op: skill.OpAppend, Content: "x"}})
		return err
	})
	add("Apply invalid UTF-8 content", skill.ErrInvalid, func() error {
		_, err := skill.Apply(doc, []skill.Edit{{Op: skill.OpAppend, Content: invalid}})
		return err
	})
	add("Apply unknown op", skill.ErrUnknownOp, func() error {
		_, err := skill.Apply(doc, []skill.Edit{{Op: skill.Op(invalid), Content: "x"}})
		return err
	})
	add("Apply huge missing target", skill.ErrAnchorMissing, func() error { _, err := skill.Apply(doc, []skill.Edit{{Op: skill.OpDelete, Target: huge}}); return err })
	add("Apply delete everything", skill.ErrInvalid, func() error {
		_, err := skill.Apply(doc, []skill.Edit{{Op: skill.OpDelete, Target: doc.Text()}})
		return err
	})
	add("ApplyLenient zero document", skill.ErrInvalid, func() error {
		_, _, err := skill.ApplyLenient(skill.Document{}, []skill.Edit{{Op: skill.OpAppend, Content: "x"}})
		return err
	})
	add("ApplyLenient invalid UTF-8", skill.ErrInvalid, func() error {
		_, _, err := skill.ApplyLenient(doc, []skill.Edit{{Op: skill.OpAppend, Content: invalid}})
		return err
	})
	for _, reply := range []string{"", "{", "[1]", `{"edits": 3}`, `{"edits": [], "x": 1}`, `{"patch": {}, "y": 2}`, `{"edits": [{"op": "zap"}]}`, "[] []", huge} {
		add("ParseProposal "+reply[:min(len(reply), 20)], skill.ErrInvalid, func() error { _, err := skill.ParseProposal([]byte(reply)); return err })
	}
	add("ParseProposal nil", skill.ErrInvalid, func() error { _, err := skill.ParseProposal(nil); return err })
	add("ReadAudit nil reader", skill.ErrInvalid, func() error { _, err := skill.ReadAudit(nil); return err })
	add("ReadAudit garbage", skill.ErrInvalid, func() error {
		_, err := skill.ReadAudit(strings.NewReader(`{"kind":"nope","decision":"x"}`))
		return err
	})
	add("ReadAudit unknown field", skill.ErrInvalid, func() error {
		_, err := skill.ReadAudit(strings.NewReader(`{"kind":"step","decision":"x","zz":1}`))
		return err
	})
	add("Within negative edits", skill.ErrInvalid, func() error { return skill.Within(doc, doc, -1, skill.Limits{}) })
	add("Within over budget", skill.ErrOverBudget, func() error { return skill.Within(doc, doc, math.MaxInt, skill.Limits{Edits: 3}) })
	add("Ranked(nil).Select", skill.ErrInvalid, func() error {
		_, err := skill.Ranked(nil).Select(doc, []skill.Edit{{}, {}}, skill.Limits{Edits: 1})
		return err
	})
	add("Greedy zero document", skill.ErrOverBudget, func() error {
		_, err := skill.Greedy{}.Select(skill.Document{}, []skill.Edit{{Op: skill.OpAppend, Content: "x"}}, skill.Limits{Edits: 1})
		return err
	})
	add("nil Replay", skill.ErrReplay, func() error {
		_, err := (*skill.Replay)(nil).Propose(context.Background(), skill.Request{})
		return err
	})
	add("nil Replay epoch", skill.ErrReplay, func() error {
		_, err := (*skill.Replay)(nil).EpochEnd(context.Background(), skill.EpochRequest{})
		return err
	})
	add("empty Replay", skill.ErrReplay, func() error {
		_, err := skill.NewReplay(nil).Propose(context.Background(), skill.Request{})
		return err
	})
	add("nil EvaluatorFunc", skill.ErrInvalid, func() error {
		_, err := skill.EvaluatorFunc(nil).Evaluate(context.Background(), doc, skill.SplitTrain, ids)
		return err
	})
	add("nil ProposerFunc", skill.ErrInvalid, func() error {
		_, err := skill.ProposerFunc(nil).Propose(context.Background(), skill.Request{})
		return err
	})
	add("nil EpochHookFunc", skill.ErrInvalid, func() error {
		_, err := skill.EpochHookFunc(nil).EpochEnd(context.Background(), skill.EpochRequest{})
		return err
	})
	add("WithEpochHook nil", skill.ErrInvalid, func() error {
		_, err := skill.WithEpochHook(nil, nil).(skill.EpochHook).EpochEnd(context.Background(), skill.EpochRequest{})
		return err
	})
	runAttacks(t, attacks)
	t.Logf("%d bad inputs to functions, constructors and value methods", len(attacks))

	// Total functions: extreme input gives a result in the documented range.
	for _, step := range []int{math.MinInt, -1, 0, 1, math.MaxInt} {
		for _, s := range []skill.Schedule{{Steps: 1}, {Kind: skill.ScheduleLinear, Max: math.MaxInt, Steps: math.MaxInt}, {Max: math.MaxInt, Min: 0, Steps: 3}, {Kind: 9}} {
			mx, mn := s.Max, s.Min
			if mx == 0 && mn == 0 {
				mx, mn = 4, 2
			}
			if v := s.At(step); v < mn || v > mx {
				t.Errorf("%+v.At(%d) = %d outside [%d, %d]", s, step, v, mn, mx)
			}
		}
		if l := (skill.Budget{Steps: math.MaxInt}).At(step); l.Edits < 2 || l.Edits > 4 || l.Lines != -1 {
			t.Errorf("Budget.At(%d) = %+v", step, l)
		}
	}
	_ = skill.Measure(skill.Document{}, doc, nil)
	_ = skill.Diff(doc, skill.Document{})
	_ = skill.Record{}.String()
	_ = skill.Buffer{{Rejected: []skill.Edit{{Op: skill.Op(invalid)}}}}.String()
	_ = skill.EpochRequest{Pairs: []skill.Pair{{Category: "?"}}}.Counts()
	_ = (&skill.EditError{}).Error()
	_ = skill.Result{Hard: nan}.Failed()
	_ = doc.Sections()
	big, err := skill.NewDocument(huge + "\n## Late\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := skill.Apply(big, []skill.Edit{{Op: skill.OpAppendSection, Target: "Late", Content: "- x"}}); err != nil || !strings.HasSuffix(got.Text(), "- x\n") {
		t.Fatalf("10 MB document: %v", err)
	}
}

// stateUnchanged returns a check that o's snapshot still equals its
// snapshot at the time of the call.
func stateUnchanged(t *testing.T, o *skill.Optimizer) func(string) {
	before, err := o.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) {
		t.Helper()
		after, err := o.Snapshot()
		if err != nil || !bytes.Equal(before, after) {
			t.Errorf("%s: a failed call changed the state (%v)", name, err)
		}
	}
}

// TestAttackOptimizerMethods sends bad input to every method of a running
// Optimizer, at every kind of task: each is refused with ErrInvalid or
// ErrProtocol (wrong-kind replies) and leaves the Snapshot bytes unchanged.
func TestAttackOptimizerMethods(t *testing.T) {
	attacked = 0
	o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 2, BatchSize: 40})
	ctx := context.Background()
	kinds := map[skill.TaskKind]int{}
	for n := 0; n < 400; n++ {
		task := o.NextAt(time.Unix(int64(n), 0))
		if task.Kind == skill.TaskDone {
			break
		}
		kinds[task.Kind]++
		if kinds[task.Kind] <= 3 {
			attackTask(t, o, task, b)
		}
		if err := o.Tell(answer(ctx, task, b, p)); err != nil {
			t.Fatal(err)
		}
	}
	if kinds[skill.TaskEvaluate] == 0 || kinds[skill.TaskPropose] == 0 || kinds[skill.TaskEpoch] == 0 {
		t.Fatalf("tasks seen: %v", kinds)
	}
	t.Logf("%d bad inputs to the methods of a running Optimizer, each checked against its Snapshot", attacked)
	// After the end.
	done := stateUnchanged(t, o)
	if err := o.Tell(skill.Reply{}); !errors.Is(err, skill.ErrProtocol) {
		t.Errorf("Tell after the end: %v", err)
	}
	done("Tell after the end")
}

var attacked int

func attackTask(t *testing.T, o *skill.Optimizer, task skill.Task, b *skillsim.Bench) {
	t.Helper()
	ctx := context.Background()
	unchanged := stateUnchanged(t, o)
	good, _ := b.Evaluate(ctx, task.Document, task.Split, task.IDs)
	results := func(f func([]skill.Result) []skill.Result) []skill.Result {
		rs := append([]skill.Result(nil), good...)
		if len(rs) == 0 {
			rs = []skill.Result{{ID: "x"}}
		}
		return f(rs)
	}
	set := func(f func(*skill.Result)) []skill.Result {
		return results(func(rs []skill.Result) []skill.Result { f(&rs[0]); return rs })
	}
	var replies []attack
	add := func(name string, want error, r skill.Reply) {
		replies = append(replies, attack{name, want, func() error { return o.Tell(r) }})
	}
	switch task.Kind {
	case skill.TaskEvaluate:
		for _, v := range []float64{nan, inf, -inf, -1, 1.5, 1e308, -math.SmallestNonzeroFloat64} {
			add("hard", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Hard = v })})
			add("cost", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Cost = -math.Abs(v) - 1 })})
		}
		for _, v := range []float64{nan, inf, -inf} {
			add("soft", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Soft = v })})
			add("cost", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Cost = v })})
		}
		add("nil results", skill.ErrInvalid, skill.Reply{})
		add("missing result", skill.ErrInvalid, skill.Reply{Results: results(func(rs []skill.Result) []skill.Result { return rs[1:] })})
		add("extra result", skill.ErrInvalid, skill.Reply{Results: results(func(rs []skill.Result) []skill.Result { return append(rs, rs[0]) })})
		add("duplicate id", skill.ErrInvalid, skill.Reply{Results: results(func(rs []skill.Result) []skill.Result {
			if len(rs) > 1 {
				rs[1].ID = rs[0].ID
			} else {
				rs[0].ID = "other"
			}
			return rs
		})})
		add("unrequested id", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.ID = invalid })})
		add("invalid UTF-8 trace", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Trace = invalid })})
		add("invalid UTF-8 failure", skill.ErrInvalid, skill.Reply{Results: set(func(r *skill.Result) { r.Failure = invalid })})
		add("proposal for an evaluation", skill.ErrProtocol, skill.Reply{Results: good, Proposal: skill.Proposal{Edits: []skill.Edit{}}})
		add("update for an evaluation", skill.ErrProtocol, skill.Reply{Results: good, Update: skill.EpochUpdate{Memory: "m"}})
	case skill.TaskPropose:
		add("results for a proposal", skill.ErrProtocol, skill.Reply{Results: good})
		add("empty results for a proposal", skill.ErrProtocol, skill.Reply{Results: []skill.Result{}})
		add("results and error for a proposal", skill.ErrProtocol, skill.Reply{Results: good, Err: errors.New("x")})
		add("update for a proposal", skill.ErrProtocol, skill.Reply{Update: skill.EpochUpdate{Guidance: "g"}})
		for _, c := range []float64{nan, inf, -1} {
			add("proposal cost", skill.ErrInvalid, skill.Reply{Proposal: skill.Proposal{Cost: c}})
		}
		add("invalid UTF-8 edit", skill.ErrInvalid, skill.Reply{Proposal: skill.Proposal{Edits: []skill.Edit{{Op: skill.OpAppend, Content: invalid}}}})
		add("invalid UTF-8 reasoning", skill.ErrInvalid, skill.Reply{Proposal: skill.Proposal{Reasoning: invalid}})
		add("invalid UTF-8 error", skill.ErrInvalid, skill.Reply{Err: errors.New(invalid)})
	case skill.TaskEpoch:
		add("results for an epoch update", skill.ErrProtocol, skill.Reply{Results: good})
		add("proposal for an epoch update", skill.ErrProtocol, skill.Reply{Proposal: skill.Proposal{Reasoning: "r"}})
		for _, c := range []float64{nan, inf, -1} {
			add("update cost", skill.ErrInvalid, skill.Reply{Update: skill.EpochUpdate{Cost: c}})
		}
		add("invalid UTF-8 guidance", skill.ErrInvalid, skill.Reply{Update: skill.EpochUpdate{Guidance: invalid}})
	}
	add("Restore nil", skill.ErrSnapshot, skill.Reply{}) // placeholder replaced below
	replies[len(replies)-1].call = func() error { return o.Restore(nil) }
	for _, data := range []string{"", "{", "null", `{"kind":"skill.Optimizer","version":1}`, `{"kind":"router.Pacer","version":2}`, huge} {
		replies = append(replies, attack{"Restore " + data[:min(20, len(data))], skill.ErrSnapshot, func() error { return o.Restore([]byte(data)) }})
	}
	if snap, err := o.Snapshot(); err == nil {
		for _, cut := range []int{1, len(snap) / 2, len(snap) - 1} {
			replies = append(replies, attack{"Restore truncated", skill.ErrSnapshot, func() error { return o.Restore(snap[:cut]) }})
		}
	}
	replies = append(replies,
		attack{"Run nil ctx", skill.ErrInvalid, func() error { var none context.Context; _, err := o.Run(none, b, skill.NewReplay(nil)); return err }},
		attack{"Run nil evaluator", skill.ErrInvalid, func() error { _, err := o.Run(ctx, nil, skill.NewReplay(nil)); return err }},
		attack{"Run nil proposer", skill.ErrInvalid, func() error { _, err := o.Run(ctx, b, nil); return err }},
		attack{"Run nil EvaluatorFunc", skill.ErrInvalid, func() error { _, err := o.Run(ctx, skill.EvaluatorFunc(nil), skill.NewReplay(nil)); return err }},
		attack{"Run nil ProposerFunc", skill.ErrInvalid, func() error { _, err := o.Run(ctx, b, skill.ProposerFunc(nil)); return err }},
		attack{"WriteAudit nil", skill.ErrInvalid, func() error { return o.WriteAudit(nil) }},
	)
	attacked += len(replies)
	for _, a := range replies {
		err := a.call()
		if !errors.Is(err, a.want) {
			t.Errorf("%v task, %s: err = %v, want %v", task.Kind, a.name, err, a.want)
		}
		unchanged(task.Kind.String() + ": " + a.name)
		if again := o.NextAt(time.Time{}); again.Kind != task.Kind || again.Purpose != task.Purpose {
			t.Fatalf("%s: the pending task changed", a.name)
		}
	}
}

// Issue 14: an Evaluator reporting per-item costs and soft scores of ±1e308
// (finite, so accepted) never makes the run unsnapshottable: sums saturate
// or are scaled, and every reported float stays finite.
func TestHugeFiniteValuesKeepTheRunSnapshottable(t *testing.T) {
	gates := []skill.Gate{{Metric: skill.MetricSoft}, {Metric: skill.MetricMixed}, {Metric: skill.MetricSoft, Test: skill.TestBootstrap}, {Metric: skill.MetricSoft, Test: skill.TestSign}}
	if testing.Short() {
		gates = gates[2:]
	}
	for _, g := range gates {
		o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 2, Gate: g})
		huge := skill.EvaluatorFunc(func(ctx context.Context, doc skill.Document, split skill.Split, ids []string) ([]skill.Result, error) {
			rs, err := b.Evaluate(ctx, doc, split, ids)
			for i := range rs {
				rs[i].Cost = 1e308
				rs[i].Soft = 1e308
				if i%3 == 0 && len(doc.Text())%2 == 0 {
					rs[i].Soft = -1e308
				}
			}
			return rs, err
		})
		out, err := o.Run(context.Background(), huge, p)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]float64{"Cost": out.Cost, "BestScore": out.BestScore, "CurrentScore": out.CurrentScore, "Baseline": out.Baseline} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%v: Summary.%s = %v", g, name, v)
			}
		}
		if out.Cost != math.MaxFloat64 {
			t.Fatalf("cost %v, want saturation at MaxFloat64", out.Cost)
		}
		snap, err := o.Snapshot()
		if err != nil {
			t.Fatalf("%v: Snapshot: %v", g, err)
		}
		if err := o.WriteAudit(new(bytes.Buffer)); err != nil {
			t.Fatalf("%v: WriteAudit: %v", g, err)
		}
		o2, _, _ := newRun(t, skill.OptimizerConfig{Epochs: 2, Gate: g})
		if err := o2.Restore(snap); err != nil {
			t.Fatalf("%v: the run's own snapshot is refused: %v", g, err)
		}
	}
}

// Issue 14: Restore refuses out-of-domain fields with ErrSnapshot (a
// negative score among them) and keeps the state.
func TestRestoreRefusesOutOfDomainState(t *testing.T) {
	o, b, p := newRun(t, fuzzCfg)
	ctx := context.Background()
	for range 12 {
		if err := o.Tell(answer(ctx, o.Next(), b, p)); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := o.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(st map[string]any){
		"negative current score": func(st map[string]any) { st["cur_score"].(map[string]any)["hard"] = -0.5 },
		"best score above 1":     func(st map[string]any) { st["best_score"].(map[string]any)["hard"] = 1.5 },
		"negative item score":    func(st map[string]any) { st["best_score"].(map[string]any)["items"].([]any)[0] = -1 },
		"item count":             func(st map[string]any) { st["best_score"].(map[string]any)["items"] = []any{1} },
		"huge soft":              func(st map[string]any) { st["cur_score"].(map[string]any)["soft"] = "1e999" },
		"baseline 2":             func(st map[string]any) { st["baseline"] = 2 },
		"negative cost":          func(st map[string]any) { st["cost"] = -1 },
		"negative units":         func(st map[string]any) { st["eval_units"] = -40 },
		"negative calls":         func(st map[string]any) { st["proposer_calls"] = -1 },
		"negative elapsed":       func(st map[string]any) { st["elapsed"] = -5 },
		"step mismatch":          func(st map[string]any) { st["step"] = st["step"].(float64) + 1 },
		"best step ahead":        func(st map[string]any) { st["best_step"] = 99 },
		"unknown stop":           func(st map[string]any) { st["stop"] = "gone" },
		"stop while running":     func(st map[string]any) { st["stop"] = "done" },
		"error without failure":  func(st map[string]any) { st["err"] = "x" },
		"cache key":              func(st map[string]any) { st["cache"].(map[string]any)["zz"] = map[string]any{"hard": 0, "soft": 0} },
		"cache score": func(st map[string]any) {
			st["cache"].(map[string]any)[strings.Repeat("a", 64)] = map[string]any{"hard": -1, "soft": 0}
		},
		"buffer counts": func(st map[string]any) {
			st["buffer"] = []any{map[string]any{"step": 1, "decision": "reject", "failed": 5, "total": 2}}
		},
		"buffer decision": func(st map[string]any) {
			st["buffer"] = []any{map[string]any{"step": 1, "decision": "maybe", "failed": 0, "total": 2}}
		},
		"record kind": func(st map[string]any) { st["records"].([]any)[0].(map[string]any)["kind"] = "x" },
		"order":       func(st map[string]any) { st["order"] = []any{0, 0} },
		"phase":       func(st map[string]any) { st["phase"] = 42 },
		"rng":         func(st map[string]any) { st["rng"] = "AAAA" },
		"document":    func(st map[string]any) { st["current"] = "<!-- SLOW_UPDATE_START -->" },
	}
	for name, mutate := range mutations {
		var env map[string]any
		if err := json.Unmarshal(snap, &env); err != nil {
			t.Fatal(err)
		}
		mutate(env["state"].(map[string]any))
		data, _ := json.Marshal(env)
		data = bytes.ReplaceAll(data, []byte(`"1e999"`), []byte(`1e999`))
		o2, _, _ := newRun(t, fuzzCfg)
		unchanged := stateUnchanged(t, o2)
		if err := o2.Restore(data); !errors.Is(err, skill.ErrSnapshot) {
			t.Errorf("%s: Restore = %v, want ErrSnapshot", name, err)
		}
		unchanged(name)
	}
	// Wrong kind, version and configuration.
	for name, edit := range map[string]func(env map[string]any){
		"kind":    func(env map[string]any) { env["kind"] = "router.Pacer" },
		"version": func(env map[string]any) { env["version"] = 1 },
		"config":  func(env map[string]any) { env["config"].(map[string]any)["validation"] = []any{"v"} },
	} {
		var env map[string]any
		_ = json.Unmarshal(snap, &env)
		edit(env)
		data, _ := json.Marshal(env)
		o2, _, _ := newRun(t, fuzzCfg)
		if err := o2.Restore(data); !errors.Is(err, skill.ErrSnapshot) {
			t.Errorf("%s: Restore = %v", name, err)
		}
	}
}

// Extreme but valid configurations run to the end without panicking,
// overflowing or hanging.
func TestExtremeValidConfigurations(t *testing.T) {
	for name, cfg := range map[string]skill.OptimizerConfig{
		"BatchSize MaxInt":   {Epochs: 2, BatchSize: math.MaxInt},
		"PerCall MaxInt":     {Epochs: 1, PerCall: math.MaxInt},
		"SlowSamples MaxInt": {Epochs: 2, SlowSamples: math.MaxInt},
		"budgets MaxInt":     {Epochs: 1, MaxEvalUnits: math.MaxInt, MaxProposerCalls: math.MaxInt, MaxCost: math.MaxFloat64, MaxWall: math.MaxInt64},
		"MaxLength MaxInt":   {Epochs: 1, Gate: skill.Gate{MaxLength: math.MaxInt, MinDelta: 1e308}},
		"Retries max":        {Epochs: 1, Retries: skill.MaxRetries, BufferCapacity: math.MaxInt},
		"Budget.Steps MaxInt": {Epochs: 1, Budget: skill.Budget{Steps: math.MaxInt,
			Lines: &skill.Schedule{Max: math.MaxInt, Steps: math.MaxInt}}},
	} {
		o, b, p := newRun(t, cfg)
		out, err := o.Run(context.Background(), b, p)
		if err != nil || out.Stop != skill.StopDone {
			t.Errorf("%s: %v, stop %v", name, err, out.Stop)
		}
	}
}

// Issue 14 (aliasing): changing what a task hands out — its ids, the
// rollouts, the retry — changes neither the run nor its snapshot.
func TestTasksShareNothingMutable(t *testing.T) {
	o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 1})
	ctx := context.Background()
	for n := 0; n < 200; n++ {
		task := o.NextAt(time.Time{})
		if task.Kind == skill.TaskDone {
			return
		}
		unchanged := stateUnchanged(t, o)
		for i := range task.IDs {
			task.IDs[i] = "changed"
		}
		for i := range task.Request.Rollouts {
			task.Request.Rollouts[i].Hard = -7
		}
		if r := task.Request.Retry; r != nil {
			for i := range r.Errors {
				r.Errors[i] = "changed"
			}
			for i := range r.Previous.Edits {
				r.Previous.Edits[i].Content = "changed"
			}
		}
		unchanged("changing a task")
		task = o.NextAt(time.Time{})
		if err := o.Tell(answer(ctx, task, b, p)); err != nil {
			t.Fatal(err)
		}
	}
}
