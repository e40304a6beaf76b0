package skill

import (
	"errors"
	"sort"
)

// planCalls splits a step's rollouts into the optimizer calls: failures
// and successes apart, each shuffled and cut into minibatches of PerCall.
func (o *Optimizer) planCalls(rs []Result) {
	s := o.st.Scratch
	s.Rollouts = rs
	var fail, succ []int
	for i, r := range rs {
		if r.Failed() {
			fail = append(fail, i)
		} else if !o.cfg.FailureOnly {
			succ = append(succ, i)
		}
	}
	s.Patterns = failurePatterns(rs)
	s.Rec.Failed, s.Rec.Total = len(fail), len(rs)
	for k, group := range [][]int{fail, succ} {
		o.rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		for lo := 0; lo < len(group); lo += o.cfg.PerCall {
			s.Batches = append(s.Batches, minibatch{Successes: k == 1, Items: group[lo:min(lo+o.cfg.PerCall, len(group))]})
		}
	}
	if len(s.Batches) == 0 {
		o.finishStep(DecisionNoEdits, "no rollouts to learn from")
		return
	}
	o.st.Phase = phPropose
}

func (o *Optimizer) onProposal(req Request, p Proposal, err error) {
	s := o.st.Scratch
	call := Call{Call: req.Call, Attempt: 0, Successes: req.Successes, Proposal: p, Cost: p.Cost}
	call.Proposal.Cost = 0 // kept in call.Cost
	if req.Retry != nil {
		call.Attempt = req.Retry.Attempt
	}
	var refused []string
	keep := p.Edits
	if err != nil {
		call.Proposal = Proposal{}
		call.Err = err.Error()
		refused = []string{err.Error()}
		keep = nil
	} else if !o.cfg.Lenient && len(p.Edits) > 0 {
		if _, aerr := Apply(o.st.Current, p.Edits); aerr != nil {
			refused = errorList(aerr)
			call.Refused = refused
			keep = nil
			bad := map[int]string{}
			var ee *EditError
			for _, e := range unjoin(aerr) {
				if errors.As(e, &ee) {
					bad[ee.Index] = e.Error()
				}
			}
			if call.Attempt >= o.cfg.Retries { // last chance: keep what applies
				for i, e := range p.Edits {
					if why, ok := bad[i]; ok {
						s.Rec.Dropped = append(s.Rec.Dropped, Dropped{Call: req.Call, Index: i, Edit: e, Reason: why})
						continue
					}
					keep = append(keep, e)
				}
				if _, aerr := Apply(o.st.Current, keep); aerr != nil && len(keep) > 0 {
					for i, e := range keep {
						s.Rec.Dropped = append(s.Rec.Dropped, Dropped{Call: req.Call, Index: i, Edit: e, Reason: "the rest of the proposal still does not apply: " + aerr.Error()})
					}
					keep = nil
				}
			}
		}
	}
	s.Rec.Calls = append(s.Rec.Calls, call)
	if refused != nil && call.Attempt < o.cfg.Retries {
		s.Retry = &Retry{Attempt: call.Attempt + 1, Previous: p, Errors: refused}
		return
	}
	s.Retry = nil
	s.Edits = append(s.Edits, keep...)
	s.Call++
	if s.Call < len(s.Batches) {
		return
	}
	o.buildCandidate()
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func errorList(err error) []string {
	var out []string
	for _, e := range unjoin(err) {
		out = append(out, e.Error())
	}
	return out
}

// buildCandidate merges the calls' edits, trims them to the step's limits
// and applies them.
func (o *Optimizer) buildCandidate() {
	s := o.st.Scratch
	cur := o.st.Current
	lim := o.limits()
	s.Rec.Limits = &lim
	// Merge: identical edits proposed by several calls become one, ordered
	// by support (how many times it was proposed; ties keep the proposers'
	// order), then edits that conflict with better-supported ones (e.g. two
	// calls editing the same line) are dropped.
	var merged []Edit
	support := map[Edit]int{}
	for _, e := range s.Edits {
		if support[e] == 0 {
			merged = append(merged, e)
		}
		support[e]++
	}
	sort.SliceStable(merged, func(a, b int) bool { return support[merged[a]] > support[merged[b]] })
	if !o.cfg.Lenient {
		if _, err := Apply(cur, merged); err != nil {
			var kept []Edit
			for i, e := range merged {
				try := append(append([]Edit(nil), kept...), e)
				if _, err := Apply(cur, try); err != nil {
					s.Rec.Dropped = append(s.Rec.Dropped, Dropped{Call: -1, Index: i, Edit: e, Reason: "conflicts with another call's edit: " + err.Error()})
					continue
				}
				kept = try
			}
			merged = kept
		}
	}
	if len(merged) == 0 {
		o.finishStep(DecisionNoEdits, "no applicable edit was proposed")
		return
	}
	sel, err := o.cfg.Selector.Select(cur, merged, lim)
	if err != nil {
		o.finishStep(DecisionOverBudget, err.Error())
		return
	}
	var cand Document
	if o.cfg.Lenient {
		var res LenientResult
		cand, res, err = ApplyLenient(cur, sel)
		for _, i := range res.Skipped {
			s.Rec.Dropped = append(s.Rec.Dropped, Dropped{Call: -1, Index: i, Edit: sel[i], Reason: "skipped by lenient application"})
		}
	} else {
		cand, err = Apply(cur, sel)
	}
	s.Rec.Applied = sel
	if err != nil {
		o.finishStep(DecisionNoEdits, err.Error())
		return
	}
	if cand.Hash() == cur.Hash() {
		o.finishStep(DecisionNoEdits, "the edits leave the document unchanged")
		return
	}
	size := o.describe(&s.Rec, cur, cand)
	if err := within(size, cand, len(sel), lim); err != nil {
		o.finishStep(DecisionOverBudget, err.Error())
		return
	}
	s.Candidate = cand
	o.st.Phase = phValidate
}

// describe records the change from before to after in rec: the
// candidate's hash, its size and its diff; it returns the size.
func (o *Optimizer) describe(rec *Record, before, after Document) Size {
	size := Measure(before, after, o.cfg.Tokenize)
	rec.After, rec.Size, rec.Diff = after.Hash(), &size, Diff(before, after)
	return size
}

// judge runs the gate on a scored candidate, filling rec's scores; an
// accepted candidate becomes the current document, and the best if it
// beats the best.
func (o *Optimizer) judge(cand Document, s valScore, rec *Record) (Decision, string) {
	st := &o.st
	g := o.cfg.Gate
	rec.ScoreBefore, rec.ScoreAfter = g.of(st.CurScore), g.of(s)
	v := g.decide(s, st.CurScore, cand, o.rng)
	rec.PValue = v.p
	if !v.accept {
		return DecisionReject, v.reason
	}
	st.Current, st.CurScore = cand, s
	if rec.ScoreAfter > g.of(st.BestScore) {
		st.Best, st.BestScore, st.BestStep = cand, s, st.Step
		return DecisionNewBest, ""
	}
	return DecisionAccept, ""
}

// finishStep records the step, feeds the buffer and moves on.
func (o *Optimizer) finishStep(d Decision, reason string) {
	st := &o.st
	s := st.Scratch
	s.Rec.Decision, s.Rec.Reason = d, reason
	entry := BufferEntry{Step: st.Step, Decision: d, Failed: s.Rec.Failed, Total: s.Rec.Total, Patterns: s.Patterns}
	if d == DecisionReject {
		entry.ScoreBefore, entry.ScoreAfter = s.Rec.ScoreBefore, s.Rec.ScoreAfter
		entry.Rejected = s.Rec.Applied
	}
	st.Buffer = append(st.Buffer, entry)
	if c := o.cfg.BufferCapacity; c > 0 && len(st.Buffer) > c {
		st.Buffer = append(Buffer(nil), st.Buffer[len(st.Buffer)-c:]...)
	}
	o.record(s.Rec)
	st.Scratch = nil
	st.StepInEpoch++
	st.Phase = phStartStep
}

// record appends r to the audit trail with the best score and the
// counters as they stand.
func (o *Optimizer) record(r Record) {
	r.Best = o.cfg.Gate.of(o.st.BestScore)
	r.EvalUnits, r.ProposerCalls, r.Cost = o.st.EvalUnits, o.st.Calls, o.st.Cost
	o.st.Records = append(o.st.Records, r)
}
