package estimate

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// ErrNoItem reports that NextItem found no item to administer: every item
// has been administered or none fits the remaining budget.
var ErrNoItem = errors.New("estimate: no item left to administer")

// Selection is a Session's item-selection rule.
type Selection int

const (
	// SelectAuto is SelectMaxInfo for D = 1 and SelectDOptimal for D > 1.
	SelectAuto Selection = iota
	// SelectMaxInfo picks the item of largest Fisher information at θ̂,
	// Iⱼ(θ̂) = wⱼ(θ̂)·aⱼ² (for D > 1 the trace wⱼ‖aⱼ‖²) — Fluid
	// Benchmarking's and catsim's MaxInfoSelector.
	SelectMaxInfo
	// SelectDOptimal picks the item that most increases log det M, where
	// M = Σ₀⁻¹ + Σ_administered Iⱼ(θ̂) is the prior-augmented information
	// matrix. By the matrix determinant lemma the gain is
	//
	//	log det(M + w a aᵀ) − log det M = log(1 + w·aᵀM⁻¹a)
	//
	// which costs O(D²) per candidate given M⁻¹.
	SelectDOptimal
	// SelectAOptimal picks the item that most decreases trace M⁻¹, the sum
	// of the posterior variances; by Sherman–Morrison the decrease is
	// w‖M⁻¹a‖² / (1 + w·aᵀM⁻¹a).
	SelectAOptimal
	// SelectRandom picks uniformly among the items that fit the budget: the
	// baseline adaptive selection is measured against.
	SelectRandom
)

func (s Selection) String() string {
	switch s {
	case SelectAuto:
		return "auto"
	case SelectMaxInfo:
		return "max-information"
	case SelectDOptimal:
		return "D-optimal"
	case SelectAOptimal:
		return "A-optimal"
	case SelectRandom:
		return "random"
	}
	return fmt.Sprintf("Selection(%d)", int(s))
}

// StopReason says why a Session is done.
type StopReason int

const (
	// NotDone: no stopping rule has fired.
	NotDone StopReason = iota
	// StopBankExhausted: every item has been administered.
	StopBankExhausted
	// StopBudget: the budget is spent, or no remaining item fits in it.
	StopBudget
	// StopMaxItems: Stopping.MaxItems items have been administered.
	StopMaxItems
	// StopStandardError: the SE of every coordinate of θ̂ is ≤ Stopping.MaxSE.
	StopStandardError
	// StopConverged: the last observation moved θ̂ by less than
	// Stopping.MinChange on every coordinate.
	StopConverged
)

