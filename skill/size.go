package skill

import (
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// Size measures a change between two documents.
type Size struct {
	LinesAdded   int `json:"lines_added"`
	LinesRemoved int `json:"lines_removed"`
	CharsAdded   int `json:"chars_added"` // runes
	CharsRemoved int `json:"chars_removed"`
	Tokens       int `json:"tokens,omitempty"` // |tokens(after)| − |tokens(before)|, when a tokenizer was given
}

// Measure returns the size of the change from before to after by a line
// diff. tokenize, if non-nil, counts tokens (the caller's tokenizer).
func Measure(before, after Document, tokenize func(string) int) Size {
	var s Size
	for _, e := range udiff.Lines(before.text, after.text) {
		old := before.text[e.Start:e.End]
		s.LinesRemoved += countLines(old)
		s.LinesAdded += countLines(e.New)
		s.CharsRemoved += len([]rune(old))
		s.CharsAdded += len([]rune(e.New))
	}
	if tokenize != nil {
		s.Tokens = tokenize(after.text) - tokenize(before.text)
	}
	return s
}

func countLines(s string) int {
	if s == "" {
		return 0
	}
	n := strings.Count(s, "\n")
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// Diff returns a unified diff from before to after, for logs.
func Diff(before, after Document) string {
	return udiff.Unified("before", "after", before.text, after.text)
}
