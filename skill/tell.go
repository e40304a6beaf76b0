package skill

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Tell answers the task Next returned. A reply that does not fit the task
// is refused with an error and changes nothing: a payload of another kind
// (Results answering a propose task, a Proposal or Update answering an
// evaluation …) or any reply once the run has ended, with ErrProtocol;
// results for other ids, out-of-range or non-finite scores and costs, and
// strings that are not valid UTF-8, with ErrInvalid. A reply carrying Err is
// accepted (its payload of the right kind is ignored) and recorded as a
// failure: a failed evaluation fails its step, a failed proposal is retried
// or contributes no edits.
//
// Costs are summed with saturation at math.MaxFloat64, so Summary.Cost
// stays finite (and the run snapshottable) for any finite input.
func (o *Optimizer) Tell(r Reply) error {
	if err := o.valid(); err != nil {
		return err
	}
	if o.pending == nil {
		return fmt.Errorf("%w: no task is pending (call Next first)", ErrProtocol)
	}
	t := *o.pending
	if err := checkKind(t.Kind, r); err != nil {
		return err
	}
	var results []Result
	if r.Err == nil {
		switch t.Kind {
		case TaskEvaluate:
			var err error
			if results, err = checkResults(t.IDs, r.Results); err != nil {
				return err
			}
		case TaskPropose:
			if err := checkProposal(r.Proposal); err != nil {
				return err
			}
		case TaskEpoch:
			if err := checkUpdate(r.Update); err != nil {
				return err
			}
		}
	} else if !utf8.ValidString(r.Err.Error()) {
		return fmt.Errorf("%w: Reply.Err message is not valid UTF-8", ErrInvalid)
	}
	o.pending = nil
	st := &o.st
	switch t.Kind {
	case TaskEvaluate:
		st.EvalUnits = addCount(st.EvalUnits, len(t.IDs))
		for _, x := range results {
			st.Cost = addCost(st.Cost, x.Cost)
		}
		o.onEval(t.Purpose, results, r.Err)
	case TaskPropose:
		st.Calls = addCount(st.Calls, 1)
		if r.Err == nil {
			st.Cost = addCost(st.Cost, r.Proposal.Cost)
		}
		o.onProposal(t.Request, r.Proposal, r.Err)
	case TaskEpoch:
		st.Calls = addCount(st.Calls, 1)
		if r.Err == nil {
			st.Cost = addCost(st.Cost, r.Update.Cost)
		}
		o.onEpochUpdate(t.EpochRequest, r.Update, r.Err)
	}
	return nil
}

// checkKind refuses a reply whose payload belongs to another kind of task.
func checkKind(k TaskKind, r Reply) error {
	if k == TaskDone {
		return fmt.Errorf("%w: the run has ended", ErrProtocol)
	}
	wrong := func(what string) error {
		return fmt.Errorf("%w: a %s task was answered with %s", ErrProtocol, k, what)
	}
	if k != TaskEvaluate && r.Results != nil {
		return wrong("Results")
	}
	if k != TaskPropose && (r.Proposal.Edits != nil || r.Proposal.Reasoning != "" || r.Proposal.Cost != 0) {
		return wrong("a Proposal")
	}
	if k != TaskEpoch && r.Update != (EpochUpdate{}) {
		return wrong("an EpochUpdate")
	}
	return nil
}

// addCost adds a cost, saturating at math.MaxFloat64.
func addCost(a, b float64) float64 { return min(a+b, math.MaxFloat64) }

// addCount adds to a counter, saturating at math.MaxInt.
func addCount(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func checkCost(what string, c float64) error {
	if !(c >= 0) || math.IsInf(c, 0) {
		return fmt.Errorf("%w: %s cost %v (must be finite and ≥ 0)", ErrInvalid, what, c)
	}
	return nil
}

func checkProposal(p Proposal) error {
	if err := checkCost("Proposal", p.Cost); err != nil {
		return err
	}
	if !utf8.ValidString(p.Reasoning) {
		return fmt.Errorf("%w: Proposal.Reasoning is not valid UTF-8", ErrInvalid)
	}
	for i, e := range p.Edits {
		if !utf8.ValidString(string(e.Op)) || !utf8.ValidString(e.Target) || !utf8.ValidString(e.Content) {
			return fmt.Errorf("%w: Proposal.Edits[%d] is not valid UTF-8", ErrInvalid, i)
		}
	}
	return nil
}

func checkUpdate(u EpochUpdate) error {
	if err := checkCost("EpochUpdate", u.Cost); err != nil {
		return err
	}
	if !utf8.ValidString(u.Guidance) || !utf8.ValidString(u.Memory) {
		return fmt.Errorf("%w: EpochUpdate text is not valid UTF-8", ErrInvalid)
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
			return nil, fmt.Errorf("%w: item %q: soft score %v (must be finite)", ErrInvalid, r.ID, r.Soft)
		case !utf8.ValidString(r.Trace) || !utf8.ValidString(r.Failure):
			return nil, fmt.Errorf("%w: item %q: Trace or Failure is not valid UTF-8", ErrInvalid, r.ID)
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
		o.record(Record{Kind: KindBaseline, After: st.Current.Hash(), ScoreAfter: st.Baseline, Scored: true, Decision: DecisionBaseline})
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
