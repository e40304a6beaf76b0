package skill

import (
	"fmt"
	"strings"
)

// FailurePattern groups a step's failed rollouts by pattern.
type FailurePattern struct {
	Pattern string   `json:"pattern"`
	Count   int      `json:"count"`
	IDs     []string `json:"ids"`
}

// BufferEntry is what the rejected-edit buffer keeps of one step.
type BufferEntry struct {
	Step        int              `json:"step"`
	Decision    Decision         `json:"decision"`
	Failed      int              `json:"failed"`
	Total       int              `json:"total"`
	Patterns    []FailurePattern `json:"patterns,omitempty"`
	ScoreBefore float64          `json:"score_before"` // rejected steps only (0 otherwise)
	ScoreAfter  float64          `json:"score_after"`
	Rejected    []Edit           `json:"rejected,omitempty"`
}

// Buffer is the rejected-edit buffer: one entry per step.
type Buffer []BufferEntry

// String renders the buffer as the reference puts it into every optimizer
// prompt ("previous steps in this epoch"); empty for an empty buffer.
func (b Buffer) String() string {
	if len(b) == 0 {
		return ""
	}
	var s strings.Builder
	s.WriteString("Below is a summary of previous steps in this epoch. Use it to avoid repeating ineffective edits and to prioritise failure patterns that remain unsolved.\n")
	for _, e := range b {
		fmt.Fprintf(&s, "\n### Step %d — %s (%d/%d failed)", e.Step, strings.ToUpper(string(e.Decision)), e.Failed, e.Total)
		for _, p := range e.Patterns {
			fmt.Fprintf(&s, "\n  - %q (×%d, tasks: %s)", p.Pattern, p.Count, strings.Join(p.IDs, ", "))
		}
		if len(e.Rejected) > 0 {
			fmt.Fprintf(&s, "\n  Rejected edits (score %.4g → %.4g):", e.ScoreBefore, e.ScoreAfter)
			for i, ed := range e.Rejected {
				if ed.Target != "" {
					fmt.Fprintf(&s, "\n    %d. [%s] target=%q → %q", i+1, ed.Op, ed.Target, ed.Content)
				} else {
					fmt.Fprintf(&s, "\n    %d. [%s] %q", i+1, ed.Op, ed.Content)
				}
			}
		}
	}
	return s.String()
}

// failurePatterns groups failed results by the text before the first ':'
// of Failure ("unknown" when empty), in order of first appearance.
func failurePatterns(rs []Result) []FailurePattern {
	var out []FailurePattern
	at := map[string]int{}
	for _, r := range rs {
		if !r.Failed() {
			continue
		}
		p := r.Failure
		if i := strings.IndexByte(p, ':'); i >= 0 {
			p = p[:i]
		}
		p = strings.TrimSpace(p)
		if p == "" {
			p = "unknown"
		}
		k, ok := at[p]
		if !ok {
			k = len(out)
			at[p] = k
			out = append(out, FailurePattern{Pattern: p})
		}
		out[k].Count++
		out[k].IDs = append(out[k].IDs, r.ID)
	}
	return out
}
