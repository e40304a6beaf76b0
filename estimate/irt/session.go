package irt

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
)

// SessionConfig configures a Session. Zero fields mean the defaults.
type SessionConfig struct {
	// Selection is the item-selection rule (default SelectAuto).
	Selection Selection
	// Randomesque > 1 enables randomesque exposure control: pick uniformly
	// among the Randomesque best items instead of the best one (Kingsbury &
	// Zara, 1989). Default 0 (deterministic); at most the bank's size.
	Randomesque int
	// CostExponent γ makes selection cost-aware: items are ranked by
	// gain/costⱼ^γ. γ = 0 (default) ignores cost, γ = 1 is information per
	// unit cost (per token). This is our formulation: the cost discount of
	// "Cost-Efficient Estimation of General Abilities Across Benchmarks" is
	// not given in its abstract. At most 16.
	CostExponent float64
	// Costs[j] > 0 is item j's expected cost (e.g. tokens), used for
	// cost-aware ranking and to skip items that do not fit the remaining
	// budget. nil means every item costs 1.
	Costs []float64
	// Budget > 0 is a hard limit on Spent; items whose expected cost exceeds
	// the remaining budget are not selected. 0 means no budget.
	Budget float64
	// Stopping holds the stopping rules (Session.Stop evaluates them).
	Stopping Stopping
	// MAP configures the MAP estimate updated after each observation
	// (prior N(0, 1), range [−4, 4], tolerance 1e-6, 100 iterations).
	// MAP.Start and MAP.Extreme are ignored.
	MAP AbilityConfig
	// Seed seeds randomesque and random selection.
	Seed uint64
	// ItemCov, if set, holds each item's (D+1)×(D+1) covariance of
	// (a₁, …, a_D, d), row-major, e.g. Calibration.ItemCov. The standard
	// errors, Ability().Cov, the MaxSE rule and the predictions then include
	// the item parameters' uncertainty by the delta method: θ̂ solves
	// g(θ, ξ) = 0 for the score g, so dθ̂/dξⱼ = M⁻¹Gⱼ with
	// Gⱼ = ∂g/∂ξⱼ = [(xⱼ − Pⱼ)rⱼI − wⱼaⱼθ̂ᵀ, −wⱼaⱼ] and
	//
	//	Cov(θ̂) = M⁻¹ + Σ_administered M⁻¹ Gⱼ Cⱼ Gⱼᵀ M⁻¹
	//
	// (exact to first order for the 2PL; items with asymptotes use their
	// information weight w and r = dP/dz/(P(1 − P))). Selection still uses
	// M⁻¹. nil: items are taken as known.
	ItemCov [][]float64
}

// Session is a computerized adaptive test of one model. The caller owns the
// loop, in the style of bufio.Scanner:
//
//	for s.Next() {
//		j := s.Item()
//		score, cost := run(j) // the model answers item j
//		if err := s.Observe(j, score, cost); err != nil { ... }
//	}
//	if err := s.Err(); err != nil { ... }
//	fmt.Println(s.Stop(), s.Ability())
//
// Next applies the stopping rules (Stop) and picks the next item; Observe
// takes its score and cost and updates the MAP estimate θ̂ with its Laplace
// covariance; PredictScore and PredictTasks predict scores on any item set
// or task.
//
// A Session must be created with NewSession; the methods of a zero Session
// return errors wrapping ErrInvalid (Next returns false and Err says why)
// and never panic. It is not safe for concurrent use; give each evaluated
// model its own Session.
type Session struct {
	bank  []Item
	costs []float64
	d     int
	cfg   SessionConfig
	ab    abilityParams
	sel   Selection
	print string // bank fingerprint

	administered []bool
	order        []int
	scores       []float64
	paid         []float64
	spent        float64
	pending      int // the item Next chose and Observe has not taken, or −1
	err          error

	theta, prev []float64
	minv        []float64 // M⁻¹ = Laplace covariance at θ̂
	cov         []float64 // M⁻¹ plus item-parameter uncertainty (= M⁻¹ without ItemCov)
	itemCov     []float64 // per item (D+1)², or nil
	se          []float64

	solver *modeSolver
	pcg    *rand.PCG
	rng    *rand.Rand
	v      []float64 // scratch M⁻¹a
	topIdx []int
	topVal []float64

	// byBound lists the items by decreasing bound[r] = wmax‖a‖²/cost^γ,
	// ties by index: the order selectItem scans in (see gainBound).
	byBound []int32
	bound   []float64
}

