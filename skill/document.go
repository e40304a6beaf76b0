package skill

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Protected-region markers of the reference (github.com/microsoft/SkillOpt):
// text between them is written only by the slow update, never by edits.
const (
	ProtectedStart = "<!-- SLOW_UPDATE_START -->"
	ProtectedEnd   = "<!-- SLOW_UPDATE_END -->"
)

// Document is an immutable skill document: Markdown text that a frozen agent
// reads at inference. The zero value is not valid; use NewDocument.
type Document struct {
	text string
	hash string
}

// NewDocument validates text (non-empty, valid UTF-8, balanced protected
// markers) and returns the document.
func NewDocument(text string) (Document, error) {
	if strings.TrimSpace(text) == "" {
		return Document{}, fmt.Errorf("%w: empty document", ErrInvalid)
	}
	if !utf8.ValidString(text) {
		return Document{}, fmt.Errorf("%w: document is not valid UTF-8", ErrInvalid)
	}
	if _, err := protectedSpans(text); err != nil {
		return Document{}, err
	}
	sum := sha256.Sum256([]byte(text))
	return Document{text: text, hash: hex.EncodeToString(sum[:])}, nil
}

// Text returns the document's text.
func (d Document) Text() string { return d.text }

// Hash returns the hex SHA-256 of the text: the key of the evaluation cache.
func (d Document) Hash() string { return d.hash }

// Span is a half-open byte range [Start, End) of a document.
type Span struct{ Start, End int }

// Protected returns the protected regions, markers included.
func (d Document) Protected() []Span {
	s, _ := protectedSpans(d.text)
	return s
}

func protectedSpans(text string) ([]Span, error) {
	var spans []Span
	at := 0
	for {
		i := strings.Index(text[at:], ProtectedStart)
		j := strings.Index(text[at:], ProtectedEnd)
		if i < 0 {
			if j >= 0 {
				return nil, fmt.Errorf("%w: %s without %s", ErrInvalid, ProtectedEnd, ProtectedStart)
			}
			return spans, nil
		}
		if j < 0 || j < i {
			return nil, fmt.Errorf("%w: unbalanced protected-region markers", ErrInvalid)
		}
		start := at + i
		k := strings.Index(text[start+len(ProtectedStart):], ProtectedEnd)
		end := start + len(ProtectedStart) + k + len(ProtectedEnd)
		if nested := strings.Index(text[start+len(ProtectedStart):end], ProtectedStart); nested >= 0 {
			return nil, fmt.Errorf("%w: nested protected regions", ErrInvalid)
		}
		spans = append(spans, Span{start, end})
		at = end
	}
}

// Section is a Markdown section: a heading line and everything up to the
// next heading of the same or a higher level.
type Section struct {
	Title string // heading text without the #s
	Level int    // number of #s
	Span  Span   // from the heading line to the section's end
}

// Sections returns the document's Markdown sections in order (headings
// inside fenced code blocks are ignored).
func (d Document) Sections() []Section { return sectionsOf(d.text) }

func sectionsOf(text string) []Section {
	var secs []Section
	inFence := false
	pos := 0
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(line, "#") {
			level := len(line) - len(strings.TrimLeft(line, "#"))
			title := strings.TrimSpace(line[level:])
			if level <= 6 && (len(line) == level || line[level] == ' ' || line[level] == '\n') {
				for k := len(secs) - 1; k >= 0; k-- {
					if secs[k].Span.End == -1 && secs[k].Level >= level {
						secs[k].Span.End = pos
					}
				}
				secs = append(secs, Section{Title: title, Level: level, Span: Span{pos, -1}})
			}
		}
		pos += len(line)
	}
	for k := range secs {
		if secs[k].Span.End == -1 {
			secs[k].Span.End = len(text)
		}
	}
	return secs
}

// MarshalText implements encoding.TextMarshaler: a document is its text.
func (d Document) MarshalText() ([]byte, error) { return []byte(d.text), nil }

// UnmarshalText implements encoding.TextUnmarshaler, validating the text as
// NewDocument does; empty text gives the zero Document.
func (d *Document) UnmarshalText(b []byte) error {
	if d == nil {
		return fmt.Errorf("%w: UnmarshalText into a nil *Document", ErrInvalid)
	}
	if len(b) == 0 {
		*d = Document{}
		return nil
	}
	doc, err := NewDocument(string(b))
	if err != nil {
		return err
	}
	*d = doc
	return nil
}
