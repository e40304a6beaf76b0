package skill

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

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
		// append goes before the first protected region, as in the reference.
		{"append", Edit{Op: OpAppend, Content: "## Notes\nBe kind."},
			strings.Replace(skillDoc, "2. Answer.\n", "2. Answer.\n## Notes\nBe kind.\n", 1)},
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
		{"insert inside a deleted span", []Edit{{Op: OpDelete, Target: "cite the source.\n- Prefer"}, {Op: OpInsertAfter, Target: "Always", Content: "b"}}, ErrOverlap,
			func(e *EditError) bool { return e.Index == 1 && e.With == 0 }},
		{"range inside a range after an insertion", []Edit{{Op: OpDelete, Target: "- Always cite the source.\n- Prefer short answers.\n"}, {Op: OpInsertAfter, Target: "## Rules", Content: "b"}, {Op: OpReplace, Target: "short", Content: "long"}}, ErrOverlap,
			func(e *EditError) bool { return e.Index == 2 && e.With == 0 }},
		{"markers in content", []Edit{{Op: OpAppend, Content: "<!-- SLOW_UPDATE_START -->\nx\n<!-- SLOW_UPDATE_END -->"}}, ErrProtected,
			func(e *EditError) bool { return e.Index == 0 && strings.Contains(e.Error(), "edit 0") }},
		{"one marker in content", []Edit{{Op: OpInsertAfter, Target: "2. Answer.", Content: "x"}, {Op: OpReplace, Target: "Answer.", Content: "A <!-- SLOW_UPDATE_END -->"}}, ErrProtected,
			func(e *EditError) bool { return e.Index == 1 }},
		{"protected", []Edit{{Op: OpReplace, Target: "Guidance from the last epoch.", Content: "x"}}, ErrProtected, nil},
		{"protected anchor", []Edit{{Op: OpInsertAfter, Target: "<!-- SLOW_UPDATE_END -->", Content: "x"}}, ErrProtected, nil},
		{"protected anchor before", []Edit{{Op: OpInsertBefore, Target: "<!-- SLOW_UPDATE_START -->", Content: "x"}}, ErrProtected, nil},
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

