package skill

import (
	"strings"
)

// guidance returns the text inside the document's first protected region
// (the slow update's guidance), trimmed; empty without one.
func guidance(d Document) string {
	spans := d.Protected()
	if len(spans) == 0 {
		return ""
	}
	sp := spans[0]
	return strings.TrimSpace(d.text[sp.Start+len(ProtectedStart) : sp.End-len(ProtectedEnd)])
}

// withGuidance returns d with every protected region removed and one
// region holding g (empty: the epoch-1 placeholder) appended at the end, as the reference's slow update
// rewrites its block (runs of blank lines left by the removal collapse to
// one blank line).
//
// A document whose line breaks are all CRLF stays CRLF.
func withGuidance(d Document, g string) (Document, error) {
	text, _, crlf := lfForm(d.text, nil)
	spans, _ := protectedSpans(text)
	for k := len(spans) - 1; k >= 0; k-- {
		text = text[:spans[k].Start] + text[spans[k].End:]
	}
	if len(spans) > 0 {
		for strings.Contains(text, "\n\n\n") {
			text = strings.ReplaceAll(text, "\n\n\n", "\n\n")
		}
	}
	text = strings.TrimRight(text, " \t\r\n")
	g = strings.TrimSpace(strings.ReplaceAll(g, "\r\n", "\n"))
	if strings.Contains(g, ProtectedStart) || strings.Contains(g, ProtectedEnd) {
		return d, errGuidanceMarkers
	}
	if g != "" {
		g += "\n"
	}
	out := text + "\n\n" + ProtectedStart + "\n" + g + ProtectedEnd + "\n"
	if crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	return NewDocument(out)
}
