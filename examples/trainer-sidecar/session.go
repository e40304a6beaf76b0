package main

// session.go holds one training run's state: its library objects (engine),
// the per-(step, shard) idempotency record, the curriculum feedback of the
// step in progress and the prompts' mean rollout lengths.

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
)

// session is one training run. Its methods lock mu; a failed call changes
// nothing.
type session struct {
	id       string
	settings sessionSettings // normalized

	mu  sync.Mutex
	eng *engine
	// lastStep is the last step whose curriculum update was applied (−1:
	// none). Observations for steps ≤ lastStep are replays.
	lastStep int
	// pending is the step in progress (its shards arrive one by one), or nil.
	pending *pendingStep
	// lengths[id] is the mean rollout length of the prompt's last
	// observation that carried lengths (DUET's L̂).
	lengths map[string]float64
	// shadow is the last allocation's shadow price, for metrics.
	shadow float64
}

// pendingStep is a step some but not all of whose shards have arrived.
type pendingStep struct {
	Step   int                  `json:"step"`
	Shards []int                `json:"shards"`
	Values map[string][]float64 `json:"values"`
}

// newSession builds a session from normalized settings.
func newSession(id string, s sessionSettings) (*session, error) {
	eng, err := newEngine(s)
	if err != nil {
		return nil, err
	}
	return &session{id: id, settings: s, eng: eng, lastStep: -1, lengths: map[string]float64{}}, nil
}

// probabilities returns the current source probabilities by name.
func (s *session) probabilities() map[string]float64 {
	arms, probs := s.eng.sources(), s.eng.probs()
	m := make(map[string]float64, len(arms))
	for i, a := range arms {
		m[a] = probs[i]
	}
	return m
}

// observe applies one shard of a step: the prompts' rewards go to the
// tracker at once; their curriculum feedback is held until every shard of the
// step has arrived (or a later step starts, which closes the step with the
// shards it has). A repeated (step, shard), or a step at or before one
// already closed, wraps errReplay.
func (s *session) observe(r *observeRequest) (observeResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Shard >= s.settings.Shards {
		return observeResponse{}, invalidf("shard = %d (the session has %d shards: 0 to %d)", r.Shard, s.settings.Shards, s.settings.Shards-1)
	}
	if r.Step <= s.lastStep {
		return observeResponse{}, fmt.Errorf("%w: step %d (steps up to %d are applied)", errReplay, r.Step, s.lastStep)
	}
	if p := s.pending; p != nil {
		if r.Step < p.Step {
			return observeResponse{}, fmt.Errorf("%w: step %d (step %d has started)", errReplay, r.Step, p.Step)
		}
		if r.Step == p.Step && slices.Contains(p.Shards, r.Shard) {
			return observeResponse{}, fmt.Errorf("%w: step %d shard %d", errReplay, r.Step, r.Shard)
		}
	}
	arms := s.eng.sources()
	for i, p := range r.Prompts {
		if len(arms) > 0 && !slices.Contains(arms, p.Source) {
			return observeResponse{}, invalidf("prompts[%d].source = %q (the session's sources are %q)", i, p.Source, arms)
		}
	}
	// Everything is valid. The curriculum is updated before the tracker,
	// which cannot fail on validated input, so a (never expected) refusal
	// by the curriculum leaves this shard unapplied.
	if p := s.pending; p != nil && r.Step > p.Step {
		if err := s.closeStep(); err != nil {
			return observeResponse{}, err
		}
	}
	threshold := *s.settings.Threshold
	next := s.pending
	if next == nil {
		next = &pendingStep{Step: r.Step, Values: map[string][]float64{}}
	} else {
		next = &pendingStep{Step: next.Step, Shards: slices.Clone(next.Shards), Values: maps.Clone(next.Values)}
	}
	if len(arms) > 0 {
		// The first append to each source's values copies them (Clip), so
		// the current pending step is never written through.
		owned := make(map[string]bool, len(arms))
		for _, p := range r.Prompts {
			v := next.Values[p.Source]
			if !owned[p.Source] {
				v, owned[p.Source] = slices.Clip(v), true
			}
			next.Values[p.Source] = appendFeedback(v, p.Rewards, threshold, s.eng.thompson())
		}
	}
	next.Shards = append(next.Shards, r.Shard)
	slices.Sort(next.Shards)
	complete := len(next.Shards) == s.settings.Shards
	if complete {
		if err := s.eng.updateSources(next.Step, next.Values); err != nil {
			return observeResponse{}, err
		}
		s.lastStep, s.pending = next.Step, nil
	} else {
		s.pending = next
	}
	for _, p := range r.Prompts {
		if err := s.eng.observeRewards(p.ID, p.Rewards, threshold); err != nil {
			return observeResponse{}, fmt.Errorf("prompt %q: %w", p.ID, err)
		}
		if p.Lengths != nil {
			s.lengths[p.ID] = mean(p.Lengths)
		}
	}
	return observeResponse{
		Session: s.id, Step: r.Step, Shard: r.Shard, StepComplete: complete,
		Tracked: s.eng.tracked(), Probabilities: s.probabilities(),
	}, nil
}

