package router

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Pacer is an online budget pacer by dual descent on the budget constraint
// (Balseiro, Lu & Mirrokni, "The Best of Many Worlds: Dual Mirror Descent
// for Online Allocation Problems", Operations Research 2023; PORT, the
// training-free online LLM router of fzwark/PORT).
// Each request goes to
//
//	m* = argmax_{m : ĉ_m fits} q̂_m − λ·ĉ_m,   λ = μ/ρ₀,
//
// among the models whose predicted cost fits the budget left after settled
// spend and outstanding reservations (ρ₀ = Budget/Horizon, or
// WindowBudget/WindowRequests without a horizon). Route reserves ĉ_{m*};
// Observe settles the actual cost c and updates the dual price
//
//	additive:        μ ← max(0, μ + η·(c − ρₜ)/ρ₀)
//	multiplicative:  μ ← max(μ_min, μ·exp(η·(c − ρₜ)/ρ₀))
//
// with ρₜ = remaining budget / remaining expected requests (the smaller of
// the horizon's and the window's). In the units this is
// λ ← max(0, λ + η′(c − ρₜ)) with η′ = η/ρ₀²: scaling by ρ₀ makes one
// default step size work for any currency and traffic. With WarmStart = W,
// after W requests μ is reset to ρ₀·λ̂ where λ̂ is the dual price at which
// the argmax over those W requests spends W·ρ₀ (PORT), computed exactly by
// AssignBatch's solver.
//
// Money is accounted in integers of u = max(Budget, WindowBudget)/2⁴⁰,
// each cost rounded up, so sums are exact and independent of the order in
// which concurrent requests settle. As long as each actual cost is at most
// its reservation (reserve an upper bound with Model.CostFunc if output
// lengths vary), spend never exceeds the budget, whatever the concurrency,
// in FallbackReject mode. A cost above the reservation is still recorded in
// full: no spend is ever lost.
//
// Time is a parameter (Query.At, Settle's now); a zero Query.At is shorthand
// for time.Now(). Earlier times than already seen are treated as the latest
// seen.
//
// Pacer is safe for concurrent use; predictors and cost functions are
// called outside its lock. Decide, Settle and Observe do not allocate. The
// zero Pacer is not usable: its methods return an error wrapping
// ErrInvalid (create it with NewPacer).
type Pacer struct {
	cfg       PacerConfig
	predictor SuccessPredictor
	unit      float64 // dollars per accounting unit
	rho0      float64
	window    int64 // nanoseconds

	mu sync.Mutex
	st pacerState
}

type pacerState struct {
	Mu        float64      `json:"mu"`
	Spent     int64        `json:"spent"`
	Reserved  int64        `json:"reserved"`
	Done      int          `json:"done"` // settled + rejected requests
	Routed    int          `json:"routed"`
	Rejected  int          `json:"rejected"`
	Fallbacks int          `json:"fallbacks"`
	Over      int64        `json:"over"` // units settled above their reservation
	LastNow   int64        `json:"last_now"`
	Res       reservations `json:"reservations"`
	Window    window       `json:"window"`
	Warm      warmBuffer   `json:"warm"`
}

const maxUnits = int64(1) << 62

// NewPacer returns a pacer. predictor supplies q̂ per model for Route; it may
// be nil if only Decide is used.
func NewPacer(cfg PacerConfig, predictor SuccessPredictor) (*Pacer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pacer{cfg: c, predictor: predictor}
	p.unit = max(c.Budget, c.WindowBudget) / (1 << 40)
	if c.Budget > 0 {
		p.rho0 = c.Budget / float64(c.Horizon)
	} else {
		p.rho0 = c.WindowBudget / float64(c.WindowRequests)
	}
	p.window = int64(c.Window)
	p.st.Mu = c.InitialLambda
	if c.WarmStart > 0 {
		p.st.Warm.Q = make([]float64, c.WarmStart*len(c.Models))
		p.st.Warm.C = make([]float64, c.WarmStart*len(c.Models))
	}
	return p, nil
}

