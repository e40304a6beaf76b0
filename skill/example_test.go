package skill_test

import (
	"errors"
	"fmt"

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
