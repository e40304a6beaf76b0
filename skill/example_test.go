package skill_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/budgetkit/budgetkit/skill"
)

func ExampleApply() {
	doc, _ := skill.NewDocument("## Rules\n- Cite sources.\n- Be brief.\n")
	p, _ := skill.ParseProposal([]byte(`{"patch": {"reasoning": "answers lacked units",
		"edits": [{"op": "insert_after", "target": "- Be brief.", "content": "- State units."}]}}`))
	out, err := skill.Apply(doc, p.Edits)
	fmt.Print(out.Text(), err, "\n")

	// A target that is not in the document: nothing is applied.
	_, err = skill.Apply(doc, []skill.Edit{{Op: skill.OpReplace, Target: "- Be brif.", Content: "- Be concise."}})
	fmt.Println(errors.Is(err, skill.ErrAnchorMissing), err)
	// Output:
	// ## Rules
	// - Cite sources.
	// - Be brief.
	// - State units.
	// <nil>
	// true edit 0: skill: target not found (nearest line: "- Be brief.")
}

// rules are the hidden rules of a toy benchmark: an item succeeds iff the
// skill states its topic's rule.
var rules = map[string]string{"units": "- State units.", "dates": "- Write dates as YYYY-MM-DD."}

func topic(id string) string {
	if id[len(id)-1]%2 == 0 {
		return "dates"
	}
	return "units"
}

// agent is a toy Evaluator.
var agent = skill.EvaluatorFunc(func(_ context.Context, doc skill.Document, _ skill.Split, ids []string) ([]skill.Result, error) {
	out := make([]skill.Result, len(ids))
	for i, id := range ids {
		out[i] = skill.Result{ID: id, Failure: topic(id) + ": convention broken"}
		if strings.Contains(doc.Text(), rules[topic(id)]) {
			out[i] = skill.Result{ID: id, Hard: 1, Soft: 1}
		}
	}
	return out, nil
})

// optimizerModel is a toy Proposer: it proposes the rule of each failure's
// topic.
var optimizerModel = skill.ProposerFunc(func(_ context.Context, req skill.Request) (skill.Proposal, error) {
	var p skill.Proposal
	seen := map[string]bool{}
	for _, r := range req.Rollouts {
		t, _, _ := strings.Cut(r.Failure, ":")
		if r.Failed() && !seen[t] {
			seen[t] = true
			p.Edits = append(p.Edits, skill.Edit{Op: skill.OpAppendSection, Target: "Rules", Content: rules[t]})
		}
	}
	return p, nil
})

func ExampleOptimizer_Run() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	train := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
	validation := []string{"v1", "v2", "v3", "v4"}
	o, err := skill.NewOptimizer(doc, train, validation, skill.OptimizerConfig{
		Epochs: 1, BatchSize: 3, PerCall: 3,
		MaxEvalUnits: 1000, // a hard budget
	})
	if err != nil {
		panic(err)
	}
	out, err := o.Run(context.Background(), agent, optimizerModel)
	if err != nil {
		panic(err)
	}
	for r := range o.Records() {
		fmt.Printf("%s %d: %s %.2f\n", r.Kind, r.Step, r.Decision, r.ScoreAfter)
	}
	fmt.Printf("stop %s, best %.2f after %d evaluation units\n%s", out.Stop, out.BestScore, out.EvalUnits, out.Best.Text())
	// Output:
	// baseline 0: baseline 0.00
	// step 1: accept_new_best 1.00
	// step 2: no_edits 0.00
	// final 2: keep 0.00
	// stop done, best 1.00 after 14 evaluation units
	// # Skill
	//
	// ## Rules
	// - Answer the question.
	// - State units.
	// - Write dates as YYYY-MM-DD.
}

// The ask/tell form: the caller owns every call to the agent and the
// optimizer model, and can snapshot between any two of them.
func ExampleOptimizer_Next() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	o, _ := skill.NewOptimizer(doc, []string{"t1", "t2"}, []string{"v1", "v2"}, skill.OptimizerConfig{Epochs: 1, SlowUpdate: skill.SlowOff})
	ctx := context.Background()
	for {
		t := o.Next()
		var r skill.Reply
		switch t.Kind {
		case skill.TaskEvaluate:
			fmt.Println("evaluate for", t.Purpose, t.IDs)
			r.Results, r.Err = agent.Evaluate(ctx, t.Document, t.Split, t.IDs)
		case skill.TaskPropose:
			fmt.Println("propose: step", t.Request.Step, "call", t.Request.Call, "limit", t.Request.Limits.Edits, "edits")
			r.Proposal, r.Err = optimizerModel.Propose(ctx, t.Request)
		case skill.TaskDone:
			fmt.Println("done:", t.Stop, o.Summary().BestScore)
			return
		}
		if err := o.Tell(r); err != nil {
			panic(err)
		}
	}
	// Output:
	// evaluate for baseline [v1 v2]
	// evaluate for rollout [t1 t2]
	// propose: step 1 call 0 limit 2 edits
	// evaluate for candidate [v1 v2]
	// done: done 1
}

