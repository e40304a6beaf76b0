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
	o, err := skill.New(doc, train, validation, skill.Config{
		Epochs: 1, BatchSize: 3, PerCall: 3,
		SlowUpdate:   skill.SlowOff, // the toy proposer has no epoch hook
		MaxEvalUnits: 1000,          // a hard budget
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
	o, _ := skill.New(doc, []string{"t1", "t2"}, []string{"v1", "v2"}, skill.Config{Epochs: 1, SlowUpdate: skill.SlowOff})
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
			fmt.Println("done:", t.Stop, o.Outcome().BestScore)
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
