package skill

import ()

// Stop says why a run ended.
type Stop string

const (
	StopRunning        Stop = ""                // still running
	StopDone           Stop = "done"            // every epoch ran
	StopEvalBudget     Stop = "eval_budget"     // the next evaluation would exceed MaxEvalUnits
	StopProposerBudget Stop = "proposer_budget" // the next call would exceed MaxProposerCalls
	StopCostBudget     Stop = "cost_budget"     // MaxCost was reached
	StopWallTime       Stop = "wall_time"       // MaxWall was reached
	StopFailed         Stop = "failed"          // the initial document could not be scored
)

// String returns the reason's name ("running" for StopRunning), or
// Stop("…") for an unknown value.
func (s Stop) String() string {
	if s == StopRunning {
		return "running"
	}
	return stringEnum("Stop", s, StopDone, StopEvalBudget, StopProposerBudget, StopCostBudget, StopWallTime, StopFailed)
}

// budgetStop returns the budget the next call would break, if any.
func (o *Optimizer) budgetStop(units, calls int) Stop {
	c := o.cfg
	switch {
	case c.MaxEvalUnits > 0 && o.st.EvalUnits+units > c.MaxEvalUnits:
		return StopEvalBudget
	case c.MaxProposerCalls > 0 && o.st.Calls+calls > c.MaxProposerCalls:
		return StopProposerBudget
	case c.MaxCost > 0 && o.st.Cost >= c.MaxCost:
		return StopCostBudget
	case c.MaxWall > 0 && o.elapsed() >= c.MaxWall:
		return StopWallTime
	}
	return StopRunning
}

// afford reports whether a call of units evaluation units and calls
// proposer calls fits the hard budgets. If not, it ends the run: a step or
// epoch-end update in progress is recorded as stopped.
func (o *Optimizer) afford(units, calls int) bool {
	why := o.budgetStop(units, calls)
	if why == StopRunning {
		return true
	}
	st := &o.st
	stopped := func(rec Record) {
		rec.Decision, rec.Reason = DecisionStopped, string(why)
		o.record(rec)
	}
	if st.Scratch != nil {
		stopped(st.Scratch.Rec)
	}
	if st.Slow != nil {
		stopped(st.Slow.Rec)
	}
	st.Scratch, st.Slow = nil, nil
	st.Stop, st.Phase = why, phDone
	return false
}
