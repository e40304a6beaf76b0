package skill

//go:generate sh -c "python3 testdata/gen_lenient.py > testdata/lenient_reference.json"

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
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
	Err   error  // one of the sentinels above, possibly wrapped with detail
	Lines []int  // for an ambiguous target: every matching line (1-based)
	Hint  string // for a missing target: the most similar line of the document
	// Normalization is set for a missing target that the document holds
	// in another Unicode normalisation form (é as U+00E9 in one and
	// e + U+0301 in the other); Hint is then that line.
	Normalization bool
	With          int // for an overlap: the other edit's index
}

func (e *EditError) Error() string {
	msg := fmt.Sprintf("edit %d: %v", e.Index, e.Err)
	switch {
	case len(e.Lines) > 0:
		msg += fmt.Sprintf(" (lines %v)", e.Lines)
	case e.Normalization:
		msg += fmt.Sprintf(" (the document has it only in another Unicode normalisation form, NFC vs NFD, in the line %q)", e.Hint)
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
// missing (with the nearest line, or the line that differs only by Unicode
// normalisation, as a hint), ambiguous, overlapping, protected (changing
// protected text, inserting inside it or anchoring on it, which the
// reference skips too), empty and no-op edits, and contents holding a
// protected-region marker, are reported
// together (errors.Join of *EditError, each naming its edit) and the
// document is returned unchanged.
//
// Placement: insert_after puts Content on the lines after the line that
// holds the end of Target (as the reference does, so that a target inside
// a heading never splits it), insert_before on the lines before the line
// that holds its start; append goes before the first protected region (as
// the reference), or at the end; append_section at the end of the section,
// before protected regions that end it. All edits are resolved on the
// input, so their order changes nothing, except that several insertions at
// one point keep the order in which they were proposed.
//
// Line endings: a document whose line breaks are all CRLF stays CRLF (edits
// are matched and applied on its LF form, and CRLF in targets or contents
// is read as LF); in an LF document, CRLF in targets and contents is read
// as LF; a document with mixed line endings is matched byte for byte.
//
// Apply costs O(n + E·m) for an n-byte document and E targets of m bytes
// (one pass matches every target), plus O(n) per refused missing target for
// its hint.
func Apply(doc Document, edits []Edit) (Document, error) {
	if doc.text == "" {
		return doc, fmt.Errorf("%w: zero Document (use NewDocument)", ErrInvalid)
	}
	text, edits, crlf := lfForm(doc.text, edits)
	changes, errs := resolve(text, edits)
	if len(errs) > 0 {
		return doc, errors.Join(errs...)
	}
	out := commit(text, changes)
	if crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	res, err := NewDocument(out)
	if err != nil { // e.g. the edits delete the whole document
		return doc, err
	}
	return res, nil
}

// lfForm returns the text and edits to match: a document whose line
// breaks are all CRLF in LF form (crlf true), CRLF in the edits read as LF
// unless the document mixes line endings.
func lfForm(text string, edits []Edit) (string, []Edit, bool) {
	c := strings.Count(text, "\r\n")
	if c > 0 && c != strings.Count(text, "\n") {
		return text, edits, false // mixed: byte for byte
	}
	for i, e := range edits {
		if strings.Contains(e.Target, "\r\n") || strings.Contains(e.Content, "\r\n") {
			edits = slices.Clone(edits)
			for j := i; j < len(edits); j++ {
				edits[j].Target = strings.ReplaceAll(edits[j].Target, "\r\n", "\n")
				edits[j].Content = strings.ReplaceAll(edits[j].Content, "\r\n", "\n")
			}
			break
		}
	}
	if c == 0 {
		return text, edits, false
	}
	return strings.ReplaceAll(text, "\r\n", "\n"), edits, true
}

// resolve turns edits into changes of text, sorted by sortChanges, and
// reports every edit that cannot apply.
func resolve(text string, edits []Edit) ([]change, []error) {
	prot, _ := protectedSpans(text)
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
		if m := markerIn(e.Content); m != "" {
			fail(&EditError{Index: i, Err: fmt.Errorf("%w: the content holds the marker %s (only the slow update writes protected regions)", ErrProtected, m)})
			continue
		}
		var c change
		c.idx = i
		switch e.Op {
		case OpAppend:
			c.start, c.text = appendPoint(text, prot, e.Content)
			c.end = c.start
		case OpAppendSection:
			if sections == nil {
				sections = sectionsOf(text)
			}
			var secs []Section
			for _, s := range sections {
				if s.Title == strings.TrimSpace(strings.TrimLeft(e.Target, "# ")) {
					secs = append(secs, s)
				}
			}
			if len(secs) != 1 {
				if len(secs) == 0 {
					fail(missing(i, text, e.Target))
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
				fail(missing(i, text, e.Target))
				continue
			}
			if found[i].count > 1 {
				fail(&EditError{Index: i, Err: ErrAnchorAmbiguous, Lines: matchLines(text, e.Target)})
				continue
			}
			if overlapsProtected(prot, at, at+len(e.Target)) { // as the reference, protected text is no anchor either
				fail(&EditError{Index: i, Err: ErrProtected})
				continue
			}
			switch e.Op {
			case OpInsertAfter:
				var pre string
				c.start, pre = lineEnd(text, at+len(e.Target))
				c.end, c.text = c.start, pre+line(e.Content)
			case OpInsertBefore:
				c.start = strings.LastIndexByte(text[:at], '\n') + 1
				c.end, c.text = c.start, line(e.Content)
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
	// Overlaps: a change that starts inside the furthest-reaching range
	// before it. An insertion at the start of a replacement or deletion goes
	// before it, one at its end after it; several insertions at one point
	// keep the proposal order (sortChanges).
	sortChanges(changes)
	reach := -1 // index of the change reaching furthest so far
	for k, q := range changes {
		if reach >= 0 && q.start < changes[reach].end {
			p := changes[reach]
			fail(&EditError{Index: max(p.idx, q.idx), Err: ErrOverlap, With: min(p.idx, q.idx)})
			continue
		}
		if reach < 0 || q.end > changes[reach].end {
			reach = k
		}
	}
	return changes, errs
}

// missing reports a target that is not in text, with a hint: the line that
// holds it under another Unicode normalisation form, or the nearest line.
func missing(i int, text, target string) *EditError {
	if l := normalisedLine(text, target); l != "" {
		return &EditError{Index: i, Err: ErrAnchorMissing, Hint: l, Normalization: true}
	}
	return &EditError{Index: i, Err: ErrAnchorMissing, Hint: nearestLine(text, target)}
}

// markerIn returns the protected-region marker s holds, or "".
func markerIn(s string) string {
	for _, m := range []string{ProtectedStart, ProtectedEnd} {
		if strings.Contains(s, m) {
			return m
		}
	}
	return ""
}

// lineEnd returns where the lines after the one holding byte p-1 start,
// and the line break to write first when that line is the last and has
// none.
func lineEnd(text string, p int) (int, string) {
	if p > 0 && text[p-1] == '\n' {
		return p, ""
	}
	if nl := strings.IndexByte(text[p:], '\n'); nl >= 0 {
		return p + nl + 1, ""
	}
	return len(text), "\n"
}

// appendPoint is where appended content goes and the text to insert: on
// the line after the last text before the first protected region (the
// blank lines before the region stay), or at the end of a document
// without one.
func appendPoint(text string, prot []Span, content string) (int, string) {
	if len(prot) == 0 {
		return len(text), joinAfter(text, line(content))
	}
	s := prot[0].Start
	b := len(strings.TrimRightFunc(text[:s], unicode.IsSpace))
	if nl := strings.IndexByte(text[b:s], '\n'); nl >= 0 {
		return b + nl + 1, line(content)
	}
	return s, joinAfter(text[:s], line(content))
}

// sortChanges orders changes by position; insertions at the same point
// keep the order of their edits.
func sortChanges(cs []change) {
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].start != cs[b].start {
			return cs[a].start < cs[b].start
		}
		if cs[a].end != cs[b].end {
			return cs[a].end < cs[b].end
		}
		return cs[a].idx < cs[b].idx
	})
}

// commit applies resolved, non-overlapping changes, sorted by sortChanges,
// front to back.
func commit(text string, changes []change) string {
	var b strings.Builder
	n := len(text)
	for _, c := range changes {
		n += len(c.text) - (c.end - c.start)
	}
	b.Grow(n)
	prev := 0
	for _, c := range changes {
		b.WriteString(text[prev:c.start])
		b.WriteString(c.text)
		prev = c.end
	}
	b.WriteString(text[prev:])
	return b.String()
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

// overlapsProtected reports whether [start, end) shares a byte with a
// protected region.
func overlapsProtected(prot []Span, start, end int) bool {
	for _, p := range prot {
		if start < p.End && end > p.Start {
			return true
		}
	}
	return false
}

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
	Applied  []int    // edits applied
	Skipped  []int    // edits skipped (missing target, protected region, unknown op)
	Appended []int    // insert_after edits whose missing target fell back to append
	Status   []string // per edit, the reference's report status ("applied_insert_after", "skipped_replace_target_not_found" …)
}

// ApplyLenient reproduces the reference implementation
// (skillopt/optimizer/skill.py, _apply_edit_with_report) exactly, for
// comparison and reproduction: edits apply one after another to the
// evolving text; each content is trimmed of surrounding whitespace (Python's
// str.strip) and stripped of protected-region markers; an edit whose
// target's first occurrence lies within the region from the first start
// marker to the first end marker is skipped; append, and insert_after with
// a missing target, go before the first start marker (the text before it
// right-trimmed, then a blank line, the content and a blank line) or at the
// end after a blank line; insert_after puts a blank line and the content
// after the line holding the end of the target's first occurrence; replace
// and delete change the first occurrence and skip a missing target;
// insert_before and append_section, which the reference does not know, are
// skipped as unknown ops. Line endings are not normalised (the reference
// writes LF into a CRLF document). The result must still be a valid
// Document, else the error wraps ErrInvalid and doc is returned.
func ApplyLenient(doc Document, edits []Edit) (Document, LenientResult, error) {
	if doc.text == "" {
		return doc, LenientResult{}, fmt.Errorf("%w: zero Document (use NewDocument)", ErrInvalid)
	}
	res := LenientResult{Status: make([]string, len(edits))}
	text := doc.text
	for i, e := range edits {
		var status string
		text, status = lenientEdit(text, e)
		res.Status[i] = status
		switch {
		case strings.HasPrefix(status, "applied_insert_after_fallback"):
			res.Appended = append(res.Appended, i)
		case strings.HasPrefix(status, "applied"):
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

// lenientEdit is the reference's _apply_edit_with_report on one edit:
// the new text and the reference's status.
func lenientEdit(s string, e Edit) (string, string) {
	content := strings.TrimFunc(e.Content, pyIsSpace)
	content = strings.ReplaceAll(strings.ReplaceAll(content, ProtectedStart, ""), ProtectedEnd, "")
	target := e.Target
	if target != "" && inFirstRegion(s, target) {
		return s, "skipped_protected_slow_update_region"
	}
	switch e.Op {
	case OpAppend:
		return lenientAppend(s, content, "applied_append")
	case OpInsertAfter:
		at := -1
		if target != "" {
			at = strings.Index(s, target)
		}
		if at < 0 {
			return lenientAppend(s, content, "applied_insert_after_fallback")
		}
		p := at + len(target)
		ins := len(s)
		if nl := strings.IndexByte(s[p:], '\n'); nl >= 0 {
			ins = p + nl + 1
		}
		return s[:ins] + "\n" + content + "\n" + s[ins:], "applied_insert_after"
	case OpReplace, OpDelete:
		if target == "" {
			return s, "skipped_" + string(e.Op) + "_missing_target"
		}
		at := strings.Index(s, target)
		if at < 0 {
			return s, "skipped_" + string(e.Op) + "_target_not_found"
		}
		if e.Op == OpDelete {
			content = ""
		}
		return s[:at] + content + s[at+len(target):], "applied_" + string(e.Op)
	}
	return s, "skipped_unknown_op"
}

// lenientAppend is the reference's append: before the first start marker,
// or at the end.
func lenientAppend(s, content, status string) (string, string) {
	if su := strings.Index(s, ProtectedStart); su >= 0 {
		before := strings.TrimRightFunc(s[:su], pyIsSpace)
		if status == "applied_append" {
			status = "applied_append_before_slow_update"
		} else {
			status += "_before_slow_update"
		}
		return before + "\n\n" + content + "\n\n" + s[su:], status
	}
	if status != "applied_append" {
		status += "_append"
	}
	return strings.TrimRightFunc(s, pyIsSpace) + "\n\n" + content + "\n", status
}

// inFirstRegion is the reference's protection test: the target's first
// occurrence lies in [first start marker, first end marker + its length).
func inFirstRegion(s, target string) bool {
	start, end := strings.Index(s, ProtectedStart), strings.Index(s, ProtectedEnd)
	if start < 0 || end < 0 {
		return false
	}
	t := strings.Index(s, target)
	return t >= 0 && start <= t && t < end+len(ProtectedEnd)
}

// pyIsSpace is Python's str.isspace for one character (what str.strip
// removes): Unicode White_Space plus the separators U+001C–U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }
