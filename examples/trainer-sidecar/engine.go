package main

// engine.go is the only file of the sidecar that calls budgetkit's library:
// the success-rate tracker (estimate), the allocation presets (budget) and the
// data-source sampler (curriculum). Everything else — HTTP, JSON, errors,
// idempotency, metrics — is built around the small surface below, so a change
// of the library's API touches this file alone.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/budgetkit/budgetkit/budget"
	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/budgetkit/budgetkit/estimate"
)

// Allocation presets a session can use.
const (
	presetBetaKnapsack = "beta-knapsack"
	presetKnapsackRL   = "knapsack-rl"
	presetDUET         = "duet"
)

// engine holds one session's library objects. Its methods are called with
// the session's lock held; the library objects are themselves safe for
// concurrent use.
type engine struct {
	tracker *estimate.Tracker
	sampler *curriculum.Sampler // nil when the session has no sources
	method  string              // canonical curriculum method name
	preset  string
}

// newEngine builds the library objects of a session from validated settings.
// Errors wrap errInvalid and name the settings field.
func newEngine(s sessionSettings) (*engine, error) {
	tc := estimate.TrackerConfig{
		PriorAlpha:      s.Tracker.PriorAlpha,
		PriorBeta:       s.Tracker.PriorBeta,
		Decay:           s.Tracker.Decay,
		Window:          s.Tracker.Window,
		MinObservations: s.Tracker.MinObservations,
		MaxPrompts:      s.Tracker.MaxPrompts,
	}
	tr, err := estimate.NewTracker(tc)
	if err != nil {
		return nil, fieldErr("tracker", err)
	}
	e := &engine{tracker: tr, preset: s.Allocation.Preset}
	switch e.preset {
	case presetBetaKnapsack, presetKnapsackRL, presetDUET:
	default:
		return nil, invalidf("allocation.preset = %q (want %q, %q or %q)", e.preset, presetBetaKnapsack, presetKnapsackRL, presetDUET)
	}
	if len(s.Curriculum.Arms) == 0 {
		return e, nil
	}
	m, name, err := parseMethod(s.Curriculum.Method)
	if err != nil {
		return nil, err
	}
	e.method = name
	smp, err := curriculum.NewSampler(s.Curriculum.Arms, curriculum.SamplerConfig{
		Method:      m,
		Window:      s.Curriculum.Window,
		Temperature: s.Curriculum.Temperature,
		Epsilon:     s.Curriculum.Epsilon,
	})
	if err != nil {
		return nil, fieldErr("curriculum", err)
	}
	e.sampler = smp
	return e, nil
}

// parseMethod maps a method name, case-insensitively and with or without
// dashes ("dump", "SW-UCB", "swucb"), to the curriculum method. The empty
// name is DUMP.
func parseMethod(name string) (curriculum.Method, string, error) {
	if name == "" {
		return curriculum.DUMP, curriculum.DUMP.String(), nil
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "") }
	var known []string
	for m := curriculum.Method(0); ; m++ {
		s := m.String()
		if strings.HasPrefix(s, "Method(") {
			break
		}
		if norm(s) == norm(name) {
			return m, s, nil
		}
		known = append(known, s)
	}
	return 0, "", invalidf("curriculum.method = %q (want one of %s)", name, strings.Join(known, ", "))
}

// sources returns the curriculum's arm names in order (nil without one).
func (e *engine) sources() []string {
	if e.sampler == nil {
		return nil
	}
	return e.sampler.Arms()
}

// probs returns the current source probabilities in arm order.
func (e *engine) probs() []float64 {
	if e.sampler == nil {
		return nil
	}
	return e.sampler.Probs()
}

// thompson reports whether the curriculum takes rewards in [0, 1] (success
// indicators) rather than advantages.
func (e *engine) thompson() bool { return e.method == curriculum.Thompson.String() }

// observeRewards records one prompt's rollouts in the tracker: each reward at
// or above threshold is a success.
func (e *engine) observeRewards(id string, rewards []float64, threshold float64) error {
	return e.tracker.ObserveRewards(id, rewards, threshold)
}

// updateSources applies one training step's per-source feedback values to the
// curriculum. The values are GRPO advantages, or success indicators for
// Thompson sampling.
func (e *engine) updateSources(step int, values map[string][]float64) error {
	if e.sampler == nil {
		return nil
	}
	fb := make([]curriculum.Feedback, 0, len(values))
	for i, arm := range e.sampler.Arms() { // arm order: deterministic
		if v, ok := values[arm]; ok {
			fb = append(fb, curriculum.Feedback{Arm: i, Values: v})
		}
	}
	err := e.sampler.Update(step, fb)
	if errors.Is(err, curriculum.ErrStepApplied) {
		return fmt.Errorf("%w: curriculum step %d", errReplay, step)
	}
	return libErr(err)
}

// sampleAt draws the source index of slot at (seed, step) with the
// counter-based draw, which does not depend on any RNG state.
func (e *engine) sampleAt(seed uint64, step, slot int) (int, error) {
	i, err := e.sampler.SampleAt(seed, step, slot)
	return i, libErr(err)
}