func (p *Pacer) created() error {
	if p.rho0 == 0 {
		return errNotCreated("Pacer", "NewPacer")
	}
	return nil
}

// toUnits converts dollars to accounting units, rounding up.
func (p *Pacer) toUnits(c float64) int64 {
	u := math.Ceil(c / p.unit)
	if u >= float64(maxUnits) {
		return maxUnits
	}
	return int64(u)
}

// Route predicts q̂ with the pacer's predictor, estimates ĉ with Model.Cost
// and calls Decide.
func (p *Pacer) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	if err := p.created(); err != nil {
		return bad, err
	}
	if p.predictor == nil {
		return bad, fmt.Errorf("%w: pacer has no predictor (use Decide)", ErrInvalid)
	}
	qh, err := p.predictor.PredictSuccess(ctx, q)
	if err != nil {
		return bad, fmt.Errorf("router: success predictor: %w", err)
	}
	var buf [16]float64
	var costs []float64
	if n := len(p.cfg.Models); n <= len(buf) {
		costs = buf[:n]
	} else {
		costs = make([]float64, n)
	}
	for m := range costs {
		if costs[m], err = modelCost(p.cfg.Models, m, q); err != nil {
			return bad, err
		}
	}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	return p.Decide(ctx, q, qh, costs)
}

// Decide routes request q with caller-supplied predictions: quality[m] and
// cost[m] for each model (finite; costs ≥ 0), at time q.At (time.Now() if
// zero). It reserves the chosen model's predicted cost. When nothing fits
// it returns a rejected Choice and an error wrapping ErrBudgetExhausted, or
// the cheapest model under FallbackCheapest. Decide does not allocate.
func (p *Pacer) Decide(ctx context.Context, q Query, quality, cost []float64) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := p.created(); err != nil {
		return bad, err
	}
	n := len(p.cfg.Models)
	if err := checkPredictions("quality", quality, n); err != nil {
		return bad, err
	}
	if len(cost) != n {
		return bad, fmt.Errorf("%w: %d costs for %d models", ErrInvalid, len(cost), n)
	}
	for m, c := range cost {
		if !num.IsFinite(c) || c < 0 {
			return bad, fmt.Errorf("%w: cost[%d] = %v (must be finite and ≥ 0)", ErrInvalid, m, c)
		}
	}
	var t int64
	if p.window > 0 {
		t = at(q.At).UnixNano()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	if p.window > 0 {
		t = max(t, st.LastNow)
		st.LastNow = t
		st.Window.evict(t, p.window)
	}
	if p.cfg.WarmStart > 0 && !st.Warm.Done && st.Warm.add(quality, cost, p.cfg.WarmStart) {
		st.Mu = p.rho0 * st.Warm.lambda(n, p.rho0)
		if p.cfg.Multiplicative {
			st.Mu = max(st.Mu, 1e-9)
		}
	}
	lambda := st.Mu / p.rho0
	best, cheap := -1, 0
	var bestU float64
	var bestUnits int64
	for m := 0; m < n; m++ {
		if cost[m] < cost[cheap] {
			cheap = m
		}
		cu := p.toUnits(cost[m])
		if !p.fits(cu) {
			continue
		}
		u := quality[m] - lambda*cost[m]
		if best < 0 || u > bestU || (u == bestU && cost[m] < cost[best]) {
			best, bestU, bestUnits = m, u, cu
		}
	}
	reason := ""
	if best < 0 {
		if p.cfg.Fallback == FallbackReject {
			st.Rejected++
			st.Done++
			bad.Rejected = true
			bad.Reason = "budget exhausted: no model's predicted cost fits the remaining budget"
			return bad, fmt.Errorf("%w: no model's predicted cost fits the remaining budget", ErrBudgetExhausted)
		}
		best, bestUnits = cheap, p.toUnits(cost[cheap])
		st.Fallbacks++
		reason = "budget exhausted: cheapest-model fallback"
	}
	r := reservation{Model: int32(best), Amount: bestUnits}
	st.Reserved += bestUnits
	if p.window > 0 {
		r.Seq = st.Window.push(t, bestUnits)
	}
	id := st.Res.add(r)
	st.Routed++
	mdl := &p.cfg.Models[best]
	return Choice{Model: mdl.Name, Index: best, Tier: mdl.Tier, Quality: quality[best], Cost: cost[best],
		Domain: -1, Reason: reason, Reservation: id}, nil
}

