package skill

import (
	"context"
	"errors"
	"fmt"
)

// Run drives the optimizer to the end with the caller's evaluator and
// proposer, built on Next and Tell. If the proposer implements EpochHook
// it performs the epoch-end slow and meta updates; otherwise Config.SlowUpdate
// must be SlowOff.
//
// Run returns the outcome and nil when the run ends (every epoch done or a
// hard budget reached: Outcome.Stop says which); the context's error if it
// is cancelled, leaving the interrupted call pending so that a later Run
// (or a Snapshot restored elsewhere) resumes it; and an error if the
// initial document could not be scored. Evaluator and proposer failures
// during steps are recorded in the audit trail and do not stop the run.
func (o *Optimizer) Run(ctx context.Context, ev Evaluator, p Proposer) (Outcome, error) {
	if ev == nil || p == nil {
		return o.Outcome(), fmt.Errorf("%w: nil Evaluator or Proposer", ErrInvalid)
	}
	hook, _ := p.(EpochHook)
	if hook == nil && o.cfg.SlowUpdate != SlowOff {
		return o.Outcome(), fmt.Errorf("%w: Config.SlowUpdate is on (the reference's default) but the Proposer does not implement EpochHook; implement it or set SlowUpdate: SlowOff", ErrInvalid)
	}
	for {
		if err := ctx.Err(); err != nil {
			return o.Outcome(), err
		}
		t := o.Next()
		var r Reply
		switch t.Kind {
		case TaskDone:
			if t.Stop == StopFailed {
				return o.Outcome(), fmt.Errorf("skill: scoring the initial document: %s", o.st.Err)
			}
			return o.Outcome(), nil
		case TaskEvaluate:
			r.Results, r.Err = ev.Evaluate(ctx, t.Document, t.Split, t.IDs)
		case TaskPropose:
			r.Proposal, r.Err = p.Propose(ctx, t.Request)
		case TaskEpoch:
			r.Update, r.Err = hook.EpochEnd(ctx, t.EpochRequest)
		}
		if err := ctx.Err(); err != nil && r.Err != nil && errors.Is(r.Err, err) {
			return o.Outcome(), err // cancelled mid-call: leave the task pending
		}
		if err := o.Tell(r); err != nil {
			if errors.Is(err, ErrProtocol) {
				return o.Outcome(), err
			}
			// An unusable answer (NaN score, missing item …) fails the call.
			if err := o.Tell(Reply{Err: err}); err != nil {
				return o.Outcome(), err
			}
		}
	}
}
