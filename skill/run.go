package skill

import (
	"context"
	"errors"
	"fmt"
)

// Run drives the optimizer to the end with the caller's evaluator and
// proposer, built on Next and Tell (it reads the wall clock for
// OptimizerConfig.MaxWall). If the proposer implements EpochHook (see
// WithEpochHook for functions) it performs the epoch-end slow and meta
// updates. A plain Proposer works with the default SlowUpdate (SlowAuto:
// the epoch-end updates are then skipped); with SlowForce or SlowGated it
// is refused before any call, with an error wrapping ErrInvalid.
//
// Run returns the summary and nil when the run ends (every epoch done or a
// hard budget reached: Summary.Stop says which); the context's error if it
// is cancelled, leaving the interrupted call pending so that a later Run
// (or a Snapshot restored elsewhere) resumes it; and an error if the
// initial document could not be scored. Evaluator and proposer failures
// during steps are recorded in the audit trail and do not stop the run.
func (o *Optimizer) Run(ctx context.Context, ev Evaluator, p Proposer) (Summary, error) {
	if err := o.valid(); err != nil {
		return Summary{}, err
	}
	if ctx == nil {
		return o.Summary(), fmt.Errorf("%w: nil context", ErrInvalid)
	}
	if ev == nil || p == nil {
		return o.Summary(), fmt.Errorf("%w: nil Evaluator or Proposer", ErrInvalid)
	}
	hook, _ := p.(EpochHook)
	if h, ok := p.(interface{ hasEpochHook() bool }); ok && !h.hasEpochHook() && o.cfg.SlowUpdate == SlowAuto {
		hook = nil
	}
	if hook == nil {
		switch o.cfg.SlowUpdate {
		case SlowForce, SlowGated:
			return o.Summary(), fmt.Errorf("%w: OptimizerConfig.SlowUpdate = %v needs an EpochHook, but the Proposer (%T) does not implement it; wrap it with WithEpochHook or use SlowAuto or SlowOff", ErrInvalid, o.cfg.SlowUpdate, p)
		case SlowAuto:
			o.st.NoHook = true
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return o.Summary(), err
		}
		t := o.Next()
		var r Reply
		switch t.Kind {
		case TaskDone:
			if t.Stop == StopFailed {
				return o.Summary(), fmt.Errorf("skill: scoring the initial document: %s", o.st.Err)
			}
			return o.Summary(), nil
		case TaskEvaluate:
			r.Results, r.Err = ev.Evaluate(ctx, t.Document, t.Split, t.IDs)
		case TaskPropose:
			r.Proposal, r.Err = p.Propose(ctx, t.Request)
		case TaskEpoch:
			if hook == nil { // an epoch-end update already under way when the hook went missing
				r.Err = fmt.Errorf("%w: the Proposer (%T) does not implement EpochHook", ErrInvalid, p)
				break
			}
			r.Update, r.Err = hook.EpochEnd(ctx, t.EpochRequest)
		}
		if err := ctx.Err(); err != nil && r.Err != nil && errors.Is(r.Err, err) {
			return o.Summary(), err // cancelled mid-call: leave the task pending
		}
		if err := o.Tell(r); err != nil {
			if errors.Is(err, ErrProtocol) {
				return o.Summary(), err
			}
			// An unusable answer (NaN score, missing item …) fails the call.
			if err := o.Tell(Reply{Err: err}); err != nil {
				return o.Summary(), err
			}
		}
	}
}

// WithEpochHook returns a Proposer that proposes with p and performs the
// epoch-end updates with h, for a proposer and a hook written as functions
// (ProposerFunc, EpochHookFunc). A nil p or h makes the corresponding call
// fail with an error wrapping ErrInvalid.
func WithEpochHook(p Proposer, h EpochHook) Proposer { return hooked{p, h} }

type hooked struct {
	p Proposer
	h EpochHook
}

func (x hooked) Propose(ctx context.Context, req Request) (Proposal, error) {
	if x.p == nil {
		return Proposal{}, fmt.Errorf("%w: WithEpochHook: nil Proposer", ErrInvalid)
	}
	return x.p.Propose(ctx, req)
}

func (x hooked) EpochEnd(ctx context.Context, req EpochRequest) (EpochUpdate, error) {
	if x.h == nil {
		return EpochUpdate{}, fmt.Errorf("%w: WithEpochHook: nil EpochHook", ErrInvalid)
	}
	return x.h.EpochEnd(ctx, req)
}