// Edits at distinct points give the same result in any order.
func TestApplyOrderIndependent(t *testing.T) {
	doc := skillMust(t, skillDoc)
	edits := []Edit{
		{Op: OpReplace, Target: "Always cite the source.", Content: "Always cite sources."},
		{Op: OpInsertAfter, Target: "1. Read the question.", Content: "1b. Restate it."},
		{Op: OpDelete, Target: "- Prefer short answers.\n"},
		{Op: OpInsertBefore, Target: "## Procedures", Content: "## Tips\n- Be concise."},
		{Op: OpAppendSection, Target: "Procedures", Content: "3. Check."},
		{Op: OpInsertAfter, Target: "# Skill", Content: "Intro."},
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

// Issue 15: several insertions at one point keep the proposal order (they
// were sorted by their text), and an insertion at the start of a replaced
// span goes before it.
func TestApplyInsertionsKeepProposalOrder(t *testing.T) {
	doc := skillMust(t, skillDoc)
	edits := []Edit{
		{Op: OpInsertAfter, Target: "2. Answer.", Content: "3. Zebra."},
		{Op: OpAppendSection, Target: "Procedures", Content: "4. Apple."},
		{Op: OpAppend, Content: "5. Mango."},
		{Op: OpInsertAfter, Target: "1. Read the question.", Content: "1b. Restate."},
		{Op: OpReplace, Target: "2. Answer.", Content: "2. Reply."},
	}
	got, err := Apply(doc, edits)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(skillDoc, "1. Read the question.\n2. Answer.\n", "1. Read the question.\n1b. Restate.\n2. Reply.\n3. Zebra.\n4. Apple.\n5. Mango.\n", 1)
	if diff := cmp.Diff(want, got.Text()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	edits[0], edits[2] = edits[2], edits[0]
	got, _ = Apply(doc, edits)
	if !strings.Contains(got.Text(), "5. Mango.\n4. Apple.\n3. Zebra.\n") {
		t.Fatalf("reordered proposal:\n%s", got.Text())
	}
}

// Issue 15: insert_after goes after the end of the line holding the target
// (a heading is never split), insert_before before its start.
func TestApplyInsertsAtLineBoundaries(t *testing.T) {
	doc := skillMust(t, "# Skill\n\n## Rules (strict)\n- Cite sources. Always.\n- Last")
	cases := []struct {
		edit Edit
		want string
	}{
		{Edit{Op: OpInsertAfter, Target: "## Rules", Content: "- new"}, "# Skill\n\n## Rules (strict)\n- new\n- Cite sources. Always.\n- Last"},
		{Edit{Op: OpInsertAfter, Target: "Cite sources.", Content: "- new"}, "# Skill\n\n## Rules (strict)\n- Cite sources. Always.\n- new\n- Last"},
		{Edit{Op: OpInsertAfter, Target: "- Cite sources. Always.\n", Content: "- new"}, "# Skill\n\n## Rules (strict)\n- Cite sources. Always.\n- new\n- Last"},
		{Edit{Op: OpInsertAfter, Target: "Last", Content: "- new"}, "# Skill\n\n## Rules (strict)\n- Cite sources. Always.\n- Last\n- new\n"},
		{Edit{Op: OpInsertBefore, Target: "(strict)", Content: "Intro."}, "# Skill\n\nIntro.\n## Rules (strict)\n- Cite sources. Always.\n- Last"},
		{Edit{Op: OpInsertBefore, Target: "# Skill", Content: "---"}, "---\n# Skill\n\n## Rules (strict)\n- Cite sources. Always.\n- Last"},
	}
	for _, c := range cases {
		got, err := Apply(doc, []Edit{c.edit})
		if err != nil {
			t.Fatalf("%+v: %v", c.edit, err)
		}
		if diff := cmp.Diff(c.want, got.Text()); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", c.edit, diff)
		}
	}
}

// Issue 15: append goes before the first protected region, even when
// sections follow it.
func TestApplyAppendBeforeProtected(t *testing.T) {
	doc := skillMust(t, "# S\n- a\n\n<!-- SLOW_UPDATE_START -->\ng\n<!-- SLOW_UPDATE_END -->\n\n## Late\n- b\n")
	got, err := Apply(doc, []Edit{{Op: OpAppend, Content: "- new"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "# S\n- a\n- new\n\n<!-- SLOW_UPDATE_START -->\ng\n<!-- SLOW_UPDATE_END -->\n\n## Late\n- b\n"
	if got.Text() != want {
		t.Fatalf("got %q, want %q", got.Text(), want)
	}
	starts := skillMust(t, "<!-- SLOW_UPDATE_START -->\ng\n<!-- SLOW_UPDATE_END -->\n")
	if got, err := Apply(starts, []Edit{{Op: OpAppend, Content: "- new"}}); err != nil || got.Text() != "- new\n"+starts.Text() {
		t.Fatalf("region first: %q %v", got.Text(), err)
	}
}

// Issue 15: a CRLF document stays CRLF, and targets written with LF (also
// multi-line ones) are found in it; CRLF targets are found in LF documents.
func TestApplyKeepsCRLF(t *testing.T) {
	lf := "# Skill\n\n## Rules\n- Cite sources.\n- Be brief.\n\n<!-- SLOW_UPDATE_START -->\ng\n<!-- SLOW_UPDATE_END -->\n"
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	edits := []Edit{
		{Op: OpReplace, Target: "- Cite sources.\n- Be brief.", Content: "- Cite sources.\n- Be brief, always."},
		{Op: OpInsertAfter, Target: "## Rules", Content: "- First.\n- Second."},
		{Op: OpAppend, Content: "- Appended."},
		{Op: OpAppendSection, Target: "Rules", Content: "- Section end."},
		{Op: OpInsertBefore, Target: "# Skill", Content: "Title:\r\n"},
	}
	wantLF, err := Apply(skillMust(t, lf), edits)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Apply(skillMust(t, crlf), edits)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(wantLF.Text(), "\n", "\r\n"); got.Text() != want {
		t.Fatalf("CRLF document:\n got %q\nwant %q", got.Text(), want)
	}
	if strings.Count(got.Text(), "\n") != strings.Count(got.Text(), "\r\n") || strings.Contains(wantLF.Text(), "\r") {
		t.Fatal("mixed line endings")
	}
	// A mixed document is matched byte for byte.
	mixed := skillMust(t, "a\r\nb\nc\n")
	if _, err := Apply(mixed, []Edit{{Op: OpDelete, Target: "a\nb"}}); !errors.Is(err, ErrAnchorMissing) {
		t.Fatalf("mixed: %v", err)
	}
	if got, err := Apply(mixed, []Edit{{Op: OpDelete, Target: "a\r\n"}}); err != nil || got.Text() != "b\nc\n" {
		t.Fatalf("mixed: %q %v", got.Text(), err)
	}
}

// Issue 15: a target that differs from the document only by Unicode
// normalisation gets a hint that says so.
func TestApplyNormalizationHint(t *testing.T) {
	doc := skillMust(t, "## Règles\n- Écrire le café.\n")
	_, err := Apply(doc, []Edit{{Op: OpReplace, Target: "- E\u0301crire le cafe\u0301.", Content: "x"}})
	var ee *EditError
	if !errors.As(err, &ee) || !ee.Normalization || ee.Hint != "- Écrire le café." || !strings.Contains(err.Error(), "normalisation") {
		t.Fatalf("err = %v (%+v)", err, ee)
	}
	_, err = Apply(doc, []Edit{{Op: OpReplace, Target: "- Ecrire le cafe.", Content: "x"}})
	if !errors.As(err, &ee) || ee.Normalization {
		t.Fatalf("accents removed is not a normalisation difference: %v", err)
	}
}

// lenientCase is one case of testdata/lenient_reference.json, generated by
// testdata/gen_lenient.py from a re-implementation of the reference's
// _apply_edit_with_report.
type lenientCase struct {
	Name   string   `json:"name"`
	Doc    string   `json:"doc"`
	Edits  []Edit   `json:"edits"`
	Want   string   `json:"want"`
	Status []string `json:"status"`
}

func TestApplyLenientReproducesReference(t *testing.T) {
	data, err := os.ReadFile("testdata/lenient_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []lenientCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 150 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		doc := skillMust(t, c.Doc)
		got, res, err := ApplyLenient(doc, c.Edits)
		if !cmp.Equal(res.Status, c.Status) {
			t.Errorf("%s: status %v, want %v", c.Name, res.Status, c.Status)
		}
		if _, werr := NewDocument(c.Want); werr != nil {
			if !errors.Is(err, ErrInvalid) || got.Text() != doc.Text() {
				t.Errorf("%s: the reference's result is not a valid document (%v), but ApplyLenient gave %v", c.Name, werr, err)
			}
			continue
		}
		if err != nil || got.Text() != c.Want {
			t.Errorf("%s: ApplyLenient = %q, %v\nwant %q", c.Name, got.Text(), err, c.Want)
		}
		if n := len(res.Applied) + len(res.Skipped) + len(res.Appended); n != len(c.Edits) {
			t.Errorf("%s: %d edits accounted for, want %d", c.Name, n, len(c.Edits))
		}
	}
	// The strict form refuses what the reference resolves by first occurrence.
	if _, err := Apply(skillMust(t, "a x b x c\n"), []Edit{{Op: OpReplace, Target: "x", Content: "Y"}}); !errors.Is(err, ErrAnchorAmbiguous) {
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
		// Protected regions survive strict edits unchanged, and no edit
		// creates one.
		for _, p := range doc.Protected() {
			if !strings.Contains(got.Text(), doc.Text()[p.Start:p.End]) {
				t.Fatal("protected region changed")
			}
		}
		if len(got.Protected()) != len(doc.Protected()) {
			t.Fatalf("%d protected regions, had %d", len(got.Protected()), len(doc.Protected()))
		}
		// A CRLF document stays CRLF.
		if n := strings.Count(text, "\n"); n > 0 && strings.Count(text, "\r\n") == n && strings.Count(got.Text(), "\r\n") != strings.Count(got.Text(), "\n") {
			t.Fatalf("CRLF document became mixed: %q", got.Text())
		}
	})
}

// FuzzApplyLenient checks the reference's lenient application on arbitrary
// documents and edits: no panic, one status per edit, every edit counted
// once, and the input returned on error.
func FuzzApplyLenient(f *testing.F) {
	f.Add(skillDoc, "insert_after", "## Rules", " x ", "append", "<!-- SLOW_UPDATE_END -->")
	f.Add("a\r\nb\r\n", "replace", "a", "\x1c", "delete", "b\r\n")
	f.Fuzz(func(t *testing.T, text, op1, t1, c1, op2, t2 string) {
		doc, err := NewDocument(text)
		if err != nil {
			return
		}
		edits := []Edit{{Op: Op(op1), Target: t1, Content: c1}, {Op: Op(op2), Target: t2, Content: c1}}
		got, res, err := ApplyLenient(doc, edits)
		if len(res.Status) != 2 || len(res.Applied)+len(res.Skipped)+len(res.Appended) != 2 {
			t.Fatalf("result %+v", res)
		}
		if err != nil && got.Text() != doc.Text() {
			t.Fatal("document changed on error")
		}
	})
}

// FuzzNewDocument checks that any accepted text yields sections and
// protected spans inside it, in order.
func FuzzNewDocument(f *testing.F) {
	f.Add(skillDoc)
	f.Add("# a\r\n```\n# not\n```\n## b")
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := NewDocument(text)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		prev := 0
		for _, p := range doc.Protected() {
			if p.Start < prev || p.End <= p.Start || p.End > len(text) {
				t.Fatalf("span %v", p)
			}
			prev = p.End
		}
		for _, s := range doc.Sections() {
			if s.Span.Start < 0 || s.Span.End < s.Span.Start || s.Span.End > len(text) || s.Level < 1 || s.Level > 6 {
				t.Fatalf("section %+v", s)
			}
		}
		if got := nfd(text); !utf8.ValidString(got) {
			t.Fatal("nfd made invalid UTF-8")
		}
	})
}

// FuzzSchedule checks that a valid schedule stays within [Min, Max] at any
// step, and an invalid one returns its Min without panicking.
func FuzzSchedule(f *testing.F) {
	f.Add(0, 4, 2, 8, 3)
	f.Add(1, math.MaxInt, 0, math.MaxInt, math.MaxInt)
	f.Fuzz(func(t *testing.T, kind, mx, mn, steps, step int) {
		s := Schedule{Kind: ScheduleKind(kind), Max: mx, Min: mn, Steps: steps}
		v := s.At(step)
		if s.Validate() != nil {
			return
		}
		if mx == 0 && mn == 0 {
			mx, mn = 4, 2
		}
		if v < mn || v > mx {
			t.Fatalf("%+v.At(%d) = %d", s, step, v)
		}
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
	edits := make([]Edit, 100)
	for i := range edits {
		target := fmt.Sprintf("- rule %d:", i*17)
		if i%2 == 0 {
			edits[i] = Edit{Op: OpReplace, Target: target, Content: fmt.Sprintf("- rule %d (revised):", i*17)}
		} else {
			edits[i] = Edit{Op: OpInsertBefore, Target: target, Content: "- a new rule."}
		}
	}
	for _, c := range []struct{ name, text string }{
		{"LF", sb.String()},
		{"CRLF", strings.ReplaceAll(sb.String(), "\n", "\r\n")}, // matched on its LF form, written back as CRLF
	} {
		doc := skillMust(b, c.text)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := Apply(doc, edits)
				if err != nil {
					b.Fatal(err)
				}
				skillSink = out
			}
		})
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

// The slow update keeps a CRLF document CRLF.
func TestWithGuidanceKeepsCRLF(t *testing.T) {
	doc := skillMust(t, "# S\r\n- a\r\n\r\n<!-- SLOW_UPDATE_START -->\r\nold\r\n<!-- SLOW_UPDATE_END -->\r\n")
	got, err := withGuidance(doc, "- new\r\n- two")
	if err != nil {
		t.Fatal(err)
	}
	want := "# S\r\n- a\r\n\r\n<!-- SLOW_UPDATE_START -->\r\n- new\r\n- two\r\n<!-- SLOW_UPDATE_END -->\r\n"
	if got.Text() != want {
		t.Fatalf("got %q, want %q", got.Text(), want)
	}
	if guidance(got) != "- new\r\n- two" {
		t.Fatalf("guidance %q", guidance(got))
	}
}
