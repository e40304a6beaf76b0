package skill

import (
	"strings"
)

// epochEnd starts the epoch-end update, or skips it.
func (o *Optimizer) epochEnd() {
	st := &o.st
	if o.cfg.SlowUpdate == SlowOff || st.NoHook {
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
