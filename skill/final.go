package skill

import ()

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
