package skill

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// RecordKind says what a Record describes.
type RecordKind string

const (
	KindBaseline RecordKind = "baseline"    // scoring the initial document
	KindStep     RecordKind = "step"        // one training step
	KindSlow     RecordKind = "slow_update" // an epoch-end update
	KindFinal    RecordKind = "final"       // the final promotion check
)

// String returns the kind's name, or RecordKind("…") for an unknown value.
func (k RecordKind) String() string {
	return stringEnum("RecordKind", k, KindBaseline, KindStep, KindSlow, KindFinal)
}

// Record is one entry of the audit trail: a step's proposals, the edits
// dropped and applied, the diff and size of the change, the step's limits,
// the scores and the decision, with the run's counters after it.
type Record struct {
	Kind        RecordKind       `json:"kind"`
	Epoch       int              `json:"epoch,omitempty"`
	Step        int              `json:"step,omitempty"`
	Failed      int              `json:"failed,omitempty"` // failed rollouts of the step
	Total       int              `json:"total,omitempty"`  // rollouts of the step
	Calls       []Call           `json:"calls,omitempty"`
	Dropped     []Dropped        `json:"dropped,omitempty"`
	Applied     []Edit           `json:"applied,omitempty"`
	Limits      *Limits          `json:"limits,omitempty"`
	Size        *Size            `json:"size,omitempty"`
	Diff        string           `json:"diff,omitempty"`
	Before      string           `json:"before,omitempty"` // document hash before
	After       string           `json:"after,omitempty"`  // candidate's hash
	ScoreBefore float64          `json:"score_before,omitempty"`
	ScoreAfter  float64          `json:"score_after,omitempty"`
	Best        float64          `json:"best,omitempty"`
	PValue      float64          `json:"p_value,omitempty"`
	Decision    Decision         `json:"decision"`
	Reason      string           `json:"reason,omitempty"`
	Pairs       map[Category]int `json:"pairs,omitempty"`    // epoch-end comparison counts
	Update      *EpochUpdate     `json:"update,omitempty"`   // the epoch hook's answer
	HookErr     string           `json:"hook_err,omitempty"` // the epoch hook's error

	EvalUnits     int     `json:"eval_units"`
	ProposerCalls int     `json:"proposer_calls"`
	Cost          float64 `json:"cost,omitempty"`
}

// Call is one optimizer call of a step, as answered.
type Call struct {
	Call      int      `json:"call"`
	Attempt   int      `json:"attempt,omitempty"` // 0, then 1 for the first retry …
	Successes bool     `json:"successes,omitempty"`
	Proposal  Proposal `json:"proposal"`
	Cost      float64  `json:"cost,omitempty"`
	Err       string   `json:"err,omitempty"`     // the proposer's error
	Refused   []string `json:"refused,omitempty"` // why the proposal did not apply
}

// Dropped is a proposed edit left out of a step, and why.
type Dropped struct {
	Call   int    `json:"call"`  // -1 when dropped while merging calls
	Index  int    `json:"index"` // in the call's proposal, or in the merged list
	Edit   Edit   `json:"edit"`
	Reason string `json:"reason"`
}

// Records returns the audit trail so far, oldest first.
func (o *Optimizer) Records() iter.Seq[Record] {
	var recs []Record
	if o != nil {
		recs = o.st.Records
	}
	return func(yield func(Record) bool) {
		for _, r := range recs {
			if !yield(r) {
				return
			}
		}
	}
}

// WriteAudit writes the audit trail as JSON Lines, one Record per line.
func (o *Optimizer) WriteAudit(w io.Writer) error {
	if err := o.valid(); err != nil {
		return err
	}
	if w == nil {
		return fmt.Errorf("%w: nil io.Writer", ErrInvalid)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for r := range o.Records() {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadAudit reads an audit trail written by WriteAudit.
func ReadAudit(r io.Reader) ([]Record, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var out []Record
	for {
		var rec Record
		err := dec.Decode(&rec)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: audit record %d: %v", ErrInvalid, len(out)+1, err)
		}
		switch rec.Kind {
		case KindBaseline, KindStep, KindSlow, KindFinal:
		default:
			return nil, fmt.Errorf("%w: audit record %d: unknown kind %q", ErrInvalid, len(out)+1, rec.Kind)
		}
		out = append(out, rec)
	}
}

// Replay answers Propose and EpochEnd from a recorded audit trail, in
// order, so that a run with the same documents, configuration and a
// deterministic Evaluator reproduces the recorded one bit for bit (a
// recorded proposer error is returned as an error with the same message).
// It is not safe for concurrent use.
type Replay struct {
	calls  []replayCall
	epochs []replayEpoch
	hooked bool // the recording has epoch-end records: the recorded run had an EpochHook (or no SlowAuto)
}

type replayCall struct {
	step, call, attempt int
	c                   Call
}

type replayEpoch struct {
	epoch int
	rec   Record
}

// NewReplay prepares a replay of records. A recording without epoch-end
// records (a run under SlowAuto with a plain Proposer, or under SlowOff)
// replays without epoch-end updates under SlowAuto.
func NewReplay(records []Record) *Replay {
	rp := &Replay{}
	for _, r := range records {
		for _, c := range r.Calls {
			rp.calls = append(rp.calls, replayCall{step: r.Step, call: c.Call, attempt: c.Attempt, c: c})
		}
		rp.hooked = rp.hooked || r.Kind == KindSlow
		if r.Kind == KindSlow && (r.Update != nil || r.HookErr != "") {
			rp.epochs = append(rp.epochs, replayEpoch{epoch: r.Epoch, rec: r})
		}
	}
	return rp
}

// Propose implements Proposer.
func (rp *Replay) Propose(_ context.Context, req Request) (Proposal, error) {
	if len(rp.calls) == 0 {
		return Proposal{}, fmt.Errorf("%w: no recorded call left for step %d call %d", ErrReplay, req.Step, req.Call)
	}
	c := rp.calls[0]
	attempt := 0
	if req.Retry != nil {
		attempt = req.Retry.Attempt
	}
	if c.step != req.Step || c.call != req.Call || c.attempt != attempt {
		return Proposal{}, fmt.Errorf("%w: asked for step %d call %d attempt %d, recorded step %d call %d attempt %d",
			ErrReplay, req.Step, req.Call, attempt, c.step, c.call, c.attempt)
	}
	rp.calls = rp.calls[1:]
	if c.c.Err != "" {
		return Proposal{}, errors.New(c.c.Err)
	}
	p := c.c.Proposal
	p.Cost = c.c.Cost
	return p, nil
}

// hasEpochHook tells Run whether the recorded run performed epoch-end
// updates: a run recorded with a plain Proposer under SlowAuto has none, and
// its replay must skip them too.
func (rp *Replay) hasEpochHook() bool { return rp.hooked }

// EpochEnd implements EpochHook.
func (rp *Replay) EpochEnd(_ context.Context, req EpochRequest) (EpochUpdate, error) {
	if len(rp.epochs) == 0 || rp.epochs[0].epoch != req.Epoch {
		return EpochUpdate{}, fmt.Errorf("%w: no recorded epoch-end update for epoch %d", ErrReplay, req.Epoch)
	}
	e := rp.epochs[0]
	rp.epochs = rp.epochs[1:]
	if e.rec.Update == nil {
		return EpochUpdate{}, errors.New(e.rec.HookErr)
	}
	return *e.rec.Update, nil
}
