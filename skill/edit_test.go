package skill

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const skillDoc = `# Skill

## Rules
- Always cite the source.
- Prefer short answers.

## Procedures
1. Read the question.
2. Answer.

<!-- SLOW_UPDATE_START -->
Guidance from the last epoch.
<!-- SLOW_UPDATE_END -->
`

func skillMust(t testing.TB, text string) Document {
	t.Helper()
	d, err := NewDocument(text)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestApplyOps(t *testing.T) {
	doc := skillMust(t, skillDoc)
	cases := []struct {
		name string
		edit Edit
		want string // the edited document
	}{
		{"append", Edit{Op: OpAppend, Content: "## Notes\nBe kind."}, skillDoc + "## Notes\nBe kind.\n"},
		{"insert_after", Edit{Op: OpInsertAfter, Target: "- Prefer short answers.", Content: "- Show units."},
			strings.Replace(skillDoc, "- Prefer short answers.", "- Prefer short answers.\n- Show units.", 1)},
		{"insert_before", Edit{Op: OpInsertBefore, Target: "- Always cite", Content: "- Think first."},
			strings.Replace(skillDoc, "- Always cite", "- Think first.\n- Always cite", 1)},
		{"replace", Edit{Op: OpReplace, Target: "Prefer short answers.", Content: "Prefer complete answers."},
			strings.Replace(skillDoc, "Prefer short answers.", "Prefer complete answers.", 1)},
		{"delete", Edit{Op: OpDelete, Target: "2. Answer.\n"}, strings.Replace(skillDoc, "2. Answer.\n", "", 1)},
		{"append_section", Edit{Op: OpAppendSection, Target: "Rules", Content: "- Check arithmetic.\n"},
			strings.Replace(skillDoc, "- Prefer short answers.\n\n", "- Prefer short answers.\n- Check arithmetic.\n\n", 1)},
	}
	for _, c := range cases {
		got, err := Apply(doc, []Edit{c.edit})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if diff := cmp.Diff(c.want, got.Text()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
		// Reverting restores the document.
		if r := revert(c.edit); r != nil {
			back, err := Apply(got, r)
			if err != nil || back.Text() != doc.Text() {
				t.Errorf("%s: revert gave %v\n%s", c.name, err, back.Text())
			}
		}
	}
}

// revert builds the edit that undoes e on the edited document (for the ops
// where that is a single edit).
func revert(e Edit) []Edit {
	switch e.Op {
	case OpInsertAfter:
		return []Edit{{Op: OpDelete, Target: "\n" + e.Content}}
	case OpInsertBefore:
		return []Edit{{Op: OpDelete, Target: e.Content + "\n"}}
	case OpReplace:
		return []Edit{{Op: OpReplace, Target: e.Content, Content: e.Target}}
	case OpAppend, OpAppendSection:
		return []Edit{{Op: OpDelete, Target: strings.TrimSuffix(e.Content, "\n") + "\n"}}
	case OpDelete: // the table deletes "2. Answer.\n" after "1. Read the question."
		return []Edit{{Op: OpInsertAfter, Target: "1. Read the question.", Content: strings.TrimSuffix(e.Target, "\n")}}
	}
	return nil
}

func TestApplyFailures(t *testing.T) {
	doc := skillMust(t, skillDoc)
	cases := []struct {
		name  string
		edits []Edit
		want  error
		check func(*EditError) bool
	}{
		{"missing", []Edit{{Op: OpReplace, Target: "Prefer shrt answers", Content: "x"}}, ErrAnchorMissing,
			func(e *EditError) bool { return e.Hint == "- Prefer short answers." }},
		{"ambiguous", []Edit{{Op: OpDelete, Target: "the "}}, ErrAnchorAmbiguous,
			func(e *EditError) bool { return cmp.Equal(e.Lines, []int{4, 8, 12}) }},
		{"overlap", []Edit{{Op: OpReplace, Target: "Always cite", Content: "x"}, {Op: OpDelete, Target: "cite the source"}}, ErrOverlap,
			func(e *EditError) bool { return e.Index == 1 && e.With == 0 }},
		{"insert at a replaced span", []Edit{{Op: OpReplace, Target: "Always cite", Content: "x"}, {Op: OpInsertBefore, Target: "Always cite the source", Content: "b"}}, ErrOverlap, nil},
		{"protected", []Edit{{Op: OpReplace, Target: "Guidance from the last epoch.", Content: "x"}}, ErrProtected, nil},
		{"empty target", []Edit{{Op: OpReplace, Content: "x"}}, ErrEmptyEdit, nil},
		{"empty content", []Edit{{Op: OpInsertAfter, Target: "Answer.", Content: "  "}}, ErrEmptyEdit, nil},
		{"no-op", []Edit{{Op: OpReplace, Target: "Answer.", Content: "Answer."}}, ErrNoOp, nil},
		{"unknown op", []Edit{{Op: "rewrite", Target: "x", Content: "y"}}, ErrUnknownOp, nil},
		{"missing section", []Edit{{Op: OpAppendSection, Target: "Rulez", Content: "x"}}, ErrAnchorMissing, nil},
	}
	for _, c := range cases {
		got, err := Apply(doc, c.edits)
		if !errors.Is(err, c.want) {
			t.Fatalf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if got.Text() != doc.Text() {
			t.Fatalf("%s: document changed on error", c.name)
		}
		var ee *EditError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: not an *EditError: %v", c.name, err)
		}
		if c.check != nil && !c.check(ee) {
			t.Errorf("%s: %+v", c.name, ee)
		}
	}
	// Several failures are reported together, each naming its edit.
	_, err := Apply(doc, []Edit{{Op: OpDelete, Target: "nope"}, {Op: OpReplace, Target: "Answer.", Content: "A."}, {Op: OpDelete, Target: "the "}})
	msg := err.Error()
	if !strings.Contains(msg, "edit 0") || !strings.Contains(msg, "edit 2") || strings.Contains(msg, "edit 1") {
		t.Fatalf("joined error: %v", err)
	}
}

func TestApplyOrderIndependent(t *testing.T) {
	doc := skillMust(t, skillDoc)
	edits := []Edit{
		{Op: OpReplace, Target: "Always cite the source.", Content: "Always cite sources."},
		{Op: OpInsertAfter, Target: "1. Read the question.", Content: "1b. Restate it."},
		{Op: OpDelete, Target: "- Prefer short answers.\n"},
		{Op: OpAppend, Content: "## Tips\n- Be concise."},
		{Op: OpAppend, Content: "## More tips\n- Check units."},
		{Op: OpAppendSection, Target: "Procedures", Content: "3. Check."},
		{Op: OpAppendSection, Target: "Procedures", Content: "3. Verify."},
		{Op: OpInsertAfter, Target: "2. Answer.", Content: "2b. Reread."},
	}
	want, err := Apply(doc, edits)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		perm := r.Perm(len(edits))
		shuffled := make([]Edit, len(edits))
		for i, j := range perm {
			shuffled[i] = edits[j]
		}
		got, err := Apply(doc, shuffled)
		if err != nil || got.Text() != want.Text() {
			t.Fatalf("order %v changed the result: %v", perm, err)
		}
	}
}

func TestApplyLenientReproducesReference(t *testing.T) {
	doc := skillMust(t, "a x b x c\n")
	got, res, err := ApplyLenient(doc, []Edit{
		{Op: OpReplace, Target: "x", Content: "Y"},               // first occurrence only
		{Op: OpDelete, Target: "missing"},                        // silently skipped
		{Op: OpInsertAfter, Target: "nowhere", Content: "tail"},  // falls back to append
		{Op: OpInsertAfter, Target: "Y", Content: "after-first"}, // sees the previous edit's text
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a Y\nafter-first b x c\ntail"; got.Text() != want {
		t.Fatalf("lenient result %q, want %q", got.Text(), want)
	}
	if !cmp.Equal(res, LenientResult{Applied: []int{0, 3}, Skipped: []int{1}, Appended: []int{2}}) {
		t.Fatalf("result %+v", res)
	}
	// The strict form refuses the same edits.
	if _, err := Apply(doc, []Edit{{Op: OpReplace, Target: "x", Content: "Y"}}); !errors.Is(err, ErrAnchorAmbiguous) {
		t.Fatalf("strict: %v", err)
	}
}

func TestDocumentValidation(t *testing.T) {
	for _, text := range []string{"", "  \n", "\xff\xfe", "a <!-- SLOW_UPDATE_START --> b", "<!-- SLOW_UPDATE_END --> x"} {
		if _, err := NewDocument(text); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewDocument(%q) = %v", text, err)
		}
	}
	doc := skillMust(t, skillDoc)
	if len(doc.Protected()) != 1 {
		t.Fatal("protected region not found")
	}
	var titles []string
	for _, s := range doc.Sections() {
		titles = append(titles, fmt.Sprintf("%d:%s", s.Level, s.Title))
	}
	if !cmp.Equal(titles, []string{"1:Skill", "2:Rules", "2:Procedures"}) {
		t.Fatalf("sections %v", titles)
	}
	if a, b := skillMust(t, "x"), skillMust(t, "x"); a.Hash() != b.Hash() || a.Hash() == doc.Hash() {
		t.Fatal("hash")
	}
}

func TestParseProposal(t *testing.T) {
	ref := "Here is my patch:\n```json\n{\"patch\": {\"reasoning\": \"r\", \"edits\": [{\"op\": \"replace\", \"target\": \"a\", \"content\": \"b\"}]}}\n```\nThanks."
	p, err := ParseProposal([]byte(ref))
	if err != nil || p.Reasoning != "r" || !cmp.Equal(p.Edits, []Edit{{Op: OpReplace, Target: "a", Content: "b"}}) {
		t.Fatalf("reference format: %+v, %v", p, err)
	}
	for _, ok := range []string{`{"edits": []}`, `[{"op": "append", "content": "x"}]`} {
		if _, err := ParseProposal([]byte(ok)); err != nil {
			t.Errorf("ParseProposal(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{``, `"edits"`, `{"patch": {"edits": [{"op": "explode"}]}}`, `{"edits": [{"op": "append", "extra": 1}]}`,
		`{"patch": {}, "x": 1}`, `{"reasoning": "no edits"}`, `[1, 2]`, `{"edits": []} trailing`} {
		if _, err := ParseProposal([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseProposal(%s) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestMeasureMatchesDiff(t *testing.T) {
	doc := skillMust(t, skillDoc)
	after, _ := Apply(doc, []Edit{
		{Op: OpReplace, Target: "Prefer short answers.", Content: "Prefer complete answers."},
		{Op: OpAppend, Content: "## Notes\nBe kind.\n"},
	})
	s := Measure(doc, after, func(x string) int { return len(strings.Fields(x)) })
	if s.LinesRemoved != 1 || s.LinesAdded != 3 || s.Tokens != 4 {
		t.Fatalf("size %+v", s)
	}
	d := Diff(doc, after)
	if strings.Count(d, "\n-") != 1 || !strings.Contains(d, "+- Prefer complete answers.") { // one removed line
		t.Fatalf("diff:\n%s", d)
	}
}

func FuzzApply(f *testing.F) {
	f.Add(skillDoc, "replace", "Answer.", "Reply.", "delete", "the ")
	f.Fuzz(func(t *testing.T, text, op1, t1, c1, op2, t2 string) {
		doc, err := NewDocument(text)
		if err != nil {
			return
		}
		edits := []Edit{{Op: Op(op1), Target: t1, Content: c1}, {Op: Op(op2), Target: t2, Content: c1}}
		got, err := Apply(doc, edits)
		if err != nil {
			if got.Text() != doc.Text() {
				t.Fatal("document changed on error")
			}
			return
		}
		if _, err := NewDocument(got.Text()); err != nil {
			t.Fatalf("result is not a valid document: %v", err)
		}
		// Protected regions survive strict edits unchanged.
		for _, p := range doc.Protected() {
			if !strings.Contains(got.Text(), doc.Text()[p.Start:p.End]) {
				t.Fatal("protected region changed")
			}
		}
		_, _, _ = ApplyLenient(doc, edits)
	})
}

func FuzzParseProposal(f *testing.F) {
	f.Add([]byte(`{"patch": {"reasoning": "r", "edits": [{"op": "append", "content": "x"}]}}`))
	f.Add([]byte("```json\n[]\n```"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseProposal(data)
	})
}

var skillSink Document

func BenchmarkApply100Edits(b *testing.B) {
	// A 100 KB document of unique lines and 100 replace/insert edits.
	var sb strings.Builder
	for i := 0; sb.Len() < 100_000; i++ {
		fmt.Fprintf(&sb, "- rule %d: keep answers grounded in the provided context.\n", i)
	}
	doc := skillMust(b, sb.String())
	edits := make([]Edit, 100)
	for i := range edits {
		target := fmt.Sprintf("- rule %d:", i*17)
		if i%2 == 0 {
			edits[i] = Edit{Op: OpReplace, Target: target, Content: fmt.Sprintf("- rule %d (revised):", i*17)}
		} else {
			edits[i] = Edit{Op: OpInsertBefore, Target: target, Content: "- a new rule."}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := Apply(doc, edits)
		if err != nil {
			b.Fatal(err)
		}
		skillSink = out
	}
}

var diffSink string

func BenchmarkDiff100KB(b *testing.B) {
	var before, after strings.Builder
	for i := 0; before.Len() < 100_000; i++ {
		fmt.Fprintf(&before, "- rule %d: keep answers grounded.\n", i)
		if i%50 == 0 {
			fmt.Fprintf(&after, "- rule %d: keep answers grounded and cite.\n", i)
		} else {
			fmt.Fprintf(&after, "- rule %d: keep answers grounded.\n", i)
		}
	}
	x, y := skillMust(b, before.String()), skillMust(b, after.String())
	b.ReportAllocs()
	for b.Loop() {
		diffSink = Diff(x, y)
	}
}