// closeStep applies the pending step's curriculum feedback.
func (s *session) closeStep() error {
	p := s.pending
	if err := s.eng.updateSources(p.Step, p.Values); err != nil {
		return err
	}
	s.lastStep, s.pending = p.Step, nil
	return nil
}

// appendFeedback appends one prompt's curriculum values: its GRPO advantages
// (r − mean)/std with the sample standard deviation (all zero when the group
// is constant or has one rollout), or, for Thompson sampling, its success
// indicators.
func appendFeedback(dst, rewards []float64, threshold float64, indicators bool) []float64 {
	if indicators {
		for _, r := range rewards {
			v := 0.0
			if r >= threshold {
				v = 1
			}
			dst = append(dst, v)
		}
		return dst
	}
	n := float64(len(rewards))
	m := mean(rewards)
	ss := 0.0
	for _, r := range rewards {
		ss += (r - m) * (r - m)
	}
	sd := 0.0
	if len(rewards) > 1 {
		sd = math.Sqrt(ss / (n - 1))
	}
	for _, r := range rewards {
		a := 0.0
		if sd > 0 && finite((r-m)/sd) {
			a = (r - m) / sd
		}
		dst = append(dst, a)
	}
	return dst
}

// mean is the arithmetic mean, computed as a running mean so that finite
// inputs near ±MaxFloat64 cannot overflow.
func mean(xs []float64) float64 {
	m := 0.0
	for i, x := range xs {
		m += (x - m) / float64(i+1)
	}
	return m
}

// allocate runs the session's allocation preset.
func (s *session) allocate(in allocInput) (allocateResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.min == 0 && in.max == 0 {
		in.min, in.max = s.settings.Allocation.Min, s.settings.Allocation.Max
	}
	out, err := s.eng.allocate(in, s.meanLength)
	if err != nil {
		return allocateResponse{}, err
	}
	s.shadow = out.shadowPrice
	return allocateResponse{Counts: out.counts, Spent: out.spent, ShadowPrice: out.shadowPrice}, nil
}

// meanLength is DUET's L̂ of a prompt: its tracked mean length, if positive.
func (s *session) meanLength(id string) (float64, bool) {
	l, ok := s.lengths[id]
	return l, ok && l > 0
}

// sample draws n sources for a step with the counter-based draw: slot k of
// (seed, step) is the same whoever asks and whenever.
func (s *session) sample(r *sampleRequest) (sampleResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	arms := s.eng.sources()
	if len(arms) == 0 {
		return sampleResponse{}, invalidf("session = %q has no curriculum (create it with curriculum.arms)", s.id)
	}
	out := sampleResponse{Sources: make([]string, r.N), Indices: make([]int, r.N)}
	for k := range r.N {
		i, err := s.eng.sampleAt(r.Seed, r.Step, k)
		if err != nil {
			return sampleResponse{}, err
		}
		out.Sources[k], out.Indices[k] = arms[i], i
	}
	return out, nil
}

