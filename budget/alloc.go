package budget

import (
	"fmt"
	"math"
	"strconv"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Item is one unit that competes for budget, typically a prompt in an RL
// batch competing for rollouts.
//
// Cost is the price of one rollout (1 when counting rollouts, the expected
// rollout length when the budget is in tokens); 0 means 1. The item receives
// between Min and Max rollouts. When both Min and Max are zero the
// AllocateConfig defaults apply (Knapsack RL's 2 and 128).
type Item struct {
	Value    Value
	Cost     float64
	Min, Max int
}

// Solver selects the algorithm Allocate uses.
type Solver int

const (
	// SolverAuto picks Greedy when every cost is equal and every value is
	// concave (always true for the built-in values), else DP when the
	// instance is small enough, else RatioGreedy.
	SolverAuto Solver = iota
	// SolverGreedy takes the rollout with the largest marginal gain until the
	// budget runs out, from Min upward, with a max-heap: O(M + R log M) for M
	// items and R rollouts. Exactly optimal when every value is concave and
	// every cost equal. Requires equal costs.
	SolverGreedy
	// SolverRatioGreedy takes the rollout with the largest gain per unit cost
	// that still fits. For concave values its objective is within the largest
	// single gain of the optimum (the fractional relaxation is solved exactly
	// by the same order; only the first rollout that did not fit is lost).
	SolverRatioGreedy
	// SolverDP solves the multiple-choice knapsack exactly by dynamic
	// programming over integer costs: O(Σᵢ Kᵢ·R) time, M·R bytes of choice
	// table. It refuses, with ErrTooLarge, instances above
	// AllocateConfig.DPWorkLimit. Values need not be concave.
	SolverDP
	// SolverLagrangian bisects on the multiplier λ of the budget constraint
	// (each item takes every rollout whose gain per cost exceeds λ), then
	// repairs the remainder greedily, as DUET does. Requires concave values.
	SolverLagrangian
)

func (s Solver) String() string {
	switch s {
	case SolverAuto:
		return "auto"
	case SolverGreedy:
		return "greedy"
	case SolverRatioGreedy:
		return "ratio-greedy"
	case SolverDP:
		return "dp"
	case SolverLagrangian:
		return "lagrangian"
	}
	return fmt.Sprintf("Solver(%d)", int(s))
}

// Leftover says what Allocate does with budget the solver did not spend.
type Leftover int

const (
	// LeftoverKeep leaves it unspent (reported in Allocation.Unspent).
	LeftoverKeep Leftover = iota
	// LeftoverSpread hands it out one rollout at a time, round-robin over
	// AllocateConfig.SpreadOver (all items when nil), ignoring Max — the
	// fallback Knapsack RL uses for surplus budget.
	LeftoverSpread
)

// String returns "keep" or "spread", and "Leftover(n)" for other values.
func (l Leftover) String() string {
	switch l {
	case LeftoverKeep:
		return "keep"
	case LeftoverSpread:
		return "spread"
	}
	return "Leftover(" + strconv.Itoa(int(l)) + ")"
}

// AllocateConfig configures Allocate. The zero value is ready to use.
type AllocateConfig struct {
	// Solver chooses the algorithm; zero is SolverAuto.
	Solver Solver
	// Min and Max are the bounds given to items whose Min and Max are both
	// zero. Zero means 2 and 128, Knapsack RL's defaults.
	Min, Max int
	// Exact requires Σ Cost·n to equal the budget: rollouts with zero gain
	// are taken too, and an unreachable total is ErrInfeasible. Without it,
	// rollouts whose gain is not positive are never taken.
	Exact bool
	// Leftover and SpreadOver handle unspent budget; see Leftover.
	Leftover   Leftover
	SpreadOver []int
	// Workers, when positive, makes Σ n divisible by Workers by removing the
	// rollouts with the smallest marginal gains (never below Min). It cannot
	// be combined with Exact unless the exact solution is already divisible.
	Workers int
	// DPWorkLimit bounds Σᵢ (Max−Min)·R for SolverDP (and for Auto's choice
	// of DP). Zero means 1e9, about a second of work.
	DPWorkLimit int64
	// WorkLimit bounds the number of rollouts any solver may place above the
	// minimums, min(rest/min Cost, Σᵢ (Maxᵢ − Minᵢ)), which bounds the heap
	// operations of the greedy solvers and the leftover spread. Larger
	// instances return ErrTooLarge. Zero means 1e8 (about ten seconds of
	// greedy work in the worst case).
	WorkLimit int64
}

// Allocation is the result of Allocate.
type Allocation struct {
	// Counts[i] is the number of rollouts given to items[i].
	Counts []int
	// Spent is Σ Cost·Counts; Unspent is budget − Spent.
	Spent, Unspent float64
	// Objective is the total marginal gain above the minimums,
	// Σᵢ Σ_{Minᵢ ≤ k < nᵢ} Gainᵢ(k), always finite: rollouts of infinite
	// gain (the first of a Neyman item with σ > 0, or a GainFunc returning
	// +Inf) are counted in Unbounded instead, and a sum beyond the float64
	// range saturates at MaxFloat64.
	Objective float64
	// Unbounded counts the rollouts taken whose marginal gain is infinite.
	Unbounded int
	// ShadowPrice is the smallest gain per unit cost among the rollouts
	// taken above Min: the marginal value of budget (λ). 0 if none.
	ShadowPrice float64
	// Solver is the algorithm that produced Counts.
	Solver Solver
}

// problem is the validated, normalised form of an Allocate call.
type problem struct {
	items    []Item
	cost     []float64
	lo, hi   []int
	rest     float64 // budget left after every item's minimum
	budget   float64
	tmp      stepState // scratch for sumCounts
	equal    bool      // all costs equal
	builtins bool      // every value is a built-in (concave) value
	opts     AllocateConfig
}

// Allocate divides budget among items to maximise Σᵢ Vᵢ(nᵢ) subject to
// Σᵢ Costᵢ·nᵢ ≤ budget and Minᵢ ≤ nᵢ ≤ Maxᵢ:
//
//	maximise Σᵢ Σ_{k<nᵢ} Gainᵢ(k)   s.t.   Σᵢ cᵢ nᵢ ≤ B,  lᵢ ≤ nᵢ ≤ uᵢ
//
// Ties are broken by item index, so the result does not depend on anything
// but the inputs. An empty item list gives an empty Allocation with the
// whole budget unspent. Allocate keeps no state and is safe for concurrent
// use (it calls the items' Values concurrently only if the caller does).
func Allocate(items []Item, budget float64, opts AllocateConfig) (Allocation, error) {
	p, err := prepare(items, budget, opts)
	if err != nil {
		return Allocation{}, err
	}
	if len(items) == 0 {
		return Allocation{Counts: []int{}, Unspent: budget, Solver: opts.Solver}, nil
	}
	solver := opts.Solver
	if solver == SolverAuto {
		solver, err = p.choose()
		if err != nil {
			return Allocation{}, err
		}
	}
	counts := make([]int, len(items))
	copy(counts, p.lo)
	switch solver {
	case SolverGreedy:
		if !p.equal {
			return Allocation{}, fmt.Errorf("%w: SolverGreedy needs equal costs (use SolverRatioGreedy or SolverDP)", ErrInvalid)
		}
		err = p.greedy(counts)
	case SolverRatioGreedy:
		err = p.greedy(counts)
	case SolverDP:
		err = p.dp(counts)
	case SolverLagrangian:
		err = p.lagrangian(counts)
	default:
		return Allocation{}, fmt.Errorf("%w: AllocateConfig.Solver = %v", ErrInvalid, solver)
	}
	if err != nil {
		return Allocation{}, err
	}
	if err := p.finish(counts); err != nil {
		return Allocation{}, err
	}
	return p.result(counts, solver)
}

func prepare(items []Item, budget float64, opts AllocateConfig) (*problem, error) {
	if !num.IsFinite(budget) || budget < 0 {
		return nil, fmt.Errorf("%w: budget = %v (must be finite and ≥ 0)", ErrInvalid, budget)
	}
	if opts.Min == 0 && opts.Max == 0 {
		opts.Min, opts.Max = 2, 128
	}
	if opts.Min < 0 || opts.Max < opts.Min {
		return nil, fmt.Errorf("%w: AllocateConfig Min = %d, Max = %d (need 0 ≤ Min ≤ Max)", ErrInvalid, opts.Min, opts.Max)
	}
	if opts.Workers < 0 {
		return nil, fmt.Errorf("%w: AllocateConfig.Workers = %d (must be ≥ 0)", ErrInvalid, opts.Workers)
	}
	if opts.DPWorkLimit < 0 {
		return nil, fmt.Errorf("%w: AllocateConfig.DPWorkLimit = %d (must be ≥ 0)", ErrInvalid, opts.DPWorkLimit)
	}
	if opts.DPWorkLimit == 0 {
		opts.DPWorkLimit = 1e9
	}
	if opts.WorkLimit < 0 {
		return nil, fmt.Errorf("%w: AllocateConfig.WorkLimit = %d (must be ≥ 0)", ErrInvalid, opts.WorkLimit)
	}
	if opts.WorkLimit == 0 {
		opts.WorkLimit = 1e8
	}
	if opts.Leftover != LeftoverKeep && opts.Leftover != LeftoverSpread {
		return nil, fmt.Errorf("%w: AllocateConfig.Leftover = %d", ErrInvalid, opts.Leftover)
	}
	for _, j := range opts.SpreadOver {
		if j < 0 || j >= len(items) {
			return nil, fmt.Errorf("%w: AllocateConfig.SpreadOver index %d out of range [0, %d)", ErrInvalid, j, len(items))
		}
	}
	m := len(items)
	p := &problem{items: items, cost: make([]float64, m), lo: make([]int, m), hi: make([]int, m),
		budget: budget, equal: true, builtins: true, opts: opts}
	var minSpend float64
	for i, it := range items {
		if err := checkValue(i, it.Value); err != nil {
			return nil, err
		}
		switch it.Value.(type) {
		case Knapsack, BetaKnapsack, MixedGroup, Neyman:
		default:
			p.builtins = false
		}
		c := it.Cost
		if !num.IsFinite(c) || c < 0 {
			return nil, fmt.Errorf("%w: items[%d].Cost = %v (must be finite and ≥ 0)", ErrInvalid, i, c)
		}
		if c == 0 {
			c = 1
		}
		lo, hi := it.Min, it.Max
		if lo == 0 && hi == 0 {
			lo, hi = opts.Min, opts.Max
		}
		if lo < 0 || hi < lo {
			return nil, fmt.Errorf("%w: items[%d] Min = %d, Max = %d (need 0 ≤ Min ≤ Max)", ErrInvalid, i, it.Min, it.Max)
		}
		p.cost[i], p.lo[i], p.hi[i] = c, lo, hi
		if c != p.cost[0] {
			p.equal = false
		}
		minSpend += c * float64(lo)
	}
	if minSpend > budget*(1+1e-12) {
		return nil, fmt.Errorf("%w: budget %v is below Σ Min·Cost = %v", ErrInfeasible, budget, minSpend)
	}
	p.rest = math.Max(0, budget-minSpend)
	// The work bound: rollouts above the minimums, in float64 so that
	// Max = MaxInt cannot overflow the sum.
	minCost, room := math.Inf(1), 0.0
	for i := range items {
		minCost = math.Min(minCost, p.cost[i])
		room += float64(p.hi[i]) - float64(p.lo[i])
	}
	work := math.Min(p.rest/minCost, room)
	if opts.Leftover == LeftoverSpread {
		// The spread may go beyond Max, and takes a rollout whose cost is
		// within 1e-9·budget of what is left.
		work = (p.rest + 1e-9*math.Max(1, budget)) / minCost
	}
	if work > float64(opts.WorkLimit) {
		return nil, fmt.Errorf("%w: up to %.3g rollouts above the minimums (limit AllocateConfig.WorkLimit = %d)", ErrTooLarge, work, opts.WorkLimit)
	}
	if opts.Exact {
		var maxSpend float64
		for i := range items {
			maxSpend += p.cost[i] * float64(p.hi[i])
		}
		if maxSpend < budget*(1-1e-12) {
			return nil, fmt.Errorf("%w: exact budget %v exceeds Σ Max·Cost = %v", ErrInfeasible, budget, maxSpend)
		}
	}
	// No solver can place more than rest/Cost rollouts on an item: clamp
	// each Max to that reach, so that the solvers' int32 counters hold.
	for i := range items {
		reach := p.lo[i] + int(math.Min(float64(p.hi[i])-float64(p.lo[i]), math.Floor(p.rest/p.cost[i])+1))
		if p.lo[i] > math.MaxInt32/2 || reach > math.MaxInt32/2 {
			return nil, fmt.Errorf("%w: items[%d] would reach %d rollouts (limit 2³⁰)", ErrTooLarge, i, reach)
		}
		p.hi[i] = reach
	}
	return p, nil
}

// choose implements SolverAuto.
func (p *problem) choose() (Solver, error) {
	concave := p.builtins
	if !concave {
		var err error
		if concave, err = p.concave(); err != nil {
			return 0, err
		}
	}
	if concave && p.equal {
		return SolverGreedy, nil
	}
	if p.dpWork() <= p.opts.DPWorkLimit && p.integral() {
		return SolverDP, nil
	}
	return SolverRatioGreedy, nil
}

// concave reports whether every item's gains are non-increasing on the part
// of its range the budget can reach (at most rest/Cost rollouts above Min).
// If checking would take more than 4·WorkLimit gain evaluations it reports
// false, and Auto then uses the ratio greedy, which needs no concavity.
func (p *problem) concave() (bool, error) {
	var evals float64
	for i := range p.items {
		evals += math.Min(float64(p.hi[i])-float64(p.lo[i]), p.rest/p.cost[i]+1)
	}
	if evals > 4*float64(p.opts.WorkLimit) {
		return false, nil
	}
	for i, it := range p.items {
		prev := math.Inf(1)
		top := p.lo[i] + int(math.Min(float64(p.hi[i])-float64(p.lo[i]), p.rest/p.cost[i]+1))
		for n := p.lo[i]; n < top; n++ {
			g, err := gainOf(i, it.Value, n)
			if err != nil {
				return false, err
			}
			if g > prev {
				return false, nil
			}
			prev = g
		}
	}
	return true, nil
}

// gainOf evaluates and checks one gain.
func gainOf(i int, v Value, n int) (float64, error) {
	g := v.Gain(n)
	if math.IsNaN(g) || g < 0 {
		return 0, fmt.Errorf("%w: items[%d].Value.Gain(%d) = %v (must be ≥ 0)", ErrInvalid, i, n, g)
	}
	return g, nil
}

// integral reports whether every cost and the remaining budget allow the DP.
func (p *problem) integral() bool {
	for _, c := range p.cost {
		if c != math.Trunc(c) || c > 1<<40 {
			return false
		}
	}
	return p.rest < 1<<40
}

func (p *problem) dpWork() int64 {
	r := p.rest + 1
	var w float64
	for i := range p.items {
		w += (float64(p.hi[i]) - float64(p.lo[i]) + 1) * r
	}
	if w > 1<<62 {
		return math.MaxInt64
	}
	return int64(w)
}

// finish applies the leftover policy and the worker divisibility.
func (p *problem) finish(counts []int) error {
	spent := p.spent(counts)
	if p.opts.Exact && math.Abs(spent-p.budget) > 1e-9*math.Max(1, p.budget) {
		return fmt.Errorf("%w: no allocation spends exactly %v (closest %v)", ErrInfeasible, p.budget, spent)
	}
	if p.opts.Leftover == LeftoverSpread && !p.opts.Exact {
		p.spread(counts, p.budget-spent)
	}
	if w := p.opts.Workers; w > 0 {
		total := 0
		for _, n := range counts {
			total += n
		}
		if r := total % w; r != 0 {
			if p.opts.Exact {
				return fmt.Errorf("%w: the exact allocation has %d rollouts, not divisible by %d workers", ErrInfeasible, total, w)
			}
			if err := p.trim(counts, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *problem) spent(counts []int) float64 {
	var s float64
	for i, n := range counts {
		s += p.cost[i] * float64(n)
	}
	return s
}

// spread hands out left budget round-robin over the spread set.
func (p *problem) spread(counts []int, left float64) {
	set := p.opts.SpreadOver
	all := set == nil
	size := len(set)
	if all {
		size = len(counts)
	}
	if size == 0 {
		return
	}
	placed := int64(0)
	for {
		progressed := false
		for k := 0; k < size; k++ {
			i := k
			if !all {
				i = set[k]
			}
			if p.cost[i] <= left+1e-9 && placed < p.opts.WorkLimit {
				counts[i]++
				left -= p.cost[i]
				placed++
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}

// trim removes r rollouts, each time the one with the smallest marginal
// gain (ties: highest index), never going below Min.
func (p *problem) trim(counts []int, r int) error {
	for ; r > 0; r-- {
		best, bestGain := -1, math.Inf(1)
		for i, n := range counts {
			if n <= p.lo[i] {
				continue
			}
			g := p.items[i].Value.Gain(n - 1)
			if n > p.hi[i] { // spread beyond Max: worth nothing
				g = -1
			}
			if g <= bestGain {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			return fmt.Errorf("%w: cannot make the rollout total divisible by %d workers without going below Min", ErrInfeasible, p.opts.Workers)
		}
		counts[best]--
	}
	return nil
}

func (p *problem) result(counts []int, solver Solver) (Allocation, error) {
	a := Allocation{Counts: counts, Solver: solver}
	a.Spent = p.spent(counts)
	a.Unspent = p.budget - a.Spent
	if a.Unspent < 0 && a.Unspent > -1e-9*math.Max(1, p.budget) {
		a.Unspent = 0
	}
	price := math.Inf(1)
	for i, it := range p.items {
		top := min(counts[i], p.hi[i])
		if top <= p.lo[i] {
			continue
		}
		if _, ok := it.Value.(stepper); ok { // built-in values: finite gains
			a.Objective += sumCounts(it.Value, p.lo[i], top, &p.tmp)
		} else {
			for k := p.lo[i]; k < top; k++ {
				if g := it.Value.Gain(k); math.IsInf(g, 1) {
					a.Unbounded++
				} else {
					a.Objective += g
				}
			}
		}
		if g := it.Value.Gain(top-1) / p.cost[i]; g < price {
			price = g
		}
	}
	if !math.IsInf(price, 1) {
		a.ShadowPrice = price
	}
	a.Objective = math.Min(a.Objective, math.MaxFloat64) // huge caller gains saturate
	return a, nil
}

// sumCounts returns Σ_{lo ≤ k < hi} v.Gain(k), incrementally when possible;
// st is scratch space for the recurrence.
func sumCounts(v Value, lo, hi int, st *stepState) float64 {
	if hi <= lo {
		return 0
	}
	if s, ok := v.(stepper); ok {
		var sum float64
		sum, *st = s.first(lo)
		for k := lo + 1; k < hi; k++ {
			sum += s.next(st)
		}
		return sum
	}
	var sum float64
	for k := lo; k < hi; k++ {
		sum += v.Gain(k)
	}
	return sum
}
