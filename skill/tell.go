package skill

import (
	"fmt"
	"math"
)

// Tell answers the task Next returned. A reply that does not fit the task
// (wrong kind, results for other ids, NaN or out-of-range scores) is
// refused with an error and changes nothing; a reply carrying Err is
// accepted and recorded as a failure (a failed evaluation fails its step,
// a failed proposal is retried or contributes no edits).
func (o *Optimizer) Tell(r Reply) error {
	if err := o.valid(); err != nil {
		return err
	}
	if o.pending == nil {
		return fmt.Errorf("%w: no task is pending (call Next first)", ErrProtocol)
	}
	t := *o.pending
	var results []Result
	switch t.Kind {
	case TaskDone:
		return fmt.Errorf("%w: the run has ended", ErrProtocol)
	case TaskEvaluate:
		if r.Err == nil {
			var err error
			if results, err = checkResults(t.IDs, r.Results); err != nil {
				return err
			}
		}
	case TaskPropose:
		if r.Err == nil {
			if err := checkCost("proposal", r.Proposal.Cost); err != nil {
				return err
			}
		}
	case TaskEpoch:
		if r.Err == nil {
			if err := checkCost("epoch update", r.Update.Cost); err != nil {
				return err
			}
		}
	}
	o.pending = nil
	st := &o.st
	switch t.Kind {
	case TaskEvaluate:
		st.EvalUnits += len(t.IDs)
		for _, x := range results {
			st.Cost += x.Cost
		}
		o.onEval(t.Purpose, results, r.Err)
	case TaskPropose:
		st.Calls++
		if r.Err == nil {
			st.Cost += r.Proposal.Cost
		}
		o.onProposal(t.Request, r.Proposal, r.Err)
	case TaskEpoch:
		st.Calls++
		if r.Err == nil {
			st.Cost += r.Update.Cost
		}
		o.onEpochUpdate(t.EpochRequest, r.Update, r.Err)
	}
	return nil
}

func checkCost(what string, c float64) error {
	if !(c >= 0) || math.IsInf(c, 0) {
		return fmt.Errorf("%w: %s cost %v (must be finite and ≥ 0)", ErrInvalid, what, c)
	}
	return nil
}

// checkResults returns results in the order of ids, or an error.
func checkResults(ids []string, rs []Result) ([]Result, error) {
	if len(rs) != len(ids) {
		return nil, fmt.Errorf("%w: %d results for %d items", ErrInvalid, len(rs), len(ids))
	}
	inOrder := true
	for i, r := range rs {
		if r.ID != ids[i] {
			inOrder = false
			break
		}
	}
	var at map[string]int
	if !inOrder {
		at = make(map[string]int, len(ids))
		for i, id := range ids {
			at[id] = i
		}
	}
	out := make([]Result, len(ids))
	seen := make([]bool, len(ids))
	for k, r := range rs {
		i, ok := k, true
		if !inOrder {
			i, ok = at[r.ID]
		}
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: result for unrequested item %q", ErrInvalid, r.ID)
		case seen[i]:
			return nil, fmt.Errorf("%w: two results for item %q", ErrInvalid, r.ID)
		case !(r.Hard >= 0 && r.Hard <= 1):
			return nil, fmt.Errorf("%w: item %q: hard score %v (must be in [0, 1])", ErrInvalid, r.ID, r.Hard)
		case math.IsNaN(r.Soft) || math.IsInf(r.Soft, 0):
			return nil, fmt.Errorf("%w: item %q: soft score %v", ErrInvalid, r.ID, r.Soft)
		}
		if err := checkCost("item "+r.ID, r.Cost); err != nil {
			return nil, err
		}
		seen[i] = true
		out[i] = r
	}
	return out, nil
}

// scored summarises a validation run of doc and caches it.
func (o *Optimizer) scored(doc Document, rs []Result) valScore {
	s := o.cfg.Gate.score(rs)
	o.st.Cache[doc.Hash()] = s
	return s
}

func (o *Optimizer) onEval(p Purpose, rs []Result, err error) {
	st := &o.st
	switch p {
	case PurposeBaseline:
		if err != nil {
			st.Err = err.Error()
			o.record(Record{Kind: KindBaseline, After: st.Current.Hash(), Decision: DecisionFailed, Reason: err.Error()})
			st.Stop, st.Phase = StopFailed, phDone
			return
		}
		s := o.scored(st.Current, rs)
		st.CurScore, st.BestScore = s, s
		st.Baseline = o.cfg.Gate.of(s)
		o.record(Record{Kind: KindBaseline, After: st.Current.Hash(), ScoreAfter: st.Baseline, Decision: DecisionBaseline})
		st.Phase = phStartEpoch
	case PurposeRollout:
		if err != nil {
			o.finishStep(DecisionFailed, "rollout: "+err.Error())
			return
		}
		o.planCalls(rs)
	case PurposeCandidate:
		if err != nil {
			o.finishStep(DecisionFailed, "validation: "+err.Error())
			return
		}
		o.finishStep(o.judge(st.Scratch.Candidate, o.scored(st.Scratch.Candidate, rs), &st.Scratch.Rec))
	case PurposeSlowPrevious, PurposeSlowCurrent:
		if err != nil {
			o.finishSlow(DecisionFailed, string(p)+": "+err.Error())
			return
		}
		if p == PurposeSlowPrevious {
			st.Slow.Prev = rs
			if st.PrevEpoch.Hash() == st.Current.Hash() { // identical documents run once
				st.Slow.Curr = rs
				st.Phase = phSlowHook
			} else {
				st.Phase = phSlowCurr
			}
			return
		}
		st.Slow.Curr = rs
		st.Phase = phSlowHook
	case PurposeSlowGate:
		if err != nil {
			o.finishSlow(DecisionFailed, "validation: "+err.Error())
			return
		}
		o.finishSlow(o.judge(st.Slow.Candidate, o.scored(st.Slow.Candidate, rs), &st.Slow.Rec))
	case PurposeFinal:
		if err != nil {
			o.finish(Record{Kind: KindFinal, Epoch: st.Epoch, Step: st.Step, Before: st.Best.Hash(), After: st.Current.Hash(), Decision: DecisionFailed, Reason: "final validation: " + err.Error()})
			return
		}
		o.promote(o.scored(st.Current, rs))
	}
}