func (r StopReason) String() string {
	switch r {
	case NotDone:
		return "not done"
	case StopBankExhausted:
		return "bank exhausted"
	case StopBudget:
		return "budget spent"
	case StopMaxItems:
		return "maximum items"
	case StopStandardError:
		return "standard error reached"
	case StopConverged:
		return "estimate converged"
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Stopping holds a Session's composable stopping rules. Done evaluates them
// in catsim's priority order: the hard limits first (bank exhausted, budget,
// MaxItems), then the MinItems gate, then the precision rules (MaxSE,
// MinChange). Zero fields mean the defaults.
type Stopping struct {
	// MaxItems stops after this many items (default 100; negative: no limit).
	MaxItems int `json:"max_items"`
	// MinItems keeps the precision rules from stopping before this many
	// items (default 0).
	MinItems int `json:"min_items"`
	// MaxSE stops once the standard error of every coordinate is ≤ MaxSE
	// (0: rule off; 0.3 is the usual CAT target).
	MaxSE float64 `json:"max_se"`
	// MinChange stops once an observation moves every coordinate of θ̂ by
	// less than MinChange (0: rule off).
	MinChange float64 `json:"min_change"`
}

// SessionConfig configures a Session. Zero fields mean the defaults.
type SessionConfig struct {
	// Selection is the item-selection rule (default SelectAuto).
	Selection Selection
	// Randomesque > 1 enables randomesque exposure control: pick uniformly
	// among the Randomesque best items instead of the best one (Kingsbury &
	// Zara, 1989). Default 0 (deterministic).
	Randomesque int
	// CostExponent γ makes selection cost-aware: items are ranked by
	// gain/costⱼ^γ. γ = 0 (default) ignores cost, γ = 1 is information per
	// unit cost (per token). This is our formulation: the cost discount of
	// "Cost-Efficient Estimation of General Abilities Across Benchmarks" is
	// not given in its abstract.
	CostExponent float64
	// Costs[j] > 0 is item j's expected cost (e.g. tokens), used for
	// cost-aware ranking and to skip items that do not fit the remaining
	// budget. nil means every item costs 1.
	Costs []float64
	// Budget > 0 is a hard limit on Spent; items whose expected cost exceeds
	// the remaining budget are not selected. 0 means no budget.
	Budget float64
	// Stop holds the stopping rules.
	Stop Stopping
	// Ability configures the MAP estimate updated after each observation
	// (prior N(0, 1), range [−4, 4], tolerance 1e-6, 100 iterations).
	// Ability.Start and Ability.Extreme are ignored.
	Ability AbilityConfig
	// Seed seeds randomesque and random selection.
	Seed uint64
}

// Prediction is a predicted score with its posterior standard deviation.
type Prediction struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// Session is a computerized adaptive test of one model: it picks the next
// item (NextItem), takes its score and cost (Observe), keeps the MAP
// estimate θ̂ with its Laplace covariance, says when to stop (Done), and
// predicts scores on any item set or task (PredictScore, PredictTasks).
//
// A Session must be created with NewSession. It is not safe for concurrent
// use; give each evaluated model its own Session.
type Session struct {
	bank  []Item
	costs []float64
	d     int
	cfg   SessionConfig
	ab    irtAbility
	sel   Selection
	print string // bank fingerprint

	administered []bool
	order        []int
	scores       []float64
	paid         []float64
	spent        float64

	theta, prev []float64
	minv        []float64 // M⁻¹ = Laplace covariance at θ̂
	se          []float64

	solver *irtSolver
	pcg    *rand.PCG
	rng    *rand.Rand
	v      []float64 // scratch M⁻¹a
	topIdx []int
	topVal []float64
}

// NewSession returns a Session over bank (validated by ValidateBank) at the
// prior: θ̂ = μ₀, covariance σ₀²I.
func NewSession(bank []Item, cfg SessionConfig) (*Session, error) {
	d, err := ValidateBank(bank)
	if err != nil {
		return nil, err
	}
	ab, err := cfg.Ability.resolve(d)
	if err != nil {
		return nil, err
	}
	if cfg.Ability.Start != nil || cfg.Ability.Extreme != 0 {
		cfg.Ability.Start, cfg.Ability.Extreme = nil, 0
	}
	sel := cfg.Selection
	switch {
	case sel < SelectAuto || sel > SelectRandom:
		return nil, fmt.Errorf("%w: Selection = %d (unknown rule)", ErrInvalid, cfg.Selection)
	case cfg.Randomesque < 0:
		return nil, fmt.Errorf("%w: Randomesque = %d (must be ≥ 0)", ErrInvalid, cfg.Randomesque)
	case !num.IsFinite(cfg.CostExponent) || cfg.CostExponent < 0:
		return nil, fmt.Errorf("%w: CostExponent = %v (must be finite and ≥ 0)", ErrInvalid, cfg.CostExponent)
	case !num.IsFinite(cfg.Budget) || cfg.Budget < 0:
		return nil, fmt.Errorf("%w: Budget = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Budget)
	case cfg.Stop.MinItems < 0:
		return nil, fmt.Errorf("%w: Stop.MinItems = %d (must be ≥ 0)", ErrInvalid, cfg.Stop.MinItems)
	case !num.IsFinite(cfg.Stop.MaxSE) || cfg.Stop.MaxSE < 0:
		return nil, fmt.Errorf("%w: Stop.MaxSE = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Stop.MaxSE)
	case !num.IsFinite(cfg.Stop.MinChange) || cfg.Stop.MinChange < 0:
		return nil, fmt.Errorf("%w: Stop.MinChange = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Stop.MinChange)
	}
	if sel == SelectAuto {
		sel = SelectMaxInfo
		if d > 1 {
			sel = SelectDOptimal
		}
	}
	if cfg.Stop.MaxItems == 0 {
		cfg.Stop.MaxItems = 100
	}
	costs := make([]float64, len(bank))
	if cfg.Costs == nil {
		for j := range costs {
			costs[j] = 1
		}
	} else {
		if len(cfg.Costs) != len(bank) {
			return nil, fmt.Errorf("%w: len(Costs) = %d, len(bank) = %d", ErrInvalid, len(cfg.Costs), len(bank))
		}
		for j, c := range cfg.Costs {
			if !num.IsFinite(c) || c <= 0 {
				return nil, fmt.Errorf("%w: Costs[%d] = %v (must be finite and > 0)", ErrInvalid, j, c)
			}
		}
		copy(costs, cfg.Costs)
	}
	cfg.Costs = nil // kept in s.costs and the fingerprint
	k := max(cfg.Randomesque, 1)
	pcg := randx.NewPCG(cfg.Seed, 0x5e55)
	s := &Session{
		bank: bank, costs: costs, d: d, cfg: cfg, ab: ab, sel: sel,
		print:        irtFingerprint(bank, costs),
		administered: make([]bool, len(bank)),
		theta:        make([]float64, d), prev: make([]float64, d),
		minv: make([]float64, d*d), se: make([]float64, d),
		solver: newIRTSolver(d), pcg: pcg, rng: rand.New(pcg),
		v: make([]float64, d), topIdx: make([]int, k), topVal: make([]float64, k),
	}
	s.reset()
	return s, nil
}

// reset puts the session back at the prior.
func (s *Session) reset() {
	for j := range s.administered {
		s.administered[j] = false
	}
	s.order, s.scores, s.paid, s.spent = s.order[:0], s.scores[:0], s.paid[:0], 0
	for k := range s.theta {
		s.theta[k], s.prev[k] = s.ab.mean, s.ab.mean
	}
	s.rebuildCov()
}

// irtFingerprint hashes the bank and costs so a snapshot cannot be restored
// over another bank.
func irtFingerprint(bank []Item, costs []float64) string {
	h := fnv.New64a()
	var buf [8]byte
	put := func(x float64) {
		b := math.Float64bits(x)
		for i := range buf {
			buf[i] = byte(b >> (8 * i))
		}
		h.Write(buf[:])
	}
	for j := range bank {
		for _, a := range bank[j].A {
			put(a)
		}
		put(bank[j].D)
		put(bank[j].C)
		put(bank[j].upper())
		put(costs[j])
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// rebuildCov sets M⁻¹ for M = I/σ₀² + Σ_administered wⱼ(θ̂) aⱼaⱼᵀ by
// Sherman–Morrison rank-one updates from the prior covariance σ₀²I:
//
//	M⁻¹ ← M⁻¹ − w (M⁻¹a)(M⁻¹a)ᵀ / (1 + w aᵀM⁻¹a)
//
// O(n·D²) for n administered items, no factorisation.
func (s *Session) rebuildCov() {
	d := s.d
	for i := range s.minv {
		s.minv[i] = 0
	}
	for k := 0; k < d; k++ {
		s.minv[k*d+k] = s.ab.sd * s.ab.sd
	}
	for _, j := range s.order {
		it := &s.bank[j]
		w := it.response(it.logit(s.theta)).w
		q := s.mulMinv(it.A)
		f := w / (1 + w*q)
		for r := 0; r < d; r++ {
			for c := 0; c < d; c++ {
				s.minv[r*d+c] -= f * s.v[r] * s.v[c]
			}
		}
	}
	for k := range s.se {
		s.se[k] = math.Sqrt(s.minv[k*d+k])
	}
}

// mulMinv sets s.v = M⁻¹a and returns aᵀM⁻¹a.
func (s *Session) mulMinv(a []float64) float64 {
	d := s.d
	var q float64
	for r := 0; r < d; r++ {
		row := s.minv[r*d : r*d+d]
		var t float64
		for c, ac := range a {
			t += row[c] * ac
		}
		s.v[r] = t
		q += a[r] * t
	}
	return q
}

// remaining returns the budget left (+Inf without a budget).
func (s *Session) remaining() float64 {
	if s.cfg.Budget == 0 {
		return math.Inf(1)
	}
	return s.cfg.Budget - s.spent
}

// gain returns item j's selection score before the cost discount.
func (s *Session) gain(j int) float64 {
	it := &s.bank[j]
	w := it.response(it.logit(s.theta)).w
	switch s.sel {
	case SelectMaxInfo:
		if s.d == 1 {
			return w * it.A[0] * it.A[0]
		}
		var aa float64
		for _, a := range it.A {
			aa += a * a
		}
		return w * aa
	case SelectDOptimal:
		if s.d == 1 {
			a := it.A[0]
			return math.Log1p(w * a * a * s.minv[0])
		}
		return math.Log1p(w * s.mulMinv(it.A))
	default: // SelectAOptimal
		q := s.mulMinv(it.A)
		var vv float64
		for _, x := range s.v {
			vv += x * x
		}
		return w * vv / (1 + w*q)
	}
}

// NextItem returns the index of the item to administer next under the
// selection rule, among the items not yet administered whose expected cost
// fits the remaining budget; ties go to the lowest index. It returns
// ErrNoItem if there is none. It does not consult Done: the caller's loop
// does. Random and randomesque selection draw from the session's seeded
// generator; other rules do not change the session.
//
// Cost: one pass over the bank, O(D²) per candidate for D-/A-optimal
// selection; no allocation.
func (s *Session) NextItem() (int, error) {
	rem := s.remaining()
	if s.sel == SelectRandom {
		n := 0
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				n++
			}
		}
		if n == 0 {
			return -1, ErrNoItem
		}
		k := s.rng.IntN(n)
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				if k == 0 {
					return j, nil
				}
				k--
			}
		}
	}
	g := s.cfg.CostExponent
	kk := len(s.topIdx)
	found := 0
	for j, done := range s.administered {
		c := s.costs[j]
		if done || c > rem {
			continue
		}
		v := s.gain(j)
		if g == 1 {
			v /= c
		} else if g != 0 {
			v /= math.Pow(c, g)
		}
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		// Insert into the top-k list (sorted descending, stable on index).
		if found < kk {
			found++
		} else if !(v > s.topVal[kk-1]) {
			continue
		}
		p := found - 1
		for p > 0 && v > s.topVal[p-1] {
			s.topVal[p], s.topIdx[p] = s.topVal[p-1], s.topIdx[p-1]
			p--
		}
		s.topVal[p], s.topIdx[p] = v, j
	}
	if found == 0 {
		return -1, ErrNoItem
	}
	if found == 1 || kk == 1 {
		return s.topIdx[0], nil
	}
	return s.topIdx[s.rng.IntN(found)], nil
}

// Observe records that item scored score ∈ [0, 1] (1 = correct; fractional
// scores are soft labels) at a cost ≥ 0, adds cost to Spent and updates θ̂
// by MAP (Newton from the previous θ̂) and M⁻¹. A failed Observe — an
// unknown or already administered item, a score or cost out of range —
// returns ErrInvalid and leaves the session unchanged.
func (s *Session) Observe(item int, score, cost float64) error {
	if item < 0 || item >= len(s.bank) {
		return fmt.Errorf("%w: item %d (bank has %d items)", ErrInvalid, item, len(s.bank))
	}
	if s.administered[item] {
		return fmt.Errorf("%w: item %d already administered", ErrInvalid, item)
	}
	if !(score >= 0 && score <= 1) {
		return fmt.Errorf("%w: score = %v (must be in [0, 1])", ErrInvalid, score)
	}
	if !num.IsFinite(cost) || cost < 0 {
		return fmt.Errorf("%w: cost = %v (must be finite and ≥ 0)", ErrInvalid, cost)
	}
	s.order = append(s.order, item)
	s.scores = append(s.scores, score)
	copy(s.solver.theta, s.theta)
	pr := irtPrior{mean: s.ab.mean, prec: 1 / (s.ab.sd * s.ab.sd)}
	if _, _, _, err := s.solver.mode(s.bank, s.order, s.scores, pr, s.ab, s.solver.theta); err != nil {
		s.order, s.scores = s.order[:len(s.order)-1], s.scores[:len(s.scores)-1]
		return err
	}
	s.administered[item] = true
	s.paid = append(s.paid, cost)
	s.spent += cost
	copy(s.prev, s.theta)
	copy(s.theta, s.solver.theta)
	s.rebuildCov()
	return nil
}

// Estimate returns the current MAP estimate θ̂ with its Laplace covariance
// M⁻¹ (a copy).
func (s *Session) Estimate() Estimate {
	return Estimate{
		Theta: append([]float64(nil), s.theta...), Cov: append([]float64(nil), s.minv...),
		SE: append([]float64(nil), s.se...), Converged: true,
	}
}

// StandardError returns the standard error of each coordinate of θ̂, √M⁻¹ₖₖ
// (a copy).
func (s *Session) StandardError() []float64 { return append([]float64(nil), s.se...) }

// Spent returns the total cost observed so far.
func (s *Session) Spent() float64 { return s.spent }

// Administered returns the administered items in order, with their scores
// (copies).
func (s *Session) Administered() (items []int, scores []float64) {
	return append([]int(nil), s.order...), append([]float64(nil), s.scores...)
}

// Done reports whether the test should stop and why, checking in order:
// bank exhausted, budget (spent, or no remaining item fits), MaxItems, then
// — once MinItems items have been administered — MaxSE and MinChange.
func (s *Session) Done() (bool, StopReason) {
	n := len(s.order)
	if n == len(s.bank) {
		return true, StopBankExhausted
	}
	if s.cfg.Budget > 0 {
		rem := s.remaining()
		fits := false
		for j, done := range s.administered {
			if !done && s.costs[j] <= rem {
				fits = true
				break
			}
		}
		if !fits {
			return true, StopBudget
		}
	}
	if s.cfg.Stop.MaxItems > 0 && n >= s.cfg.Stop.MaxItems {
		return true, StopMaxItems
	}
	if n < s.cfg.Stop.MinItems {
		return false, NotDone
	}
	if s.cfg.Stop.MaxSE > 0 {
		ok := true
		for _, e := range s.se {
			ok = ok && e <= s.cfg.Stop.MaxSE
		}
		if ok {
			return true, StopStandardError
		}
	}
	if s.cfg.Stop.MinChange > 0 && n > 0 {
		ok := true
		for k := range s.theta {
			ok = ok && math.Abs(s.theta[k]-s.prev[k]) < s.cfg.Stop.MinChange
		}
		if ok {
			return true, StopConverged
		}
	}
	return false, NotDone
}

// PredictScore predicts the mean score over items: administered items count
// with their observed score, the others with the posterior mean of Pⱼ(θ)
// under the Laplace posterior θ ~ N(θ̂, M⁻¹) — not Pⱼ(θ̂) — as in
// tinyBenchmarks' p-IRT. SD is the posterior standard deviation of that
// mean. Each item's expectation is exact up to quadrature: the logit
// zⱼ = aⱼᵀθ + dⱼ is normal with mean aⱼᵀθ̂ + dⱼ and variance aⱼᵀM⁻¹aⱼ, and a
// 20-node Gauss–Hermite rule integrates over it. The SD integrates the mean
// over θ with a Gauss–Hermite product rule for D ≤ 2 and the third-degree
// spherical–radial cubature (2D points) for D > 2.
func (s *Session) PredictScore(items []int) (Prediction, error) {
	if len(items) == 0 {
		return Prediction{}, fmt.Errorf("%w: PredictScore of no items", ErrInvalid)
	}
	for _, j := range items {
		if j < 0 || j >= len(s.bank) {
			return Prediction{}, fmt.Errorf("%w: item %d (bank has %d items)", ErrInvalid, j, len(s.bank))
		}
	}
	obs := s.observedScores()
	return s.predict(items, obs), nil
}

// PredictTasks predicts the mean score on each task, where labels[j] is
// item j's task ("" leaves the item out), as PredictScore does per label.
func (s *Session) PredictTasks(labels []string) (map[string]Prediction, error) {
	if len(labels) != len(s.bank) {
		return nil, fmt.Errorf("%w: len(labels) = %d, len(bank) = %d", ErrInvalid, len(labels), len(s.bank))
	}
	groups := map[string][]int{}
	for j, l := range labels {
		if l != "" {
			groups[l] = append(groups[l], j)
		}
	}
	obs := s.observedScores()
	out := make(map[string]Prediction, len(groups))
	for l, items := range groups {
		out[l] = s.predict(items, obs)
	}
	return out, nil
}

func (s *Session) observedScores() map[int]float64 {
	obs := make(map[int]float64, len(s.order))
	for n, j := range s.order {
		obs[j] = s.scores[n]
	}
	return obs
}

func (s *Session) predict(items []int, obs map[int]float64) Prediction {
	gh := irtGaussHermite()
	var mean float64
	var unseen []int
	for _, j := range items {
		if x, ok := obs[j]; ok {
			mean += x
			continue
		}
		unseen = append(unseen, j)
		it := &s.bank[j]
		m := it.D
		for k, a := range it.A {
			m += a * s.theta[k]
		}
		sd := math.Sqrt(math.Max(s.mulMinv(it.A), 0))
		var e float64
		for q, z := range gh.x {
			e += gh.w[q] * it.response(irtClipLogit(m+sd*z)).p
		}
		mean += e
	}
	n := float64(len(items))
	mean /= n
	if len(unseen) == 0 {
		return Prediction{Mean: mean}
	}
	// Variance of S(θ) = (1/n)Σ_unseen Pⱼ(θ) over the posterior.
	pts, wts := s.posteriorPoints()
	th := make([]float64, s.d)
	var m1, m2 float64
	for p, w := range wts {
		copy(th, pts[p*s.d:p*s.d+s.d])
		var sum float64
		for _, j := range unseen {
			it := &s.bank[j]
			sum += it.response(it.logit(th)).p
		}
		sum /= n
		m1 += w * sum
		m2 += w * sum * sum
	}
	return Prediction{Mean: mean, SD: math.Sqrt(math.Max(m2-m1*m1, 0))}
}

// posteriorPoints returns quadrature points (row-major, D per point) and
// weights for N(θ̂, M⁻¹).
func (s *Session) posteriorPoints() ([]float64, []float64) {
	d := s.d
	l := append([]float64(nil), s.minv...)
	if !irtCholesky(l, d) {
		return append([]float64(nil), s.theta...), []float64{1}
	}
	var z [][]float64
	var w []float64
	switch d {
	case 1:
		gh := irtGaussHermite()
		for q := range gh.x {
			z = append(z, []float64{gh.x[q]})
			w = append(w, gh.w[q])
		}
	case 2:
		gh := irtGaussHermite10()
		for q1 := range gh.x {
			for q2 := range gh.x {
				z = append(z, []float64{gh.x[q1], gh.x[q2]})
				w = append(w, gh.w[q1]*gh.w[q2])
			}
		}
	default:
		r := math.Sqrt(float64(d))
		for k := 0; k < d; k++ {
			for _, sgn := range []float64{1, -1} {
				v := make([]float64, d)
				v[k] = sgn * r
				z = append(z, v)
				w = append(w, 1/float64(2*d))
			}
		}
	}
	pts := make([]float64, len(z)*d)
	for p, zp := range z {
		for r := 0; r < d; r++ {
			x := s.theta[r]
			for c := 0; c <= r; c++ {
				x += l[r*d+c] * zp[c]
			}
			pts[p*d+r] = x
		}
	}
	return pts, w
}

// irtSessionConfig is what a snapshot must match.
type irtSessionConfig struct {
	Bank         string    `json:"bank"`
	Selection    Selection `json:"selection"`
	Randomesque  int       `json:"randomesque"`
	CostExponent float64   `json:"cost_exponent"`
	Budget       float64   `json:"budget"`
	Stop         Stopping  `json:"stop"`
	PriorMean    float64   `json:"prior_mean"`
	PriorSD      float64   `json:"prior_sd"`
	Lo           float64   `json:"lo"`
	Hi           float64   `json:"hi"`
	Tol          float64   `json:"tol"`
	MaxIter      int       `json:"max_iter"`
	Seed         uint64    `json:"seed"`
}

type irtSessionState struct {
	Items  []int     `json:"items"`
	Scores []float64 `json:"scores"`
	Costs  []float64 `json:"costs"`
	RNG    []byte    `json:"rng"`
}

const irtSessionKind, irtSessionVersion = "estimate.Session", 1

func (s *Session) snapConfig() irtSessionConfig {
	return irtSessionConfig{
		Bank: s.print, Selection: s.sel, Randomesque: s.cfg.Randomesque, CostExponent: s.cfg.CostExponent,
		Budget: s.cfg.Budget, Stop: s.cfg.Stop, PriorMean: s.ab.mean, PriorSD: s.ab.sd, Lo: s.ab.lo, Hi: s.ab.hi,
		Tol: s.ab.tol, MaxIter: s.ab.maxIter, Seed: s.cfg.Seed,
	}
}

// Snapshot returns the session's state as versioned JSON: the observations
// in order and the generator's state. The bank itself is not stored, only
// its fingerprint; restore into a Session built from the same bank and
// configuration.
func (s *Session) Snapshot() ([]byte, error) {
	rng, err := s.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	st := irtSessionState{Items: s.order, Scores: s.scores, Costs: s.paid, RNG: rng}
	return snapshot.Marshal(irtSessionKind, irtSessionVersion, s.snapConfig(), st)
}

// Restore replaces the session's state with a snapshot taken from a
// Session over the same bank (and costs) with the same configuration,
// replaying its observations, so that it continues bit-identically. On
// error (wrapping ErrSnapshot) the session is unchanged.
func (s *Session) Restore(data []byte) error {
	var st irtSessionState
	if err := snapshot.Unmarshal(data, irtSessionKind, irtSessionVersion, s.snapConfig(), &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Scores) != len(st.Items) || len(st.Costs) != len(st.Items) {
		return fmt.Errorf("%w: %d items, %d scores, %d costs", ErrSnapshot, len(st.Items), len(st.Scores), len(st.Costs))
	}
	pcg := rand.NewPCG(0, 0)
	if err := pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("%w: rng: %v", ErrSnapshot, err)
	}
	cfg := s.cfg
	cfg.Costs = s.costs
	cfg.Selection = s.sel
	fresh, err := NewSession(s.bank, cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	for n, j := range st.Items {
		if err := fresh.Observe(j, st.Scores[n], st.Costs[n]); err != nil {
			return fmt.Errorf("%w: observation %d: %w", ErrSnapshot, n, err)
		}
	}
	fresh.pcg = pcg
	fresh.rng = rand.New(pcg)
	*s = *fresh
	return nil
}
