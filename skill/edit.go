package skill

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Op is an edit operation. The reference's ops are append, insert_after,
// replace and delete; insert_before and append_section are budgetkit's.
type Op string

const (
	OpAppend        Op = "append"         // add Content at the end of the document
	OpInsertAfter   Op = "insert_after"   // add Content after Target
	OpInsertBefore  Op = "insert_before"  // add Content before Target
	OpAppendSection Op = "append_section" // add Content at the end of the section titled Target
	OpReplace       Op = "replace"        // replace Target with Content
	OpDelete        Op = "delete"         // remove Target
)

// String returns the op's name, or Op("…") for an unknown value.
func (o Op) String() string {
	return stringEnum("Op", o, OpAppend, OpInsertAfter, OpInsertBefore, OpAppendSection, OpReplace, OpDelete)
}

// Edit is one bounded change to a document. Target is exact text of the
// document (a section title for OpAppendSection).
type Edit struct {
	Op      Op     `json:"op"`
	Target  string `json:"target,omitempty"`
	Content string `json:"content,omitempty"`
}

// EditError describes why edit Index could not be applied.
type EditError struct {
	Index int
	Err   error  // one of the sentinels above
	Lines []int  // for an ambiguous target: every matching line (1-based)
	Hint  string // for a missing target: the most similar line of the document
	With  int    // for an overlap: the other edit's index
}

func (e *EditError) Error() string {
	msg := fmt.Sprintf("edit %d: %v", e.Index, e.Err)
	switch {
	case len(e.Lines) > 0:
		msg += fmt.Sprintf(" (lines %v)", e.Lines)
	case e.Hint != "":
		msg += fmt.Sprintf(" (nearest line: %q)", e.Hint)
	case errors.Is(e.Err, ErrOverlap):
		msg += fmt.Sprintf(" (with edit %d)", e.With)
	}
	return msg
}

func (e *EditError) Unwrap() error { return e.Err }

// change is a resolved edit: replace [start, end) of the input with text.
type change struct {
	idx        int
	start, end int
	text       string
}

// Apply applies edits to doc strictly and atomically. Every target is
// resolved against the input document first and must match exactly once;
// missing, ambiguous, overlapping, protected, empty and no-op edits are
// reported together (errors.Join of *EditError, each naming its edit) and
// the document is returned unchanged. Because all edits are resolved on the
// input, their order never changes the result.
func Apply(doc Document, edits []Edit) (Document, error) {
	changes, errs := resolve(doc, edits)
	if len(errs) > 0 {
		return doc, errors.Join(errs...)
	}
	out, err := commit(doc, changes)
	if err != nil { // e.g. the edits delete the whole document
		return doc, err
	}
	return out, nil
}

