package skill_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

// fuzzCfg keeps snapshots small (small batches, few rollouts per call) so
// the fuzzer mutates them quickly.
var fuzzCfg = skill.OptimizerConfig{Epochs: 2, BatchSize: 6, PerCall: 3}

// FuzzRestore feeds arbitrary snapshots to Restore: it must refuse them
// without changing the state, or accept them and keep running without
// panicking.
func FuzzRestore(f *testing.F) {
	o, b, p := newRun(f, fuzzCfg)
	ctx := context.Background()
	for n := 0; n < 40; n++ {
		if n%6 == 0 {
			snap, err := o.Snapshot()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(snap)
		}
		task := o.Next()
		if task.Kind == skill.TaskDone {
			break
		}
		if err := o.Tell(answer(ctx, task, b, p)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"kind":"skill.Optimizer","version":2,"config":{},"state":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, b, p := newRun(t, fuzzCfg)
		before, _ := o.Snapshot()
		if err := o.Restore(data); err != nil {
			after, _ := o.Snapshot()
			if !bytes.Equal(before, after) {
				t.Fatal("a refused snapshot changed the state")
			}
			return
		}
		keepRunning(ctx, o, b, p, 60)
	})
}

// keepRunning answers up to n tasks of o, turning refused replies into
// failures, as Run does.
func keepRunning(ctx context.Context, o *skill.Optimizer, b *skillsim.Bench, p *skillsim.Proposer, n int) {
	for range n {
		task := o.Next()
		if task.Kind == skill.TaskDone {
			return
		}
		if err := o.Tell(answer(ctx, task, b, p)); err != nil {
			_ = o.Tell(skill.Reply{Err: err})
		}
	}
}

// FuzzReadAudit parses arbitrary JSON Lines as an audit trail and replays
// what parses.
func FuzzReadAudit(f *testing.F) {
	o, b, p := newRun(f, skill.OptimizerConfig{Epochs: 2})
	if _, err := o.Run(context.Background(), b, p); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := o.WriteAudit(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"kind":"step","decision":"reject","eval_units":1,"proposer_calls":2}` + "\n"))
	f.Add([]byte("{\"kind\":\"what\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := skill.ReadAudit(bytes.NewReader(data))
		if err != nil {
			return
		}
		o, b, _ := newRun(t, skill.OptimizerConfig{Epochs: 1})
		_, _ = o.Run(context.Background(), b, skill.NewReplay(recs))
	})
}

// FuzzTell answers tasks with arbitrary scores and costs: bad numbers are
// refused, and the best document always stays one the gate scored.
func FuzzTell(f *testing.F) {
	f.Add(0.5, 0.5, 0.0, uint8(3))
	f.Add(math.NaN(), 0.0, 0.0, uint8(0))
	f.Add(1.0, math.Inf(-1), -1.0, uint8(9))
	f.Fuzz(func(t *testing.T, hard, soft, cost float64, every uint8) {
		o, b, p := newRun(t, skill.OptimizerConfig{Epochs: 1, SlowUpdate: skill.SlowOff})
		ctx := context.Background()
		for n := 0; n < 200; n++ {
			task := o.Next()
			var r skill.Reply
			switch task.Kind {
			case skill.TaskDone:
				return
			case skill.TaskEvaluate:
				r.Results, _ = b.Evaluate(ctx, task.Document, task.Split, task.IDs)
				if every > 0 && n%int(every) == 0 && len(r.Results) > 0 {
					r.Results[0].Hard, r.Results[0].Soft, r.Results[0].Cost = hard, soft, cost
				}
			case skill.TaskPropose:
				r.Proposal, r.Err = p.Propose(ctx, task.Request)
				r.Proposal.Cost = math.Abs(cost)
			}
			if err := o.Tell(r); err != nil {
				if err := o.Tell(skill.Reply{Err: err}); err != nil {
					t.Fatal(err)
				}
			}
			out := o.Summary()
			if math.IsNaN(out.BestScore) || math.IsNaN(out.Cost) {
				t.Fatalf("NaN reached the outcome: %+v", out)
			}
		}
	})
}

// TestRestoreMutatedState restores snapshots whose state fields were
// changed one at a time to out-of-range values: each is refused or runs on
// without panicking.
func TestRestoreMutatedState(t *testing.T) {
	o, b, p := newRun(t, fuzzCfg)
	ctx := context.Background()
	var snaps [][]byte
	for n := 0; n < 60; n++ {
		if n%5 == 0 {
			s, err := o.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			snaps = append(snaps, s)
		}
		if task := o.Next(); task.Kind != skill.TaskDone {
			if err := o.Tell(answer(ctx, task, b, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if testing.Short() {
		snaps = snaps[len(snaps)-4:]
	}
	values := []any{-1, 0, 1, 2, 3, 5, 9, 11, 12, 13, 40, nil, "x", []any{}, map[string]any{}}
	fields := []string{"phase", "epoch", "step_in_epoch", "step", "order", "scratch", "slow", "cache", "eval_units", "best_step", "stop"}
	for _, snap := range snaps {
		var env map[string]any
		if err := json.Unmarshal(snap, &env); err != nil {
			t.Fatal(err)
		}
		state := env["state"].(map[string]any)
		for _, f := range fields {
			for _, v := range values {
				old, had := state[f]
				state[f] = v
				data, _ := json.Marshal(env)
				if had {
					state[f] = old
				} else {
					delete(state, f)
				}
				o2, b2, p2 := newRun(t, fuzzCfg)
				if o2.Restore(data) != nil {
					continue
				}
				keepRunning(ctx, o2, b2, p2, 30)
			}
		}
	}
}