// tracked returns the number of prompts the tracker holds.
func (e *engine) tracked() int { return e.tracker.Len() }

// posterior returns the Beta posterior of a prompt (the prior when unseen).
func (e *engine) posterior(id string) (alpha, beta float64, err error) {
	return e.tracker.Posterior(id)
}

// allocInput is a validated allocation request.
type allocInput struct {
	ids      []string
	budget   float64
	min, max int
	divisor  int
	exact    bool
	costs    []float64 // nil: 1 each (DUET: the tracked mean lengths)
}

// allocOutput is an allocation.
type allocOutput struct {
	counts      []int
	spent       float64
	shadowPrice float64
}

// allocate divides in.budget among in.ids with the session's preset.
// lengths gives DUET each prompt's tracked mean rollout length (ok false when
// none is known) when the request has no costs.
func (e *engine) allocate(in allocInput, lengths func(id string) (float64, bool)) (allocOutput, error) {
	if in.max == 0 && in.min > 0 {
		// Only a minimum: the preset's maximum (Knapsack RL's 128, DUET's
		// 32), or the minimum if larger. Both zero: the preset's bounds.
		in.max = 128
		if e.preset == presetDUET {
			in.max = 32
		}
		in.max = max(in.max, in.min)
	}
	switch e.preset {
	case presetKnapsackRL:
		return e.allocateKnapsackRL(in)
	case presetDUET:
		return e.allocateDUET(in, lengths)
	}
	items, err := budget.BetaItems(in.ids, e.tracker)
	if err != nil {
		return allocOutput{}, libErr(err)
	}
	for i := range items {
		items[i].Min, items[i].Max = in.min, in.max
		if in.costs != nil {
			items[i].Cost = in.costs[i]
		}
	}
	res, err := budget.Allocate(items, in.budget, budget.AllocateConfig{
		Min: in.min, Max: in.max, Exact: in.exact, Workers: in.divisor,
	})
	if err != nil {
		return allocOutput{}, libErr(err)
	}
	return allocOutput{counts: res.Counts, spent: res.Spent, shadowPrice: res.ShadowPrice}, nil
}

// allocateKnapsackRL runs the reference policy of Knapsack RL. The budget is
// a whole number of rollouts divisible by the divisor (the policy always
// spends it exactly); prompts without a valid estimate get ⌊budget/M⌋.
// Its shadow price is the smallest Knapsack gain of the last rollout given
// to a mixed prompt above its minimum.
func (e *engine) allocateKnapsackRL(in allocInput) (allocOutput, error) {
	if in.costs != nil {
		return allocOutput{}, invalidf("costs: not supported by preset %q (it counts rollouts)", presetKnapsackRL)
	}
	if len(in.ids) == 0 {
		return allocOutput{counts: []int{}}, nil
	}
	b := int(in.budget)
	if float64(b) != in.budget {
		return allocOutput{}, invalidf("budget = %v (preset %q needs a whole number of rollouts)", in.budget, presetKnapsackRL)
	}
	if in.divisor > 1 && b%in.divisor != 0 {
		return allocOutput{}, invalidf("budget = %d (preset %q spends it exactly; it must be divisible by divisor = %d)", b, presetKnapsackRL, in.divisor)
	}
	stats := make([]budget.PromptStat, len(in.ids))
	for i, id := range in.ids {
		p, ok := e.tracker.Estimate(id)
		stats[i] = budget.PromptStat{Valid: ok, P: p}
	}
	n := max(1, b/len(in.ids))
	counts, _, err := budget.KnapsackRL(stats, budget.KnapsackRLConfig{N: n, Budget: b, MinN: in.min, MaxN: in.max})
	if err != nil {
		return allocOutput{}, libErr(err)
	}
	out := allocOutput{counts: counts}
	minN := in.min
	if minN == 0 {
		minN = 2
	}
	first := true
	for i, c := range counts {
		out.spent += float64(c)
		s := stats[i]
		if !s.Valid || s.P <= 0 || s.P >= 1 || c <= minN {
			continue
		}
		g := budget.Knapsack{P: s.P}.Gain(c - 1)
		if first || g < out.shadowPrice {
			out.shadowPrice, first = g, false
		}
	}
	return out, nil
}

