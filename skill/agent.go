package skill

import (
	"context"
	"fmt"
	"strings"
)

// Split names a data split the Evaluator runs items of.
type Split string

const (
	SplitTrain      Split = "train"      // rollouts the optimizer model learns from
	SplitValidation Split = "validation" // the held-out split the gate scores on
)

// String returns the split's name, or Split("…") for an unknown value.
func (s Split) String() string { return stringEnum("Split", s, SplitTrain, SplitValidation) }

// Result is one item's outcome under a document.
type Result struct {
	ID      string  `json:"id"`
	Hard    float64 `json:"hard"`              // task success in [0, 1] (0 counts as a failure)
	Soft    float64 `json:"soft"`              // partial credit (F1, …), any finite value
	Trace   string  `json:"trace,omitempty"`   // the trajectory, for the optimizer model
	Failure string  `json:"failure,omitempty"` // why it failed, "pattern: detail"; failures are grouped by pattern
	Cost    float64 `json:"cost,omitempty"`    // what running the item cost (counted against OptimizerConfig.MaxCost)
}

// Failed reports whether r counts as a failure (the reference's hard < 1e-9).
func (r Result) Failed() bool { return r.Hard < 1e-9 }

// Evaluator runs the frozen agent with doc on items of a split and scores
// them. It must return exactly one Result per requested id (in any order);
// it may run items concurrently. The Optimizer never calls it under a lock.
type Evaluator interface {
	Evaluate(ctx context.Context, doc Document, split Split, ids []string) ([]Result, error)
}

// EvaluatorFunc adapts a function to Evaluator.
type EvaluatorFunc func(ctx context.Context, doc Document, split Split, ids []string) ([]Result, error)

// Evaluate implements Evaluator.
func (f EvaluatorFunc) Evaluate(ctx context.Context, doc Document, split Split, ids []string) ([]Result, error) {
	return f(ctx, doc, split, ids)
}

// Request is what the optimizer model sees in one call: the document, where
// training is, how much one step may change, a minibatch of scored
// rollouts, the rejected-edit buffer and the optimizer-side memory.
type Request struct {
	Document    Document
	Epoch       int      // from 1
	Step        int      // global step, from 1
	Call, Calls int      // this call's index within the step, and the step's number of calls
	Successes   bool     // the minibatch holds successes (else failures), as the reference splits them
	Limits      Limits   // the step's limits; the edits of all calls are trimmed to them
	Rollouts    []Result // the minibatch (OptimizerConfig.PerCall trajectories at most)
	Buffer      Buffer   // previous steps (of this epoch, by default); shared with the Optimizer: read, do not modify
	Memory      string   // the meta skill: notes for the optimizer, never deployed
	Retry       *Retry   // set when the previous proposal of this call was refused
}

// Retry tells the proposer why its previous answer was refused.
type Retry struct {
	Attempt  int      // 1 for the first retry
	Previous Proposal // the refused proposal
	Errors   []string // one message per refused edit (or the proposer's error)
}

// Proposer is the optimizer model: it turns a request into edits.
type Proposer interface {
	Propose(ctx context.Context, req Request) (Proposal, error)
}

// ProposerFunc adapts a function to Proposer.
type ProposerFunc func(ctx context.Context, req Request) (Proposal, error)

// Propose implements Proposer.
func (f ProposerFunc) Propose(ctx context.Context, req Request) (Proposal, error) { return f(ctx, req) }

// Category sorts an item of the epoch-end comparison by its outcome under
// the previous epoch's document and the current one.
type Category string

const (
	Improved      Category = "improved"        // failed before, succeeds now
	Regressed     Category = "regressed"       // succeeded before, fails now
	PersistFail   Category = "persistent_fail" // fails under both
	StableSuccess Category = "stable_success"  // succeeds under both
)

// String returns the category's name, or Category("…") for an unknown
// value.
func (c Category) String() string {
	return stringEnum("Category", c, Improved, Regressed, PersistFail, StableSuccess)
}

// Pair is one item of the epoch-end comparison.
type Pair struct {
	ID       string   `json:"id"`
	Category Category `json:"category"`
	Previous Result   `json:"previous"`
	Current  Result   `json:"current"`
}

// EpochRequest is the epoch-end (slow and meta) update's input: the
// previous epoch's last document, the current one, both run on the same
// sampled training items, the guidance now in the protected block and the
// current optimizer memory.
type EpochRequest struct {
	Epoch             int
	Previous, Current Document
	Pairs             []Pair
	Guidance          string
	Memory            string
}

// Counts returns how many pairs fall in each category.
func (r EpochRequest) Counts() map[Category]int {
	c := map[Category]int{Improved: 0, Regressed: 0, PersistFail: 0, StableSuccess: 0}
	for _, p := range r.Pairs {
		c[p.Category]++
	}
	return c
}

// EpochUpdate is the epoch-end update's answer: new guidance for the
// protected block (empty: leave it) and new optimizer memory (empty: keep).
type EpochUpdate struct {
	Guidance string  `json:"guidance,omitempty"`
	Memory   string  `json:"memory,omitempty"`
	Cost     float64 `json:"cost,omitempty"`
}

// EpochHook is implemented by a Proposer that also performs the
// reference's epoch-end slow update and meta-skill update.
type EpochHook interface {
	EpochEnd(ctx context.Context, req EpochRequest) (EpochUpdate, error)
}

// EpochHookFunc adapts a function to EpochHook.
type EpochHookFunc func(ctx context.Context, req EpochRequest) (EpochUpdate, error)

// EpochEnd implements EpochHook.
func (f EpochHookFunc) EpochEnd(ctx context.Context, req EpochRequest) (EpochUpdate, error) {
	return f(ctx, req)
}

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
	ScoreBefore float64          `json:"score_before,omitempty"` // rejected steps only
	ScoreAfter  float64          `json:"score_after,omitempty"`
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
