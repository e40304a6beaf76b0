package skill

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Optimizer runs SkillOpt on one skill document. Drive it with Run, or
// yourself with Next (or NextAt) and Tell. Each step costs, besides the
// caller's calls, O(E·n) for E proposed edits on an n-byte document
// (Apply) plus one O(n·d) line diff (d the number of changed lines).
//
// The zero Optimizer is not usable: create one with NewOptimizer. On a zero
// value, Next returns a TaskDone with StopFailed, and Tell, Run, Snapshot,
// Restore and WriteAudit return an error wrapping ErrInvalid; none panics.
//
// An Optimizer is single-owner: its methods must not be called
// concurrently (the caller's Evaluator may run items in parallel inside
// one call; the Optimizer holds no lock while a callback runs).
type Optimizer struct {
	cfg        OptimizerConfig
	train, val []string
	st         state
	pcg        *rand.PCG
	rng        *rand.Rand
	pending    *Task
	// The wall clock as the caller passes it to NextAt: the first and the
	// latest time seen since creation or Restore (elapsed time is
	// st.Elapsed plus their difference).
	started, latest time.Time
	clocked         bool
}

// NewOptimizer returns an Optimizer for the initial document, training item ids
// (batched into steps) and validation item ids (the gate's fixed split).
func NewOptimizer(initial Document, train, validation []string, cfg OptimizerConfig) (*Optimizer, error) {
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

// valid reports an Optimizer that was not made by NewOptimizer (a zero
// value or nil).
func (o *Optimizer) valid() error {
	if o == nil || o.rng == nil {
		return fmt.Errorf("%w: Optimizer not created with NewOptimizer", ErrInvalid)
	}
	return nil
}

// Config returns the configuration with defaults filled in.
func (o *Optimizer) Config() OptimizerConfig {
	if o == nil {
		return OptimizerConfig{}
	}
	return o.cfg
}

// Summary returns the run's state: the best document so far and the
// counters.
func (o *Optimizer) Summary() Summary {
	if o == nil {
		return Summary{}
	}
	g := o.cfg.Gate
	return Summary{
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
func (o *Optimizer) Memory() string {
	if o == nil {
		return ""
	}
	return o.st.Memory
}

// Buffer returns a copy of the rejected-edit buffer.
func (o *Optimizer) Buffer() Buffer {
	if o == nil {
		return nil
	}
	return append(Buffer(nil), o.st.Buffer...)
}

// elapsed is the wall time the run has taken, as measured by the times
// given to NextAt.
func (o *Optimizer) elapsed() time.Duration {
	if !o.clocked {
		return o.st.Elapsed
	}
	return o.st.Elapsed + o.latest.Sub(o.started)
}

// observe records the caller's clock reading; time never runs backwards.
func (o *Optimizer) observe(now time.Time) {
	switch {
	case !o.clocked:
		o.started, o.latest, o.clocked = now, now, true
	case now.After(o.latest):
		o.latest = now
	}
}

func (o *Optimizer) stepsPerEpoch() int { return o.cfg.stepsPerEpoch(len(o.train)) }

// Next is shorthand for NextAt(time.Now()).
func (o *Optimizer) Next() Task { return o.NextAt(time.Now()) }

// NextAt returns what must be done next, with now the current wall time
// (for Config.MaxWall and Summary.Elapsed: the run's wall time is measured
// between the first and the latest NextAt since NewOptimizer or Restore,
// plus what a restored snapshot had counted; a time earlier than one seen
// before counts as no progress). It returns the same task until Tell
// answers it; once the run has ended it returns a TaskDone.
func (o *Optimizer) NextAt(now time.Time) Task {
	if o.valid() != nil {
		return Task{Kind: TaskDone, Stop: StopFailed}
	}
	o.observe(now)
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