// at returns t, or the wall clock for a zero t.
func at(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// fits reports whether cu more units fit the horizon and window budgets.
func (p *Pacer) fits(cu int64) bool {
	st := &p.st
	if p.cfg.Budget > 0 {
		limit := int64(math.Floor(p.cfg.Budget / p.unit))
		if cu > limit-st.Spent-st.Reserved {
			return false
		}
	}
	if p.window > 0 {
		limit := int64(math.Floor(p.cfg.WindowBudget / p.unit))
		if cu > limit-st.Window.Sum {
			return false
		}
	}
	return true
}

// Observe settles the reservation of a Choice returned by Route or Decide
// with the actual cost o.Cost at time q.At (time.Now() if zero); see
// Settle. A rejected choice (no reservation) is a no-op.
func (p *Pacer) Observe(ctx context.Context, q Query, c Choice, o Outcome) error {
	if c.Rejected && c.Reservation == 0 {
		return nil
	}
	return p.Settle(ctx, q.At, c.Reservation, o.Cost)
}

// Settle settles reservation id at the actual cost and updates the dual
// price. It returns an error wrapping ErrUnknownReservation for an id
// without a live reservation (never issued, already settled), so no spend
// is recorded twice. Settle does not allocate.
func (p *Pacer) Settle(ctx context.Context, now time.Time, id uint64, actual float64) error {
	if err := p.created(); err != nil {
		return err
	}
	if !num.IsFinite(actual) || actual < 0 {
		return fmt.Errorf("%w: actual cost = %v (must be finite and ≥ 0)", ErrInvalid, actual)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	i := st.Res.get(id)
	if i < 0 {
		return fmt.Errorf("%w: %#x", ErrUnknownReservation, id)
	}
	s := &st.Res.Slots[i]
	au := p.toUnits(actual)
	// ρₜ before this settlement.
	rho := p.rhoLocked()
	st.Reserved -= s.Amount
	if au > s.Amount {
		st.Over += au - s.Amount
	}
	if au > maxUnits-st.Spent {
		st.Spent = maxUnits
	} else {
		st.Spent += au
	}
	st.Window.set(s.Seq, au)
	st.Res.remove(i)
	st.Done++
	g := p.cfg.Eta * (actual - rho) / p.rho0
	if p.cfg.Multiplicative {
		st.Mu = max(1e-9, st.Mu*math.Exp(num.Clamp(g, -50, 50)))
	} else {
		st.Mu = max(0, st.Mu+g)
	}
	if !num.IsFinite(st.Mu) {
		st.Mu = math.MaxFloat64 / 4
	}
	return nil
}

// rhoLocked is ρₜ = remaining budget / remaining expected requests.
func (p *Pacer) rhoLocked() float64 {
	st := &p.st
	rho := math.Inf(1)
	if p.cfg.Budget > 0 {
		left := max(0, p.cfg.Budget-float64(st.Spent)*p.unit)
		rho = left / float64(max(1, p.cfg.Horizon-st.Done))
	}
	if p.window > 0 && p.cfg.WindowRequests > 0 {
		left := max(0, p.cfg.WindowBudget-float64(st.Window.Sum)*p.unit)
		rho = min(rho, left/float64(max(1, p.cfg.WindowRequests-st.Window.Len)))
	}
	return rho
}

var (
	_ Router  = (*Pacer)(nil)
	_ Learner = (*Pacer)(nil)
)
