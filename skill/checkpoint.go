package skill

import (
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const snapshotKind, snapshotVersion = "skill.Optimizer", 2

type snapshotConfig struct {
	Config     OptimizerConfig `json:"config"`
	Train      []string        `json:"train"`
	Validation []string        `json:"validation"`
}

// Snapshot returns the optimizer's full state as JSON: the documents,
// scores, buffer, memory, evaluation cache, RNG state, counters, the step
// in progress (a pending call is asked again after Restore) and the audit
// trail. Restoring it into an Optimizer made with the same initial
// document, items and Config resumes the run exactly.
func (o *Optimizer) Snapshot() ([]byte, error) {
	if err := o.valid(); err != nil {
		return nil, err
	}
	st := o.st
	rng, err := o.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	st.RNG = rng
	st.Elapsed = o.elapsed()
	return snapshot.Marshal(snapshotKind, snapshotVersion, o.snapConfig(), st)
}

func (o *Optimizer) snapConfig() snapshotConfig {
	return snapshotConfig{Config: o.cfg, Train: o.train, Validation: o.val}
}

// Restore replaces the optimizer's state with a snapshot taken from an
// Optimizer with the same items and Config. On error (wrapping
// ErrSnapshot) the state is unchanged.
func (o *Optimizer) Restore(data []byte) error {
	if err := o.valid(); err != nil {
		return err
	}
	var st state
	if err := snapshot.Unmarshal(data, snapshotKind, snapshotVersion, o.snapConfig(), &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if err := st.check(o); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	pcg := &rand.PCG{}
	if err := pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("%w: rng: %v", ErrSnapshot, err)
	}
	st.RNG = nil
	if st.Cache == nil {
		st.Cache = map[string]valScore{}
	}
	o.st = st
	o.pcg, o.rng = pcg, rand.New(pcg)
	o.pending = nil
	o.clocked = false
	return nil
}

// check verifies a decoded state's invariants, so that a corrupt snapshot
// is refused instead of panicking later.
func (st *state) check(o *Optimizer) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
	}
	if st.Phase < phBaseline || st.Phase > phDone {
		return bad("phase %d", st.Phase)
	}
	if st.Current.text == "" || st.Best.text == "" || st.PrevEpoch.text == "" {
		return bad("missing document")
	}
	if st.Epoch < 0 || st.Epoch > o.cfg.Epochs || st.Step < 0 || st.StepInEpoch < 0 || st.StepInEpoch > o.stepsPerEpoch() {
		return bad("position epoch %d step %d", st.Epoch, st.Step)
	}
	if st.Phase > phBaseline && st.Phase < phDone && st.Epoch > 0 {
		if len(st.Order) != len(o.train) {
			return bad("epoch order of %d items, want %d", len(st.Order), len(o.train))
		}
		seen := make([]bool, len(o.train))
		for _, k := range st.Order {
			if k < 0 || k >= len(seen) || seen[k] {
				return bad("epoch order is not a permutation")
			}
			seen[k] = true
		}
	}
	if st.Phase > phStartEpoch && st.Phase < phFinal && st.Epoch < 1 {
		return bad("phase %d before the first epoch", st.Phase)
	}
	if (st.Phase == phRollout || st.Phase == phPropose || st.Phase == phValidate) && st.StepInEpoch >= o.stepsPerEpoch() {
		return bad("step %d of an epoch of %d", st.StepInEpoch, o.stepsPerEpoch())
	}
	if st.EvalUnits < 0 || st.Calls < 0 || !(st.Cost >= 0) || st.Elapsed < 0 {
		return bad("negative counter")
	}
	for _, s := range append([]valScore{st.CurScore, st.BestScore}, mapValues(st.Cache)...) {
		if len(s.Items) != 0 && len(s.Items) != len(o.val) {
			return bad("score over %d items, want %d", len(s.Items), len(o.val))
		}
	}
	needScratch := st.Phase == phRollout || st.Phase == phPropose || st.Phase == phValidate
	if needScratch != (st.Scratch != nil) {
		return bad("step state does not match phase %d", st.Phase)
	}
	if sc := st.Scratch; sc != nil {
		switch st.Phase {
		case phPropose:
			if sc.Call < 0 || sc.Call >= len(sc.Batches) {
				return bad("call %d of %d", sc.Call, len(sc.Batches))
			}
			for _, b := range sc.Batches {
				for _, k := range b.Items {
					if k < 0 || k >= len(sc.Rollouts) {
						return bad("minibatch item %d of %d rollouts", k, len(sc.Rollouts))
					}
				}
			}
		case phValidate:
			if sc.Candidate.text == "" {
				return bad("missing candidate")
			}
		}
	}
	needSlow := st.Phase >= phSlowPrev && st.Phase <= phSlowValidate
	if needSlow != (st.Slow != nil) {
		return bad("epoch-end state does not match phase %d", st.Phase)
	}
	if sl := st.Slow; sl != nil {
		if len(sl.IDs) == 0 {
			return bad("epoch-end comparison without items")
		}
		train := make(map[string]bool, len(o.train))
		for _, id := range o.train {
			train[id] = true
		}
		for _, id := range sl.IDs {
			if !train[id] {
				return bad("epoch-end comparison item %q is not a training item", id)
			}
			train[id] = false
		}
		if st.Phase >= phSlowHook && (len(sl.Prev) != len(sl.IDs) || len(sl.Curr) != len(sl.IDs)) {
			return bad("epoch-end comparison results missing")
		}
		if st.Phase == phSlowValidate && sl.Candidate.text == "" {
			return bad("missing slow-update candidate")
		}
	}
	return nil
}

func mapValues(m map[string]valScore) []valScore {
	out := make([]valScore, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
