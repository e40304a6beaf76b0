package skill

import (
	"fmt"
	"math/rand/v2"
	"time"
)

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