func ExampleBuffer_String() {
	b := skill.Buffer{{
		Step: 3, Decision: skill.DecisionReject, Failed: 2, Total: 8,
		Patterns:    []skill.FailurePattern{{Pattern: "units", Count: 2, IDs: []string{"t4", "t7"}}},
		ScoreBefore: 0.5, ScoreAfter: 0.25,
		Rejected: []skill.Edit{{Op: skill.OpAppend, Content: "- Be fast."}},
	}}
	fmt.Println(b)
	// Output:
	// Below is a summary of previous steps in this epoch. Use it to avoid repeating ineffective edits and to prioritise failure patterns that remain unsolved.
	//
	// ### Step 3 — REJECT (2/8 failed)
	//   - "units" (×2, tasks: t4, t7)
	//   Rejected edits (score 0.5 → 0.25):
	//     1. [append] "- Be fast."
}

func ExampleDocument() {
	doc, err := skill.NewDocument("# Skill\n\n## Rules\n- Cite sources.\n\n<!-- SLOW_UPDATE_START -->\n- Check units.\n<!-- SLOW_UPDATE_END -->\n")
	if err != nil {
		panic(err)
	}
	for _, s := range doc.Sections() {
		fmt.Printf("%d %q at %v\n", s.Level, s.Title, s.Span)
	}
	fmt.Println("protected:", doc.Protected(), "hash:", doc.Hash()[:12])
	_, err = skill.NewDocument("<!-- SLOW_UPDATE_START -->\nunbalanced\n")
	fmt.Println(errors.Is(err, skill.ErrInvalid))
	// Output:
	// 1 "Skill" at {0 102}
	// 2 "Rules" at {9 102}
	// protected: [{35 101}] hash: 706b38fefeba
	// true
}

func ExampleReadAudit() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	o, _ := skill.NewOptimizer(doc, []string{"t1", "t2"}, []string{"v1", "v2"}, skill.OptimizerConfig{Epochs: 1})
	if _, err := o.Run(context.Background(), agent, optimizerModel); err != nil {
		panic(err)
	}
	var trail strings.Builder
	if err := o.WriteAudit(&trail); err != nil {
		panic(err)
	}
	records, err := skill.ReadAudit(strings.NewReader(trail.String()))
	if err != nil {
		panic(err)
	}
	for _, r := range records {
		fmt.Printf("%s step %d: %s, score %.2f → %.2f, %d edit(s) applied\n", r.Kind, r.Step, r.Decision, r.ScoreBefore, r.ScoreAfter, len(r.Applied))
	}
	// Output:
	// baseline step 0: baseline, score 0.00 → 0.00, 0 edit(s) applied
	// step step 1: accept_new_best, score 0.00 → 1.00, 2 edit(s) applied
	// final step 1: keep, score 0.00 → 0.00, 0 edit(s) applied
}

// A recorded run replays bit for bit: NewReplay answers the proposer
// calls from the audit trail.
func ExampleNewReplay() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	cfg := skill.OptimizerConfig{Epochs: 2, BatchSize: 3, PerCall: 3}
	train, validation := []string{"t1", "t2", "t3", "t4", "t5", "t6"}, []string{"v1", "v2", "v3", "v4"}
	o, _ := skill.NewOptimizer(doc, train, validation, cfg)
	first, _ := o.Run(context.Background(), agent, optimizerModel)
	var recs []skill.Record
	for r := range o.Records() {
		recs = append(recs, r)
	}
	again, _ := skill.NewOptimizer(doc, train, validation, cfg)
	second, err := again.Run(context.Background(), agent, skill.NewReplay(recs))
	fmt.Println(err, first.Best.Hash() == second.Best.Hash(), first.ProposerCalls == second.ProposerCalls)
	// Output:
	// <nil> true true
}

func ExampleSchedule() {
	s := skill.Schedule{Steps: 8} // the reference's cosine from 4 to 2 edits
	lin := skill.Schedule{Kind: skill.ScheduleLinear, Max: 6, Min: 1, Steps: 5}
	var cos, linear []int
	for step := range 8 {
		cos = append(cos, s.At(step))
	}
	for step := range 5 {
		linear = append(linear, lin.At(step))
	}
	fmt.Println(s.Kind, cos)
	fmt.Println(lin.Kind, linear)
	// Output:
	// cosine [4 4 3 3 3 2 2 2]
	// linear [5 4 3 2 1]
}

func ExampleWithin() {
	before, _ := skill.NewDocument("## Rules\n- Cite sources.\n")
	after, _ := skill.Apply(before, []skill.Edit{{Op: skill.OpAppend, Content: "- Be brief.\n- State units."}})
	fmt.Printf("%+v\n", skill.Measure(before, after, nil))
	err := skill.Within(before, after, 1, skill.Limits{Edits: 1, Lines: 1, Chars: -1, Length: -1})
	fmt.Println(errors.Is(err, skill.ErrOverBudget), err)
	// Output:
	// {LinesAdded:2 LinesRemoved:0 CharsAdded:27 CharsRemoved:0 Tokens:0}
	// true skill: change exceeds the step's budget: 2 lines changed, limit 1
}

