package skill

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
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

// Stop says why a run ended.
type Stop string

const (
	StopNone           Stop = ""                // still running
	StopDone           Stop = "done"            // every epoch ran
	StopEvalBudget     Stop = "eval_budget"     // the next evaluation would exceed MaxEvalUnits
	StopProposerBudget Stop = "proposer_budget" // the next call would exceed MaxProposerCalls
	StopCostBudget     Stop = "cost_budget"     // MaxCost was reached
	StopWallTime       Stop = "wall_time"       // MaxWall was reached
	StopFailed         Stop = "failed"          // the initial document could not be scored
)

// ErrProtocol reports a Tell that does not answer the pending task.
var ErrProtocol = errors.New("skill: reply does not answer the pending task")

// TaskKind is what the caller must do next.
type TaskKind int

const (
	TaskDone     TaskKind = iota // the run has ended; see Task.Stop
	TaskEvaluate                 // run Evaluator.Evaluate(Document, Split, IDs)
	TaskPropose                  // run Proposer.Propose(Request)
	TaskEpoch                    // run EpochHook.EpochEnd(EpochRequest)
)

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

// Outcome summarises a run, finished or not.
type Outcome struct {
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

type phase int

const (
	phBaseline phase = iota
	phStartEpoch
	phStartStep
	phRollout
	phPropose
	phValidate
	phEpochEnd
	phSlowPrev
	phSlowCurr
	phSlowHook
	phSlowValidate
	phFinal
	phDone
)

// state is everything a checkpoint holds.
type state struct {
	Phase       phase               `json:"phase"`
	Epoch       int                 `json:"epoch"`
	StepInEpoch int                 `json:"step_in_epoch"`
	Step        int                 `json:"step"`
	Order       []int               `json:"order,omitempty"`
	Current     Document            `json:"current"`
	CurScore    valScore            `json:"cur_score"`
	Best        Document            `json:"best"`
	BestScore   valScore            `json:"best_score"`
	BestStep    int                 `json:"best_step"`
	Baseline    float64             `json:"baseline"`
	PrevEpoch   Document            `json:"prev_epoch"`
	Buffer      Buffer              `json:"buffer,omitempty"`
	Memory      string              `json:"memory,omitempty"`
	Cache       map[string]valScore `json:"cache"`
	EvalUnits   int                 `json:"eval_units"`
	Calls       int                 `json:"proposer_calls"`
	Cost        float64             `json:"cost"`
	Elapsed     time.Duration       `json:"elapsed"`
	Stop        Stop                `json:"stop,omitempty"`
	Err         string              `json:"err,omitempty"`
	Records     []Record            `json:"records,omitempty"`
	Scratch     *scratch            `json:"scratch,omitempty"`
	Slow        *slowScratch        `json:"slow,omitempty"`
	RNG         []byte              `json:"rng,omitempty"`
}

// scratch is a step in progress.
type scratch struct {
	Rec       Record           `json:"rec"`
	Rollouts  []Result         `json:"rollouts,omitempty"`
	Batches   []minibatch      `json:"batches,omitempty"`
	Call      int              `json:"call"`
	Retry     *Retry           `json:"retry,omitempty"`
	Edits     []Edit           `json:"edits,omitempty"`
	Candidate Document         `json:"candidate"`
	Patterns  []FailurePattern `json:"patterns,omitempty"`
}

type minibatch struct {
	Successes bool  `json:"successes,omitempty"`
	Items     []int `json:"items"` // indices into Rollouts
}

// slowScratch is an epoch-end update in progress.
type slowScratch struct {
	Rec       Record   `json:"rec"`
	IDs       []string `json:"ids"`
	Prev      []Result `json:"prev,omitempty"`
	Curr      []Result `json:"curr,omitempty"`
	Candidate Document `json:"candidate"`
}

// Optimizer runs SkillOpt on one skill document. Drive it with Run, or
// yourself with Next and Tell.
//
// An Optimizer is single-owner: its methods must not be called
// concurrently (the caller's Evaluator may run items in parallel inside
// one call; the Optimizer holds no lock while a callback runs).
type Optimizer struct {
	cfg        Config
	train, val []string
	st         state
	pcg        *rand.PCG
	rng        *rand.Rand
	pending    *Task
	started    time.Time
}

// New returns an Optimizer for the initial document, training item ids
// (batched into steps) and validation item ids (the gate's fixed split).
func New(initial Document, train, validation []string, cfg Config) (*Optimizer, error) {
	if initial.text == "" {
		return nil, fmt.Errorf("%w: empty initial document (use NewDocument)", ErrInvalid)
	}
	if err := checkIDs("train", train); err != nil {
		return nil, err
	}
	if err := checkIDs("validation", validation); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults(len(train))
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := &Optimizer{
		cfg:   cfg,
		train: append([]string(nil), train...),
		val:   append([]string(nil), validation...),
	}
	o.pcg = rand.NewPCG(cfg.Seed, 0x5eed5111)
	o.rng = rand.New(o.pcg)
	o.st = state{Phase: phBaseline, Current: initial, Best: initial, PrevEpoch: initial, Cache: map[string]valScore{}}
	o.started = cfg.Now()
	return o, nil
}

func checkIDs(split string, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("%w: no %s items", ErrInvalid, split)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return fmt.Errorf("%w: duplicate %s id %q", ErrInvalid, split, id)
		}
		seen[id] = true
	}
	return nil
}

