package skill_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/budgetkit/budgetkit/skill"
)

// BenchmarkLoopStep measures the loop's own work per step — planning the
// calls, checking proposals, merging, selecting, applying, sizing and
// diffing the change, gating, the buffer and the audit record — with an
// evaluator and a proposer that answer instantly from precomputed values.
// The target is ≤ 100 µs per step.
func BenchmarkLoopStep(b *testing.B) {
	const steps, batch, val = 64, 40, 40
	train := make([]string, steps*batch)
	for i := range train {
		train[i] = fmt.Sprintf("t%05d", i)
	}
	valIDs := make([]string, val)
	for i := range valIDs {
		valIDs[i] = fmt.Sprintf("v%03d", i)
	}
	// Precomputed answers: a quarter of the items fail; the validation
	// score rises with the document's length, so most steps are accepted.
	results := map[string]skill.Result{}
	for i, id := range append(append([]string(nil), train...), valIDs...) {
		r := skill.Result{ID: id, Hard: 1, Soft: 1}
		if i%4 == 0 {
			r = skill.Result{ID: id, Failure: "units: wrong unit"}
		}
		results[id] = r
	}
	buf := make([]skill.Result, 0, batch)
	ev := skill.EvaluatorFunc(func(_ context.Context, doc skill.Document, split skill.Split, ids []string) ([]skill.Result, error) {
		buf = buf[:0]
		for i, id := range ids {
			r := results[id]
			if split == skill.SplitValidation && i < len(doc.Text())/60 {
				r.Hard = 1
			}
			buf = append(buf, r)
		}
		return buf, nil
	})
	proposals := make([]skill.Proposal, steps*8)
	for i := range proposals {
		proposals[i] = skill.Proposal{Edits: []skill.Edit{{Op: skill.OpAppendSection, Target: "Rules", Content: fmt.Sprintf("- Rule %d: state units.", i)}}}
	}
	var n int
	p := skill.ProposerFunc(func(context.Context, skill.Request) (skill.Proposal, error) {
		n++
		return proposals[n%len(proposals)], nil
	})
	doc, err := skill.NewDocument("# Skill\n\n## Rules\n- Answer the question.\n\n## Procedures\n1. Read.\n2. Answer.\n")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += steps {
		o, err := skill.NewOptimizer(doc, train, valIDs, skill.OptimizerConfig{Epochs: 1, SlowUpdate: skill.SlowOff})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := o.Run(ctx, ev, p); err != nil {
			b.Fatal(err)
		}
	}
}