func ExampleGreedy() {
	doc, _ := skill.NewDocument("## Rules\n- Cite sources.\n- Be brief.\n")
	edits := []skill.Edit{
		{Op: skill.OpReplace, Target: "- Be brief.", Content: "- Be brief: at most three sentences, each under twenty words."},
		{Op: skill.OpInsertAfter, Target: "- Cite sources.", Content: "- State units."},
		{Op: skill.OpDelete, Target: "- Missing rule."},
	}
	lim := skill.Limits{Edits: 2, Lines: -1, Chars: 40, Length: -1}
	kept, err := skill.Greedy{}.Select(doc, edits, lim)
	fmt.Println(kept, err)
	first, _ := skill.FirstK{}.Select(doc, edits, lim)
	fmt.Println(len(first))
	// Output:
	// [{insert_after - Cite sources. - State units.}] <nil>
	// 2
}

func ExampleParseProposal() {
	reply := "Here is my patch:\n```json\n" + `{"patch": {"reasoning": "dates were ambiguous", "edits": [
		{"op": "append_section", "target": "Rules", "content": "- Write dates as YYYY-MM-DD."}]}}` + "\n```\n"
	p, err := skill.ParseProposal([]byte(reply))
	fmt.Println(p.Reasoning, p.Edits, err)
	_, err = skill.ParseProposal([]byte(`{"edits": [{"op": "rewrite", "content": "x"}]}`))
	fmt.Println(errors.Is(err, skill.ErrUnknownOp))
	// Output:
	// dates were ambiguous [{append_section Rules - Write dates as YYYY-MM-DD.}] <nil>
	// true
}

func ExampleApplyLenient() {
	doc, _ := skill.NewDocument("## Rules\n- Be brief.\n- Be brief.\n")
	out, res, err := skill.ApplyLenient(doc, []skill.Edit{
		{Op: skill.OpReplace, Target: "- Be brief.", Content: "- Be concise."}, // first occurrence only
		{Op: skill.OpDelete, Target: "- Missing."},                             // skipped silently
		{Op: skill.OpInsertAfter, Target: "- Missing.", Content: "- Cite."},    // falls back to append
	})
	fmt.Printf("%q %+v %v\n", out.Text(), res, err)
	// Output:
	// "## Rules\n- Be concise.\n- Be brief.\n- Cite." {Applied:[0] Skipped:[1] Appended:[2]} <nil>
}

// Snapshot and Restore resume a run exactly, in another process if need be.
func ExampleOptimizer_Snapshot() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	train, validation := []string{"t1", "t2", "t3", "t4"}, []string{"v1", "v2"}
	cfg := skill.OptimizerConfig{Epochs: 1, BatchSize: 2}
	o, _ := skill.NewOptimizer(doc, train, validation, cfg)
	ctx := context.Background()
	for range 3 { // the baseline, the first rollouts and the first proposal
		t := o.Next()
		r := skill.Reply{}
		switch t.Kind {
		case skill.TaskEvaluate:
			r.Results, r.Err = agent.Evaluate(ctx, t.Document, t.Split, t.IDs)
		case skill.TaskPropose:
			r.Proposal, r.Err = optimizerModel.Propose(ctx, t.Request)
		}
		if err := o.Tell(r); err != nil {
			panic(err)
		}
	}
	snap, _ := o.Snapshot()
	resumed, _ := skill.NewOptimizer(doc, train, validation, cfg)
	if err := resumed.Restore(snap); err != nil {
		panic(err)
	}
	t := resumed.Next()
	fmt.Println(t.Kind, t.Purpose, t.Step)
	out, err := resumed.Run(ctx, agent, optimizerModel)
	fmt.Println(out.Stop, out.BestScore, err)
	// Output:
	// evaluate candidate 1
	// done 1 <nil>
}

func ExampleWithEpochHook() {
	doc, _ := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n")
	slow := skill.EpochHookFunc(func(_ context.Context, req skill.EpochRequest) (skill.EpochUpdate, error) {
		c := req.Counts()
		return skill.EpochUpdate{Guidance: fmt.Sprintf("- %d items regressed last epoch: re-read the rules.", c[skill.Regressed]), Memory: "prefer short rules"}, nil
	})
	o, _ := skill.NewOptimizer(doc, []string{"t1", "t2"}, []string{"v1", "v2"}, skill.OptimizerConfig{Epochs: 2, SlowUpdate: skill.SlowForce})
	out, err := o.Run(context.Background(), agent, skill.WithEpochHook(optimizerModel, slow))
	fmt.Println(err, o.Memory())
	fmt.Print(out.Current.Text())
	// Output:
	// <nil> prefer short rules
	// # Skill
	//
	// ## Rules
	// - Answer the question.
	// - State units.
	// - Write dates as YYYY-MM-DD.
	//
	// <!-- SLOW_UPDATE_START -->
	// - 0 items regressed last epoch: re-read the rules.
	// <!-- SLOW_UPDATE_END -->
}