// Config returns the configuration with defaults filled in.
func (o *Optimizer) Config() Config { return o.cfg }

// Outcome returns the run's state: the best document so far and the
// counters.
func (o *Optimizer) Outcome() Outcome {
	g := o.cfg.Gate
	return Outcome{
		Best:          o.st.Best,
		BestScore:     g.of(o.st.BestScore),
		BestStep:      o.st.BestStep,
		Current:       o.st.Current,
		CurrentScore:  g.of(o.st.CurScore),
		Baseline:      o.st.Baseline,
		Steps:         o.st.Step,
		Stop:          o.st.Stop,
		EvalUnits:     o.st.EvalUnits,
		ProposerCalls: o.st.Calls,
		Cost:          o.st.Cost,
		Elapsed:       o.elapsed(),
	}
}

// Memory returns the optimizer-side meta memory.
func (o *Optimizer) Memory() string { return o.st.Memory }

// Buffer returns a copy of the rejected-edit buffer.
func (o *Optimizer) Buffer() Buffer { return append(Buffer(nil), o.st.Buffer...) }

func (o *Optimizer) elapsed() time.Duration { return o.st.Elapsed + o.cfg.Now().Sub(o.started) }

func (o *Optimizer) stepsPerEpoch() int { return o.cfg.stepsPerEpoch(len(o.train)) }

// Next returns what must be done next. It returns the same task until Tell
// answers it; once the run has ended it returns a TaskDone.
func (o *Optimizer) Next() Task {
	if o.pending != nil {
		return *o.pending
	}
	t := o.advance()
	o.pending = &t
	return t
}

// advance runs the bookkeeping transitions until the run needs an answer
// from the caller, and returns that task.
func (o *Optimizer) advance() Task {
	for {
		st := &o.st
		switch st.Phase {
		case phBaseline:
			if t, ok := o.evalTask(PurposeBaseline, st.Current, SplitValidation, o.val); ok {
				return t
			}
		case phStartEpoch:
			if st.Epoch == o.cfg.Epochs {
				st.Phase = phFinal
				continue
			}
			st.Epoch++
			st.StepInEpoch = 0
			if o.cfg.BufferReset == ResetEachEpoch {
				st.Buffer = nil
			}
			st.Order = o.rng.Perm(len(o.train))
			st.Phase = phStartStep
		case phStartStep:
			if st.StepInEpoch == o.stepsPerEpoch() {
				st.Phase = phEpochEnd
				continue
			}
			st.Step++
			st.Scratch = &scratch{Rec: Record{Kind: KindStep, Epoch: st.Epoch, Step: st.Step, Before: st.Current.Hash()}}
			st.Phase = phRollout
		case phRollout:
			if t, ok := o.evalTask(PurposeRollout, st.Current, SplitTrain, o.batchIDs()); ok {
				return t
			}
		case phPropose:
			if t, ok := o.proposeTask(); ok {
				return t
			}
		case phValidate:
			c := st.Scratch.Candidate
			if s, ok := st.Cache[c.Hash()]; ok {
				o.finishStep(o.judge(c, s, &st.Scratch.Rec))
				continue
			}
			if t, ok := o.evalTask(PurposeCandidate, c, SplitValidation, o.val); ok {
				return t
			}
		case phEpochEnd:
			o.epochEnd()
		case phSlowPrev:
			if t, ok := o.evalTask(PurposeSlowPrevious, st.PrevEpoch, SplitTrain, st.Slow.IDs); ok {
				return t
			}
		case phSlowCurr:
			if t, ok := o.evalTask(PurposeSlowCurrent, st.Current, SplitTrain, st.Slow.IDs); ok {
				return t
			}
		case phSlowHook:
			if t, ok := o.epochTask(); ok {
				return t
			}
		case phSlowValidate:
			c := st.Slow.Candidate
			if s, ok := st.Cache[c.Hash()]; ok {
				o.finishSlow(o.judge(c, s, &st.Slow.Rec))
				continue
			}
			if t, ok := o.evalTask(PurposeSlowGate, c, SplitValidation, o.val); ok {
				return t
			}
		case phFinal:
			if st.Current.Hash() == st.Best.Hash() {
				o.finish(Record{Kind: KindFinal, Epoch: st.Epoch, Step: st.Step, Before: st.Best.Hash(), After: st.Current.Hash(), Decision: DecisionKeep, Reason: "the last document is the best"})
				continue
			}
			if s, ok := st.Cache[st.Current.Hash()]; ok {
				o.promote(s)
				continue
			}
			if t, ok := o.evalTask(PurposeFinal, st.Current, SplitValidation, o.val); ok {
				return t
			}
		case phDone:
			return Task{Kind: TaskDone, Epoch: st.Epoch, Step: st.Step, Stop: st.Stop}
		}
	}
}

