package skill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

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
	if st.EvalUnits < 0 || st.Calls < 0 || !(st.Cost >= 0) || math.IsInf(st.Cost, 0) || st.Elapsed < 0 {
		return bad("counter out of domain: eval_units %d, proposer_calls %d, cost %v, elapsed %v", st.EvalUnits, st.Calls, st.Cost, st.Elapsed)
	}
	c := o.cfg
	if (c.MaxEvalUnits > 0 && st.EvalUnits > c.MaxEvalUnits) || (c.MaxProposerCalls > 0 && st.Calls > c.MaxProposerCalls) {
		return bad("counters beyond the hard budgets")
	}
	if err := st.checkPosition(o); err != nil {
		return err
	}
	for name, s := range map[string]valScore{"cur_score": st.CurScore, "best_score": st.BestScore} {
		if err := o.checkScore(name, s); err != nil {
			return err
		}
	}
	for h, s := range st.Cache {
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return bad("cache key %q is not a document hash", h)
		}
		if err := o.checkScore("cache", s); err != nil {
			return err
		}
	}
	g := o.cfg.Gate
	if math.IsNaN(st.Baseline) || math.IsInf(st.Baseline, 0) || (g.Metric == MetricHard && !(st.Baseline >= 0 && st.Baseline <= 1)) {
		return bad("baseline %v out of domain", st.Baseline)
	}
	if st.Phase != phDone && g.of(st.BestScore) < g.of(st.CurScore) { // only the final check can leave the current above the best
		return bad("best score %v below the current %v", g.of(st.BestScore), g.of(st.CurScore))
	}
	if st.NoHook && o.cfg.SlowUpdate != SlowAuto {
		return bad("no_hook under SlowUpdate %v", o.cfg.SlowUpdate)
	}
	if st.BestStep < 0 || st.BestStep > st.Step {
		return bad("best_step %d outside [0, step %d]", st.BestStep, st.Step)
	}
	switch {
	case (st.Phase == phDone) != (st.Stop != StopRunning):
		return bad("stop %q in phase %d", st.Stop, st.Phase)
	case st.Stop.String() != string(st.Stop) && st.Stop != StopRunning:
		return bad("unknown stop %q", st.Stop)
	case (st.Err != "") != (st.Stop == StopFailed):
		return bad("error %q with stop %q", st.Err, st.Stop)
	}
	if c.BufferCapacity > 0 && len(st.Buffer) > c.BufferCapacity {
		return bad("buffer of %d entries, capacity %d", len(st.Buffer), c.BufferCapacity)
	}
	for i, e := range st.Buffer {
		if e.Decision.String() != string(e.Decision) || e.Failed < 0 || e.Total < e.Failed || e.Step < 1 || e.Step > st.Step {
			return bad("buffer[%d] out of domain", i)
		}
		for _, p := range e.Patterns {
			if p.Count < 0 {
				return bad("buffer[%d]: negative pattern count", i)
			}
		}
	}
	for i, r := range st.Records {
		if r.Kind.String() != string(r.Kind) || r.Decision.String() != string(r.Decision) || r.Step < 0 || r.Step > st.Step || r.Epoch < 0 || r.Epoch > st.Epoch {
			return bad("records[%d] out of domain", i)
		}
	}
	needScratch := st.Phase == phRollout || st.Phase == phPropose || st.Phase == phValidate
	if needScratch != (st.Scratch != nil) {
		return bad("step state does not match phase %d", st.Phase)
	}
	if sc := st.Scratch; sc != nil {
		if err := checkStored("scratch rollouts", sc.Rollouts); err != nil {
			return err
		}
		if sc.Call < 0 || sc.Rec.Failed < 0 || sc.Rec.Total < sc.Rec.Failed {
			return bad("step in progress out of domain")
		}
		if r := sc.Retry; r != nil && (r.Attempt < 1 || r.Attempt > o.cfg.Retries) {
			return bad("retry attempt %d of %d", r.Attempt, o.cfg.Retries)
		}
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
		if len(sl.Prev) > len(sl.IDs) || len(sl.Curr) > len(sl.IDs) {
			return bad("epoch-end comparison results beyond its items")
		}
		for i := range sl.Prev {
			if sl.Prev[i].ID != sl.IDs[i] || (i < len(sl.Curr) && sl.Curr[i].ID != sl.IDs[i]) {
				return bad("epoch-end comparison results for other items")
			}
		}
		if err := checkStored("epoch-end results", append(append([]Result(nil), sl.Prev...), sl.Curr...)); err != nil {
			return err
		}
		if st.Phase == phSlowValidate && sl.Candidate.text == "" {
			return bad("missing slow-update candidate")
		}
	}
	return nil
}

// checkScore checks a stored validation score's domain: means and items
// finite, the hard mean in [0, 1], one item per validation id, items in
// [0, 1] under MetricHard.
func (o *Optimizer) checkScore(name string, s valScore) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: "+format, append([]any{ErrInvalid, name}, a...)...)
	}
	if len(s.Items) != 0 && len(s.Items) != len(o.val) {
		return bad("score over %d items, want %d", len(s.Items), len(o.val))
	}
	if !(s.Hard >= 0 && s.Hard <= 1) {
		return bad("hard score %v (must be in [0, 1])", s.Hard)
	}
	if math.IsNaN(s.Soft) || math.IsInf(s.Soft, 0) {
		return bad("soft score %v", s.Soft)
	}
	for i, v := range s.Items {
		if math.IsNaN(v) || math.IsInf(v, 0) || (o.cfg.Gate.Metric == MetricHard && !(v >= 0 && v <= 1)) {
			return bad("items[%d] = %v out of domain", i, v)
		}
	}
	return nil
}

// checkStored checks stored results as Tell checks fresh ones.
func checkStored(name string, rs []Result) error {
	for i, r := range rs {
		if !(r.Hard >= 0 && r.Hard <= 1) || math.IsNaN(r.Soft) || math.IsInf(r.Soft, 0) || !(r.Cost >= 0) || math.IsInf(r.Cost, 0) {
			return fmt.Errorf("%w: %s[%d] out of domain", ErrInvalid, name, i)
		}
	}
	return nil
}

// checkPosition checks that the step counters agree with the epoch, the
// position in it and the phase.
func (st *state) checkPosition(o *Optimizer) error {
	spe := o.stepsPerEpoch()
	if st.Step > o.cfg.Epochs*spe {
		return fmt.Errorf("%w: step %d beyond the run's %d steps", ErrInvalid, st.Step, o.cfg.Epochs*spe)
	}
	if st.Phase == phDone {
		return nil
	}
	want := max(st.Epoch-1, 0)*spe + st.StepInEpoch
	if st.Phase == phRollout || st.Phase == phPropose || st.Phase == phValidate {
		want++
	}
	if st.Phase == phBaseline && (st.Epoch != 0 || st.StepInEpoch != 0) {
		return fmt.Errorf("%w: baseline phase at epoch %d", ErrInvalid, st.Epoch)
	}
	if st.Step != want {
		return fmt.Errorf("%w: step %d at epoch %d, position %d (want %d)", ErrInvalid, st.Step, st.Epoch, st.StepInEpoch, want)
	}
	return nil
}