// resolve turns edits into changes of the input, sorted by sortChanges,
// and reports every edit that cannot apply.
func resolve(doc Document, edits []Edit) ([]change, []error) {
	text := doc.text
	prot := doc.Protected()
	var changes []change
	var errs []error
	fail := func(e *EditError) { errs = append(errs, e) }
	targets := make([]string, len(edits))
	for i, e := range edits {
		switch e.Op {
		case OpInsertAfter, OpInsertBefore, OpReplace, OpDelete:
			targets[i] = e.Target
		}
	}
	found := matchAll(text, targets)
	var sections []Section // computed on first use
	for i, e := range edits {
		switch e.Op {
		case OpAppend, OpInsertAfter, OpInsertBefore, OpAppendSection, OpReplace, OpDelete:
		default:
			fail(&EditError{Index: i, Err: fmt.Errorf("%w %q", ErrUnknownOp, string(e.Op))})
			continue
		}
		needTarget := e.Op != OpAppend
		needContent := e.Op != OpDelete
		if (needTarget && e.Target == "") || (needContent && strings.TrimSpace(e.Content) == "") {
			fail(&EditError{Index: i, Err: ErrEmptyEdit})
			continue
		}
		var c change
		c.idx = i
		switch e.Op {
		case OpAppend:
			c.start, c.end = len(text), len(text)
			c.text = joinAfter(text, line(e.Content))
		case OpAppendSection:
			if sections == nil {
				sections = doc.Sections()
			}
			var secs []Section
			for _, s := range sections {
				if s.Title == strings.TrimSpace(strings.TrimLeft(e.Target, "# ")) {
					secs = append(secs, s)
				}
			}
			if len(secs) != 1 {
				if len(secs) == 0 {
					fail(&EditError{Index: i, Err: ErrAnchorMissing, Hint: nearestLine(text, e.Target)})
				} else {
					var lines []int
					for _, s := range secs {
						lines = append(lines, lineOf(text, s.Span.Start))
					}
					fail(&EditError{Index: i, Err: ErrAnchorAmbiguous, Lines: lines})
				}
				continue
			}
			c.start = sectionInsertPoint(text, prot, secs[0].Span)
			c.end = c.start
			c.text = joinAfter(text[:c.start], line(e.Content))
		default:
			at := found[i].first
			if found[i].count == 0 {
				fail(&EditError{Index: i, Err: ErrAnchorMissing, Hint: nearestLine(text, e.Target)})
				continue
			}
			if found[i].count > 1 {
				fail(&EditError{Index: i, Err: ErrAnchorAmbiguous, Lines: matchLines(text, e.Target)})
				continue
			}
			switch e.Op {
			case OpInsertAfter:
				c.start, c.end, c.text = at+len(e.Target), at+len(e.Target), "\n"+e.Content
			case OpInsertBefore:
				c.start, c.end, c.text = at, at, e.Content+"\n"
			case OpReplace:
				if e.Content == e.Target {
					fail(&EditError{Index: i, Err: ErrNoOp})
					continue
				}
				c.start, c.end, c.text = at, at+len(e.Target), e.Content
			case OpDelete:
				c.start, c.end = at, at+len(e.Target)
			}
		}
		if touchesProtected(prot, c.start, c.end) {
			fail(&EditError{Index: i, Err: ErrProtected})
			continue
		}
		changes = append(changes, c)
	}
	// Overlaps: two changes whose ranges intersect, or a replacement or
	// deletion and an insertion at its start. Several insertions at one
	// point are fine: commit orders them canonically.
	sortChanges(changes)
	for k := 1; k < len(changes); k++ {
		p, q := changes[k-1], changes[k]
		if q.start < p.end || (q.start == p.start && (p.end > p.start || q.end > q.start)) {
			fail(&EditError{Index: max(p.idx, q.idx), Err: ErrOverlap, With: min(p.idx, q.idx)})
		}
	}
	return changes, errs
}

// sortChanges orders changes by position; insertions at the same point
// are ordered by their text, so that the result never depends on the order
// of the edits.
func sortChanges(cs []change) {
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].start != cs[b].start {
			return cs[a].start < cs[b].start
		}
		if cs[a].end != cs[b].end {
			return cs[a].end < cs[b].end
		}
		return cs[a].text < cs[b].text
	})
}

// commit applies resolved, non-overlapping changes, sorted by sortChanges,
// front to back.
func commit(doc Document, changes []change) (Document, error) {
	var b strings.Builder
	text := doc.text
	b.Grow(len(text) + 64*len(changes))
	prev := 0
	for _, c := range changes {
		b.WriteString(text[prev:c.start])
		b.WriteString(c.text)
		prev = c.end
	}
	b.WriteString(text[prev:])
	return NewDocument(b.String())
}