// sessionState is a session in a snapshot.
type sessionState struct {
	ID       string             `json:"id"`
	Settings sessionSettings    `json:"settings"`
	Tracker  json.RawMessage    `json:"tracker"`
	Sampler  json.RawMessage    `json:"sampler,omitempty"`
	LastStep int                `json:"last_step"`
	Pending  *pendingStep       `json:"pending,omitempty"`
	Lengths  map[string]float64 `json:"lengths,omitempty"`
}

// state returns the session's complete state.
func (s *session) state() (sessionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.eng.snapshot()
	if err != nil {
		return sessionState{}, err
	}
	st := sessionState{ID: s.id, Settings: s.settings, Tracker: es.tracker, Sampler: es.sampler, LastStep: s.lastStep}
	if p := s.pending; p != nil {
		cp := pendingStep{Step: p.Step, Shards: slices.Clone(p.Shards), Values: map[string][]float64{}}
		for k, v := range p.Values {
			cp.Values[k] = slices.Clone(v)
		}
		st.Pending = &cp
	}
	if len(s.lengths) > 0 {
		st.Lengths = maps.Clone(s.lengths)
	}
	return st, nil
}

// sessionFromState rebuilds a session, checking every field's domain.
// Errors wrap errSnapshotData.
func sessionFromState(st sessionState) (*session, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: session %q: %s", errSnapshotData, st.ID, fmt.Sprintf(format, args...))
	}
	if err := validSessionID("id", st.ID); err != nil {
		return nil, bad("%v", err)
	}
	norm, err := st.Settings.normalize()
	if err != nil {
		return nil, bad("settings: %v", err)
	}
	s, err := newSession(st.ID, norm)
	if err != nil {
		return nil, bad("settings: %v", err)
	}
	var es engineState
	es.tracker = st.Tracker
	if len(st.Sampler) > 0 && string(st.Sampler) != "null" {
		es.sampler = st.Sampler
	}
	if err := s.eng.restore(es); err != nil {
		return nil, bad("%v", err)
	}
	if st.LastStep < -1 || st.LastStep > maxStep {
		return nil, bad("last_step = %d (must be in [-1, 2^52])", st.LastStep)
	}
	s.lastStep = st.LastStep
	if p := st.Pending; p != nil {
		if p.Step <= st.LastStep || p.Step > maxStep {
			return nil, bad("pending.step = %d (must be after last_step = %d)", p.Step, st.LastStep)
		}
		if len(p.Shards) == 0 || len(p.Shards) >= norm.Shards {
			return nil, bad("pending.shards has %d entries (must be in [1, %d))", len(p.Shards), norm.Shards)
		}
		for i, sh := range p.Shards {
			if sh < 0 || sh >= norm.Shards || (i > 0 && sh <= p.Shards[i-1]) {
				return nil, bad("pending.shards[%d] = %d (must be increasing, in [0, %d))", i, sh, norm.Shards)
			}
		}
		arms := s.eng.sources()
		for k, vs := range p.Values {
			if !slices.Contains(arms, k) {
				return nil, bad("pending.values[%q]: not a source", k)
			}
			for j, v := range vs {
				if !finite(v) {
					return nil, bad("pending.values[%q][%d] = %v (must be finite)", k, j, v)
				}
			}
		}
		cp := pendingStep{Step: p.Step, Shards: slices.Clone(p.Shards), Values: map[string][]float64{}}
		for k, v := range p.Values {
			cp.Values[k] = slices.Clone(v)
		}
		s.pending = &cp
	}
	for id, l := range st.Lengths {
		if err := validID("lengths key", id); err != nil {
			return nil, bad("%v", err)
		}
		if !finite(l) || l < 0 {
			return nil, bad("lengths[%q] = %v (must be finite and ≥ 0)", id, l)
		}
		s.lengths[id] = l
	}
	return s, nil
}