// allocateDUET runs DUET's cost-weighted Neyman allocation. The budget is the
// matched-uniform rollout count M·N (N = budget/M must be whole), so the
// token budget is N·M·mean(L̂) and the counts may sum to more or fewer than
// M·N rollouts. Each prompt's signal is ŝ = √(p̄(1−p̄)) with p̄ its posterior
// mean, and its length L̂ the request's cost, else the tracked mean length,
// else the mean of the known lengths in the request (1 if none). A divisor is
// met by trimming rollouts from the longest prompts (DUET's own repair rule),
// or, when every prompt is at its minimum, by adding to the shortest.
// Its shadow price is DUET's multiplier λ.
func (e *engine) allocateDUET(in allocInput, lengths func(string) (float64, bool)) (allocOutput, error) {
	m := len(in.ids)
	if m == 0 {
		return allocOutput{counts: []int{}}, nil
	}
	base := int(in.budget) / m
	if float64(base*m) != in.budget || base < 1 {
		return allocOutput{}, invalidf("budget = %v (preset %q needs budget = M·N for whole N ≥ 1, M = %d prompts)", in.budget, presetDUET, m)
	}
	signal := make([]float64, m)
	length := make([]float64, m)
	var unknown []int
	known, sum := 0, 0.0
	for i, id := range in.ids {
		a, b, err := e.posterior(id)
		if err != nil {
			return allocOutput{}, err
		}
		p := a / (a + b)
		signal[i] = math.Sqrt(p * (1 - p))
		if in.costs != nil {
			length[i] = in.costs[i]
			continue
		}
		if l, ok := lengths(id); ok {
			length[i] = l
			known++
			sum += (l - sum) / float64(known) // running mean: no overflow
			continue
		}
		unknown = append(unknown, i)
	}
	for _, i := range unknown {
		length[i] = 1
		if known > 0 {
			length[i] = sum
		}
	}
	minN, maxN := in.min, in.max
	if minN == 0 && maxN == 0 {
		minN, maxN = 1, 32 // DUET's defaults
	}
	res, err := budget.DUETAllocate(signal, length, budget.DUETConfig{BaseN: base, MinN: minN, MaxN: maxN})
	if err != nil {
		return allocOutput{}, libErr(err)
	}
	counts := res.Counts
	if in.divisor > 1 {
		if counts, err = divisible(counts, length, in.divisor, minN, maxN); err != nil {
			return allocOutput{}, err
		}
	}
	out := allocOutput{counts: counts, shadowPrice: res.Lambda}
	for i, c := range counts {
		out.spent += float64(c) * length[i]
	}
	return out, nil
}

// divisible makes Σ counts divisible by d: it removes Σ mod d rollouts one at
// a time from the longest prompt still above minN (ties: the lower index),
// or, when that is impossible, adds d − Σ mod d to the shortest prompts still
// below maxN.
func divisible(counts []int, length []float64, d, minN, maxN int) ([]int, error) {
	total := 0
	for _, v := range counts {
		total += v
	}
	r := total % d
	if r == 0 {
		return counts, nil
	}
	// pick returns the index i with ok(c[i]) that is best by better, or -1.
	pick := func(c []int, ok func(int) bool, better func(i, j int) bool) int {
		best := -1
		for i, v := range c {
			if ok(v) && (best < 0 || better(i, best)) {
				best = i
			}
		}
		return best
	}
	longer := func(i, j int) bool { return length[i] > length[j] }
	shorter := func(i, j int) bool { return length[i] < length[j] }
	c := slices.Clone(counts)
	k := 0
	for ; k < r; k++ {
		i := pick(c, func(v int) bool { return v > minN }, longer)
		if i < 0 {
			break
		}
		c[i]--
	}
	if k == r {
		return c, nil
	}
	c = slices.Clone(counts)
	for k := 0; k < d-r; k++ {
		i := pick(c, func(v int) bool { return v < maxN }, shorter)
		if i < 0 {
			return nil, invalidf("divisor = %d (no allocation within [%d, %d] per prompt has a total divisible by it)", d, minN, maxN)
		}
		c[i]++
	}
	return c, nil
}

// engineState is a session's library state, as the library's own snapshots.
type engineState struct {
	tracker []byte
	sampler []byte // nil without a curriculum
}

// snapshot returns the library objects' snapshots.
func (e *engine) snapshot() (engineState, error) {
	var st engineState
	var err error
	if st.tracker, err = e.tracker.Snapshot(); err != nil {
		return st, err
	}
	if e.sampler != nil {
		if st.sampler, err = e.sampler.Snapshot(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// restore loads library snapshots into a freshly built engine. Errors wrap
// errSnapshotData.
func (e *engine) restore(st engineState) error {
	if err := e.tracker.Restore(st.tracker); err != nil {
		return fmt.Errorf("%w: tracker: %v", errSnapshotData, err)
	}
	if (e.sampler == nil) != (st.sampler == nil) {
		return fmt.Errorf("%w: curriculum present in only one of the settings and the state", errSnapshotData)
	}
	if e.sampler != nil {
		if err := e.sampler.Restore(st.sampler); err != nil {
			return fmt.Errorf("%w: curriculum: %v", errSnapshotData, err)
		}
	}
	return nil
}

// libErr maps the library's sentinel errors onto the service's.
func libErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, budget.ErrInfeasible):
		return fmt.Errorf("%w: %v", errInfeasible, err)
	case errors.Is(err, budget.ErrTooLarge):
		return fmt.Errorf("%w: %v", errInfeasible, err)
	case errors.Is(err, budget.ErrInvalid), errors.Is(err, estimate.ErrInvalid), errors.Is(err, curriculum.ErrInvalid):
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	return err
}

// fieldErr prefixes a library error with the settings field it concerns.
func fieldErr(field string, err error) error {
	return fmt.Errorf("%w: %s: %v", errInvalid, field, err)
}