// sectionInsertPoint is where content appended to a section goes: the
// section's end, moved before protected regions (and the blank lines
// around them) that end the section, so that appended text stays editable.
func sectionInsertPoint(text string, prot []Span, sec Span) int {
	pos := sec.End
	for moved := true; moved; {
		moved = false
		trimmed := len(strings.TrimRight(text[sec.Start:pos], " \t\r\n")) + sec.Start
		for _, p := range prot {
			if p.Start > sec.Start && p.End >= trimmed && p.End <= pos {
				pos = p.Start
				moved = true
			}
		}
	}
	// Back up over the blank lines before the point, keeping one newline.
	for pos > sec.Start+1 && text[pos-1] == '\n' && text[pos-2] == '\n' {
		pos--
	}
	return pos
}

// line returns s ending with a newline, so that several insertions at
// one point stay on lines of their own.
func line(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// joinAfter returns content prefixed by a newline unless text already ends
// with one (or is empty).
func joinAfter(text, content string) string {
	if text == "" || strings.HasSuffix(text, "\n") {
		return content
	}
	return "\n" + content
}

func lineOf(text string, off int) int { return strings.Count(text[:off], "\n") + 1 }

func touchesProtected(prot []Span, start, end int) bool {
	for _, p := range prot {
		if start == end { // insertion: strictly inside
			if start > p.Start && start < p.End {
				return true
			}
			continue
		}
		if start < p.End && end > p.Start {
			return true
		}
	}
	return false
}

// nearestLine returns the document line most similar to target's first
// line (by longest common substring), as a hint for a missing anchor.
func nearestLine(text, target string) string {
	want := strings.TrimSpace(strings.SplitN(target, "\n", 2)[0])
	if want == "" {
		return ""
	}
	best, bestScore := "", 0
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" {
			continue
		}
		if s := longestCommon(l, want); s > bestScore {
			best, bestScore = l, s
		}
	}
	if bestScore < min(4, len(want)) {
		return ""
	}
	return best
}

// longestCommon is the length of the longest common substring (bytes),
// capped to keep hints cheap on long lines.
func longestCommon(a, b string) int {
	if len(a) > 400 {
		a = a[:400]
	}
	if len(b) > 400 {
		b = b[:400]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	best := 0
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

// LenientResult reports what ApplyLenient did with each edit.
type LenientResult struct {
	Applied  []int // edits applied
	Skipped  []int // edits whose target was missing (silently skipped by the reference)
	Appended []int // insert_after edits whose missing target fell back to append
}

// ApplyLenient reproduces the reference implementation's behaviour for
// comparison: edits apply one after another to the evolving text, each
// target matches its first occurrence (ambiguity is not detected), a
// missing target is skipped silently — except insert_after, which falls
// back to appending — and protected regions are still respected.
func ApplyLenient(doc Document, edits []Edit) (Document, LenientResult, error) {
	var res LenientResult
	text := doc.text
	for i, e := range edits {
		prot, _ := protectedSpans(text)
		at := -1
		if e.Target != "" {
			at = strings.Index(text, e.Target)
		}
		switch e.Op {
		case OpAppend:
			text += joinAfter(text, e.Content)
			res.Applied = append(res.Applied, i)
		case OpInsertAfter:
			if at < 0 {
				text += joinAfter(text, e.Content)
				res.Appended = append(res.Appended, i)
				continue
			}
			p := at + len(e.Target)
			if touchesProtected(prot, p, p) {
				res.Skipped = append(res.Skipped, i)
				continue
			}
			text = text[:p] + "\n" + e.Content + text[p:]
			res.Applied = append(res.Applied, i)
		case OpReplace, OpDelete:
			if at < 0 || touchesProtected(prot, at, at+len(e.Target)) {
				res.Skipped = append(res.Skipped, i)
				continue
			}
			repl := e.Content
			if e.Op == OpDelete {
				repl = ""
			}
			text = text[:at] + repl + text[at+len(e.Target):]
			res.Applied = append(res.Applied, i)
		default:
			res.Skipped = append(res.Skipped, i)
		}
	}
	out, err := NewDocument(text)
	if err != nil {
		return doc, res, err
	}
	return out, res, nil
}
