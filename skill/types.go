package skill

import (
	"time"
)

// Decision is what became of a step, an epoch-end update or the final
// check.
type Decision string

const (
	DecisionBaseline    Decision = "baseline"        // the initial document was scored
	DecisionAccept      Decision = "accept"          // the gate accepted the candidate
	DecisionNewBest     Decision = "accept_new_best" // … and it is the best so far
	DecisionReject      Decision = "reject"          // the gate rejected the candidate (Record.Reason says why)
	DecisionNoEdits     Decision = "no_edits"        // no usable edit was proposed
	DecisionOverBudget  Decision = "over_budget"     // the selected edits exceed the step's limits
	DecisionFailed      Decision = "failed"          // an evaluation or epoch-end call failed (Record.Reason)
	DecisionForce       Decision = "force_accept"    // slow-update guidance injected without the gate
	DecisionPlaceholder Decision = "placeholder"     // epoch 1: an empty protected block was added
	DecisionPromote     Decision = "promote"         // final: the last document beat the best and replaced it
	DecisionKeep        Decision = "keep"            // final: the best document stays
	DecisionStopped     Decision = "stopped"         // a hard budget stopped the run during this step
)

// String returns the decision as written in the audit trail, or
// Decision("…") for an unknown value.
func (d Decision) String() string {
	return stringEnum("Decision", d, DecisionBaseline, DecisionAccept, DecisionNewBest, DecisionReject, DecisionNoEdits,
		DecisionOverBudget, DecisionFailed, DecisionForce, DecisionPlaceholder, DecisionPromote, DecisionKeep, DecisionStopped)
}

// TaskKind is what the caller must do next.
type TaskKind int

const (
	TaskNone     TaskKind = iota // the zero Task: nothing asked (the run is not finished); NextAt never returns it
	TaskEvaluate                 // run Evaluator.Evaluate(Document, Split, IDs)
	TaskPropose                  // run Proposer.Propose(Request)
	TaskEpoch                    // run EpochHook.EpochEnd(EpochRequest)
	TaskDone                     // the run has ended; see Task.Stop
)

// String returns the kind's name ("evaluate", …), or TaskKind(n).
func (k TaskKind) String() string {
	return intEnum("TaskKind", k, "none", "evaluate", "propose", "epoch", "done")
}

// Purpose says why a document is evaluated.
type Purpose string

const (
	PurposeBaseline     Purpose = "baseline"      // the initial document on the validation split
	PurposeRollout      Purpose = "rollout"       // the current document on a training batch
	PurposeCandidate    Purpose = "candidate"     // a step's candidate on the validation split
	PurposeSlowPrevious Purpose = "slow_previous" // the previous epoch's document on sampled training items
	PurposeSlowCurrent  Purpose = "slow_current"  // the current document on the same items
	PurposeSlowGate     Purpose = "slow_gate"     // a gated slow update on the validation split
	PurposeFinal        Purpose = "final"         // the last document, for final promotion
)

// String returns the purpose's name, or Purpose("…") for an unknown value.
func (p Purpose) String() string {
	return stringEnum("Purpose", p, PurposeBaseline, PurposeRollout, PurposeCandidate, PurposeSlowPrevious,
		PurposeSlowCurrent, PurposeSlowGate, PurposeFinal)
}

// Task is one request of the ask/tell form.
type Task struct {
	Kind         TaskKind
	Purpose      Purpose // TaskEvaluate
	Epoch, Step  int
	Document     Document // TaskEvaluate
	Split        Split    // TaskEvaluate
	IDs          []string // TaskEvaluate
	Request      Request
	EpochRequest EpochRequest
	Stop         Stop // TaskDone
}

// Reply answers the pending task: Results for TaskEvaluate, Proposal for
// TaskPropose, Update for TaskEpoch, or Err if the call failed.
type Reply struct {
	Results  []Result
	Proposal Proposal
	Update   EpochUpdate
	Err      error
}

// Summary summarises a run, finished or not.
type Summary struct {
	Best          Document
	BestScore     float64
	BestStep      int // global step at which Best was accepted (0: the initial document)
	Current       Document
	CurrentScore  float64 // after a force-accepted slow update, the score the gate compares with (the injected document is not scored)
	Baseline      float64
	Steps         int // steps started
	Stop          Stop
	EvalUnits     int
	ProposerCalls int
	Cost          float64
	Elapsed       time.Duration
}