func (o *Optimizer) batchIDs() []string {
	b := o.cfg.BatchSize
	lo := o.st.StepInEpoch * b
	hi := min(lo+b, len(o.train))
	ids := make([]string, 0, hi-lo)
	for _, k := range o.st.Order[lo:hi] {
		ids = append(ids, o.train[k])
	}
	return ids
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
	return StopNone
}

// afford reports whether a call of units evaluation units and calls
// proposer calls fits the hard budgets. If not, it ends the run: a step or
// epoch-end update in progress is recorded as stopped.
func (o *Optimizer) afford(units, calls int) bool {
	why := o.budgetStop(units, calls)
	if why == StopNone {
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

func (o *Optimizer) evalTask(p Purpose, doc Document, split Split, ids []string) (Task, bool) {
	if !o.afford(len(ids), 0) {
		return Task{}, false
	}
	return Task{Kind: TaskEvaluate, Purpose: p, Epoch: o.st.Epoch, Step: o.st.Step, Document: doc, Split: split, IDs: ids}, true
}

func (o *Optimizer) limits() Limits { return o.cfg.Budget.At(o.st.Step - 1) }

func (o *Optimizer) proposeTask() (Task, bool) {
	if !o.afford(0, 1) {
		return Task{}, false
	}
	s := o.st.Scratch
	mb := s.Batches[s.Call]
	rs := make([]Result, len(mb.Items))
	for i, k := range mb.Items {
		rs[i] = s.Rollouts[k]
	}
	req := Request{
		Document:  o.st.Current,
		Epoch:     o.st.Epoch,
		Step:      o.st.Step,
		Call:      s.Call,
		Calls:     len(s.Batches),
		Successes: mb.Successes,
		Limits:    o.limits(),
		Rollouts:  rs,
		Buffer:    o.st.Buffer[:len(o.st.Buffer):len(o.st.Buffer)], // shared, read-only: appends cannot reach it
		Retry:     s.Retry,
	}
	if !o.cfg.NoMemory {
		req.Memory = o.st.Memory
	}
	return Task{Kind: TaskPropose, Epoch: o.st.Epoch, Step: o.st.Step, Request: req}, true
}

func (o *Optimizer) epochTask() (Task, bool) {
	if !o.afford(0, 1) {
		return Task{}, false
	}
	sl := o.st.Slow
	req := EpochRequest{
		Epoch:    o.st.Epoch,
		Previous: o.st.PrevEpoch,
		Current:  o.st.Current,
		Pairs:    comparePairs(sl.Prev, sl.Curr),
		Guidance: guidance(o.st.Current),
	}
	if !o.cfg.NoMemory {
		req.Memory = o.st.Memory
	}
	return Task{Kind: TaskEpoch, Epoch: o.st.Epoch, Step: o.st.Step, EpochRequest: req}, true
}

// Tell answers the task Next returned. A reply that does not fit the task
// (wrong kind, results for other ids, NaN or out-of-range scores) is
// refused with an error and changes nothing; a reply carrying Err is
// accepted and recorded as a failure (a failed evaluation fails its step,
// a failed proposal is retried or contributes no edits).
func (o *Optimizer) Tell(r Reply) error {
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

// epochEnd starts the epoch-end update, or skips it.
func (o *Optimizer) epochEnd() {
	st := &o.st
	if o.cfg.SlowUpdate == SlowOff {
		o.endEpoch()
		return
	}
	if st.Epoch == 1 {
		if len(st.Current.Protected()) == 0 {
			if doc, err := withGuidance(st.Current, ""); err == nil {
				rec := Record{Kind: KindSlow, Epoch: st.Epoch, Step: st.Step, Before: st.Current.Hash(), Decision: DecisionPlaceholder}
				o.describe(&rec, st.Current, doc)
				st.Current = doc
				o.record(rec)
			}
		}
		o.endEpoch()
		return
	}
	ids := append([]string(nil), o.train...)
	o.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(o.cfg.SlowSamples, len(ids))]
	st.Slow = &slowScratch{IDs: ids, Rec: Record{Kind: KindSlow, Epoch: st.Epoch, Step: st.Step, Before: st.Current.Hash()}}
	st.Phase = phSlowPrev
}

func (o *Optimizer) endEpoch() {
	o.st.PrevEpoch = o.st.Current
	o.st.Slow = nil
	o.st.Phase = phStartEpoch
}

func (o *Optimizer) onEpochUpdate(req EpochRequest, u EpochUpdate, err error) {
	st := &o.st
	sl := st.Slow
	if err != nil {
		sl.Rec.HookErr = err.Error()
		o.finishSlow(DecisionFailed, "epoch hook: "+err.Error())
		return
	}
	sl.Rec.Update = &u
	sl.Rec.Pairs = req.Counts()
	if u.Memory != "" && !o.cfg.NoMemory {
		st.Memory = u.Memory
	}
	if strings.TrimSpace(u.Guidance) == "" {
		o.finishSlow(DecisionNoEdits, "no guidance produced")
		return
	}
	cand, cerr := withGuidance(st.Current, u.Guidance)
	if cerr != nil {
		o.finishSlow(DecisionFailed, cerr.Error())
		return
	}
	if cand.Hash() == st.Current.Hash() {
		o.finishSlow(DecisionNoEdits, "guidance unchanged")
		return
	}
	sl.Candidate = cand
	o.describe(&sl.Rec, st.Current, cand)
	if o.cfg.SlowUpdate == SlowGated {
		st.Phase = phSlowValidate
		return
	}
	// Force: the reference keeps the current score as the comparison
	// baseline (it never scores the injected document); unlike the
	// reference, budgetkit does not write that unmeasured score into the
	// evaluation cache under the new document's hash.
	st.Current = cand
	o.finishSlow(DecisionForce, "")
}

func (o *Optimizer) finishSlow(d Decision, reason string) {
	sl := o.st.Slow
	sl.Rec.Decision, sl.Rec.Reason = d, reason
	o.record(sl.Rec)
	o.endEpoch()
}

// promote is the final check: the last document replaces the best if it
// scores strictly higher (and fits Gate.MaxLength).
func (o *Optimizer) promote(s valScore) {
	st := &o.st
	g := o.cfg.Gate
	best, last := g.of(st.BestScore), g.of(s)
	rec := Record{Kind: KindFinal, Epoch: st.Epoch, Step: st.Step, Before: st.Best.Hash(), After: st.Current.Hash(), ScoreBefore: best, ScoreAfter: last, Decision: DecisionKeep}
	if last > best && g.fits(st.Current) {
		st.Best, st.BestScore, st.BestStep = st.Current, s, st.Step
		rec.Decision = DecisionPromote
	}
	st.CurScore = s
	o.finish(rec)
}

func (o *Optimizer) finish(rec Record) {
	o.record(rec)
	o.st.Stop, o.st.Phase = StopDone, phDone
}

// comparePairs sorts the epoch-end comparison's items into categories.
func comparePairs(prev, curr []Result) []Pair {
	out := make([]Pair, len(prev))
	for i := range prev {
		p, c := !prev[i].Failed(), !curr[i].Failed()
		cat := StableSuccess
		switch {
		case !p && c:
			cat = Improved
		case p && !c:
			cat = Regressed
		case !p && !c:
			cat = PersistFail
		}
		out[i] = Pair{ID: prev[i].ID, Category: cat, Previous: prev[i], Current: curr[i]}
	}
	return out
}