// NewSession returns a Session over bank (validated by ValidateBank) at the
// prior: θ̂ = μ₀, covariance σ₀²I. The session keeps its own copy of bank
// and cfg.Costs: later changes to the caller's slices do not affect it.
func NewSession(bank []Item, cfg SessionConfig) (*Session, error) {
	d, err := ValidateBank(bank)
	if err != nil {
		return nil, err
	}
	bank = cloneBank(bank)
	ab, err := cfg.MAP.resolve(d)
	if err != nil {
		return nil, err
	}
	if cfg.MAP.Start != nil || cfg.MAP.Extreme != 0 {
		cfg.MAP.Start, cfg.MAP.Extreme = nil, 0
	}
	sel := cfg.Selection
	switch {
	case sel < SelectAuto || sel > SelectRandom:
		return nil, fmt.Errorf("%w: Selection = %d (unknown rule)", ErrInvalid, cfg.Selection)
	case cfg.Randomesque < 0 || cfg.Randomesque > len(bank):
		return nil, fmt.Errorf("%w: Randomesque = %d (must be in [0, %d], the bank's size)", ErrInvalid, cfg.Randomesque, len(bank))
	case !(cfg.CostExponent >= 0 && cfg.CostExponent <= maxCostExponent):
		return nil, fmt.Errorf("%w: CostExponent = %v (must be in [0, %d])", ErrInvalid, cfg.CostExponent, maxCostExponent)
	case !num.IsFinite(cfg.Budget) || cfg.Budget < 0:
		return nil, fmt.Errorf("%w: Budget = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Budget)
	case cfg.Stopping.MinItems < 0:
		return nil, fmt.Errorf("%w: Stopping.MinItems = %d (must be ≥ 0)", ErrInvalid, cfg.Stopping.MinItems)
	case !num.IsFinite(cfg.Stopping.MaxSE) || cfg.Stopping.MaxSE < 0:
		return nil, fmt.Errorf("%w: Stopping.MaxSE = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Stopping.MaxSE)
	case !num.IsFinite(cfg.Stopping.MinChange) || cfg.Stopping.MinChange < 0:
		return nil, fmt.Errorf("%w: Stopping.MinChange = %v (must be finite and ≥ 0)", ErrInvalid, cfg.Stopping.MinChange)
	}
	if sel == SelectAuto {
		sel = SelectMaxInfo
		if d > 1 {
			sel = SelectDOptimal
		}
	}
	if cfg.Stopping.MaxItems == 0 {
		cfg.Stopping.MaxItems = 100
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
	var itemCov []float64
	if cfg.ItemCov != nil {
		if len(cfg.ItemCov) != len(bank) {
			return nil, fmt.Errorf("%w: len(ItemCov) = %d, len(bank) = %d", ErrInvalid, len(cfg.ItemCov), len(bank))
		}
		p := d + 1
		itemCov = make([]float64, 0, len(bank)*p*p)
		for j, c := range cfg.ItemCov {
			if len(c) != p*p {
				return nil, fmt.Errorf("%w: len(ItemCov[%d]) = %d (want (D+1)² = %d)", ErrInvalid, j, len(c), p*p)
			}
			for k, v := range c {
				if !(math.Abs(v) <= maxItemVar) || (k%(p+1) == 0 && v < 0) || v != c[(k%p)*p+k/p] {
					return nil, fmt.Errorf("%w: ItemCov[%d][%d] = %v (need a finite symmetric matrix, diagonal in [0, %g])", ErrInvalid, j, k, v, maxItemVar)
				}
			}
			itemCov = append(itemCov, c...)
		}
	}
	cfg.ItemCov = nil // kept in s.itemCov and the fingerprint
	k := max(cfg.Randomesque, 1)
	pcg := randx.NewPCG(cfg.Seed, 0x5e55)
	s := &Session{
		bank: bank, costs: costs, d: d, cfg: cfg, ab: ab, sel: sel,
		print:   bankFingerprint(bank, costs, itemCov),
		itemCov: itemCov, cov: make([]float64, d*d),
		administered: make([]bool, len(bank)),
		theta:        make([]float64, d), prev: make([]float64, d),
		minv: make([]float64, d*d), se: make([]float64, d),
		solver: newModeSolver(d), pcg: pcg, rng: rand.New(pcg),
		v: make([]float64, d), topIdx: make([]int, k), topVal: make([]float64, k),
	}
	s.sortByBound()
	s.reset()
	return s, nil
}

// sortByBound orders the items by decreasing wmax‖a‖²/cost^γ, an upper
// bound on their information per unit cost at any θ. O(n log n), once. For
// D > 1 the D- and A-optimal bounds (through the trace of M⁻¹) are too loose
// to prune, so the items stay in index order, scanned in full.
func (s *Session) sortByBound() {
	n := len(s.bank)
	if s.d > 1 {
		s.byBound, s.bound = make([]int32, n), make([]float64, n)
		for j := range s.byBound {
			s.byBound[j], s.bound[j] = int32(j), math.Inf(1)
		}
		return
	}
	key := make([]float64, n)
	s.byBound = make([]int32, n)
	for j := range s.bank {
		it := &s.bank[j]
		var aa float64
		for _, a := range it.A {
			aa += a * a
		}
		k := it.maxInfoWeight() * aa
		switch g := s.cfg.CostExponent; g {
		case 0:
		case 1:
			k /= s.costs[j]
		default:
			k /= math.Pow(s.costs[j], g)
		}
		if math.IsNaN(k) {
			k = math.Inf(1) // never pruned
		}
		key[j] = k
		s.byBound[j] = int32(j)
	}
	slices.SortFunc(s.byBound, func(x, y int32) int {
		switch kx, ky := key[x], key[y]; {
		case kx > ky:
			return -1
		case kx < ky:
			return 1
		}
		return int(x - y)
	})
	s.bound = make([]float64, n)
	for r, j := range s.byBound {
		s.bound[r] = key[j]
	}
}

// cloneBank copies bank and every item's slopes into one allocation.
func cloneBank(bank []Item) []Item {
	n := 0
	for j := range bank {
		n += len(bank[j].A)
	}
	out := make([]Item, len(bank))
	slopes := make([]float64, 0, n)
	for j, it := range bank {
		k := len(slopes)
		slopes = append(slopes, it.A...)
		it.A = slopes[k:len(slopes):len(slopes)]
		out[j] = it
	}
	return out
}

// reset puts the session back at the prior.
func (s *Session) reset() {
	s.pending, s.err = -1, nil
	for j := range s.administered {
		s.administered[j] = false
	}
	s.order, s.scores, s.paid, s.spent = s.order[:0], s.scores[:0], s.paid[:0], 0
	for k := range s.theta {
		s.theta[k], s.prev[k] = s.ab.mean, s.ab.mean
	}
	s.rebuildCov()
}

// bankFingerprint hashes the bank and costs so a snapshot cannot be restored
// over another bank.
func bankFingerprint(bank []Item, costs, itemCov []float64) string {
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
	for _, v := range itemCov {
		put(v)
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
	copy(s.cov, s.minv)
	if s.itemCov != nil {
		s.addItemUncertainty()
	}
	for k := range s.se {
		s.se[k] = math.Sqrt(s.cov[k*d+k])
	}
}

// addItemUncertainty adds Σ_administered M⁻¹GⱼCⱼGⱼᵀM⁻¹ to s.cov (see
// SessionConfig.ItemCov). O(n·D³) for n administered items.
func (s *Session) addItemUncertainty() {
	d, p := s.d, s.d+1
	var gbuf, tbuf [(8 + 1) * 8]float64 // D ≤ 8 on the stack; larger D allocate
	g, t := gbuf[:0], tbuf[:0]
	if d > 8 {
		g, t = make([]float64, 0, d*p), make([]float64, 0, d*p)
	}
	g, t = g[:d*p], t[:d*p]
	for n, j := range s.order {
		it := &s.bank[j]
		r := it.response(it.logit(s.theta))
		e := (s.scores[n] - r.p) * r.r
		for k := 0; k < d; k++ { // G = [e·I − w a θᵀ, −w a]
			for l := 0; l < d; l++ {
				g[k*p+l] = -r.w * it.A[k] * s.theta[l]
			}
			g[k*p+k] += e
			g[k*p+d] = -r.w * it.A[k]
		}
		for k := 0; k < d; k++ { // T = M⁻¹G
			for l := 0; l < p; l++ {
				var v float64
				for m := 0; m < d; m++ {
					v += s.minv[k*d+m] * g[m*p+l]
				}
				t[k*p+l] = v
			}
		}
		c := s.itemCov[j*p*p : (j+1)*p*p]
		for k := 0; k < d; k++ { // cov += T C Tᵀ
			for l := 0; l < d; l++ {
				var v float64
				for u := 0; u < p; u++ {
					var tc float64
					for w := 0; w < p; w++ {
						tc += t[k*p+w] * c[w*p+u]
					}
					v += tc * t[l*p+u]
				}
				s.cov[k*d+l] += v
			}
		}
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

// Next applies the stopping rules and, unless one fires, picks the next
// item under the selection rule (read it with Item) and returns true. It
// returns false when the test should stop — Stop says why — or when the
// session cannot go on, which Err reports. Each call picks afresh: an item
// that Next chose but Observe never took is simply not administered.
//
// The choice is among the items not yet administered whose expected cost
// fits the remaining budget, ties going to the lowest index. Random and
// randomesque selection draw from the session's seeded generator.
//
// Cost: one pass over the bank, O(D²) per candidate for D-/A-optimal
// selection; no allocation.
func (s *Session) Next() bool {
	if s.bank == nil {
		s.err = errNotCreated
		return false
	}
	s.pending = -1
	if s.err != nil || s.Stop() != StopRunning {
		return false
	}
	s.pending = s.selectItem()
	return s.pending >= 0
}

// Item returns the item Next chose, or −1 before the first Next, after Next
// returned false and after Observe took the item.
func (s *Session) Item() int {
	if s.bank == nil {
		return -1
	}
	return s.pending
}

// Err returns the error that made Next return false, or nil when Next
// stopped because a stopping rule fired (see Stop). Observe's errors are
// returned by Observe itself and leave the loop able to continue.
func (s *Session) Err() error { return s.err }

// Observe records that item scored score ∈ [0, 1] (1 = correct; fractional
// scores are soft labels) at a cost ≥ 0, adds cost to Spent and updates θ̂
// by MAP (Newton from the previous θ̂) and M⁻¹. Any item of the bank may be
// observed, not only the one Next chose. A failed Observe — an unknown or
// already administered item, a score or cost out of range — returns an
// error wrapping ErrInvalid and leaves the session unchanged.
func (s *Session) Observe(item int, score, cost float64) error {
	if s.bank == nil {
		return errNotCreated
	}
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
	if !num.IsFinite(s.spent + cost) {
		return fmt.Errorf("%w: cost = %v overflows the total spent (%v)", ErrInvalid, cost, s.spent)
	}
	s.order = append(s.order, item)
	s.scores = append(s.scores, score)
	copy(s.solver.theta, s.theta)
	pr := gaussPrior{mean: s.ab.mean, prec: 1 / (s.ab.sd * s.ab.sd)}
	if _, _, _, err := s.solver.mode(s.bank, s.order, s.scores, pr, s.ab, s.solver.theta); err != nil {
		s.order, s.scores = s.order[:len(s.order)-1], s.scores[:len(s.scores)-1]
		return err
	}
	s.administered[item] = true
	if s.pending == item {
		s.pending = -1
	}
	s.paid = append(s.paid, cost)
	s.spent += cost
	copy(s.prev, s.theta)
	copy(s.theta, s.solver.theta)
	s.rebuildCov()
	return nil
}

// Ability returns the current MAP estimate θ̂ with its Laplace covariance
// M⁻¹ and standard errors √M⁻¹ₖₖ (copies). A zero Session returns the zero
// Ability.
func (s *Session) Ability() Ability {
	if s.bank == nil {
		return Ability{}
	}
	return Ability{
		Theta: append([]float64(nil), s.theta...), Cov: append([]float64(nil), s.cov...),
		SE: append([]float64(nil), s.se...), Converged: true,
	}
}

// Spent returns the total cost observed so far.
func (s *Session) Spent() float64 { return s.spent }

// Administered returns the administered items in order, with their scores
// (copies).
func (s *Session) Administered() (items []int, scores []float64) {
	return append([]int(nil), s.order...), append([]float64(nil), s.scores...)
}
