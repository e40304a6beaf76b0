package router

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/budgetkit/budgetkit/internal/num"
)

// timeNow is the wall clock, read only by Route when a window is set and
// the query carries no time.
var timeNow = time.Now

// Fallback says what a Pacer does when no model fits the budget.
type Fallback int

const (
	// FallbackReject rejects the request with ErrBudgetExhausted (default).
	// Spend then never exceeds the budget.
	FallbackReject Fallback = iota
	// FallbackCheapest serves the request with the cheapest model anyway
	// (a soft budget: spend may exceed it by the fallback calls' cost).
	FallbackCheapest
)

// PacerConfig configures a Pacer. Zero fields mean the defaults.
type PacerConfig struct {
	// Models to route among (N ≥ 1, any order).
	Models []Model
	// Budget is the total spend allowed over Horizon requests.
	Budget float64
	// Horizon is the expected number of requests the Budget must last.
	Horizon int64
	// Window, WindowBudget: spend charged to requests routed in any
	// rolling window of length Window must not exceed WindowBudget.
	// WindowRequests is the expected number of requests per window, used
	// as the pacing target when there is no horizon Budget.
	Window         time.Duration
	WindowBudget   float64
	WindowRequests int64
	// Eta is the dual step size η in units of the per-request budget
	// (default 0.05); see Pacer.
	Eta float64
	// Multiplicative selects the multiplicative-weights dual update.
	Multiplicative bool
	// InitialLambda is the starting μ (default 0; 1 when Multiplicative).
	InitialLambda float64
	// WarmStart, if > 0, fits μ after the first WarmStart requests from
	// their predictions by the batch dual (PORT's warm start).
	WarmStart int
	// Fallback chooses reject (default) or cheapest when nothing fits.
	Fallback Fallback
}

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
// the argmax over those W requests spends W·ρ₀ (PORT).
//
// Money is accounted in integers of u = max(Budget, WindowBudget)/2⁴⁰,
// each cost rounded up, so sums are exact and independent of the order in
// which concurrent requests settle. As long as each actual cost is at most
// its reservation (reserve an upper bound with Model.CostFunc if output
// lengths vary), spend never exceeds the budget, whatever the concurrency,
// in FallbackReject mode. A cost above the reservation is still recorded in
// full: no spend is ever lost.
//
// Time is a parameter (Query.At); Route reads the wall clock only when a
// window is configured and Query.At is zero. Earlier times than already
// seen are treated as the latest seen.
//
// Pacer is safe for concurrent use; predictors and cost functions are
// called outside its lock.
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
	Mu        float64 `json:"mu"`
	Spent     int64   `json:"spent"`
	Reserved  int64   `json:"reserved"`
	Done      int64   `json:"done"` // settled + rejected requests
	Routed    int64   `json:"routed"`
	Rejected  int64   `json:"rejected"`
	Fallbacks int64   `json:"fallbacks"`
	Over      int64   `json:"over"` // units settled above their reservation
	LastNow   int64   `json:"last_now"`
	Slots     []slot  `json:"slots"`
	Free      []int32 `json:"free"`
	// Window ring: entries in routing order.
	Ring      []ringEntry `json:"ring"`
	RingHead  int         `json:"ring_head"`
	RingLen   int         `json:"ring_len"`
	RingSeq   uint64      `json:"ring_seq"` // sequence number of Ring[RingHead]
	WindowSum int64       `json:"window_sum"`
	// Warm start buffer: WarmStart rows of (q̂, ĉ) per model.
	WarmQ    []float64 `json:"warm_q,omitempty"`
	WarmC    []float64 `json:"warm_c,omitempty"`
	WarmN    int       `json:"warm_n"`
	WarmDone bool      `json:"warm_done"`
}

type slot struct {
	Gen    uint32 `json:"gen"`
	Active bool   `json:"active"`
	Model  int32  `json:"model"`
	Amount int64  `json:"amount"`
	Seq    uint64 `json:"seq"` // window ring sequence number (0 = none)
}

type ringEntry struct {
	At     int64 `json:"at"`
	Amount int64 `json:"amount"`
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
		p.st.WarmQ = make([]float64, c.WarmStart*len(c.Models))
		p.st.WarmC = make([]float64, c.WarmStart*len(c.Models))
	}
	return p, nil
}

func (c PacerConfig) withDefaults() (PacerConfig, error) {
	if err := validateModels(c.Models); err != nil {
		return c, err
	}
	c.Models = slices.Clone(c.Models)
	hasH := c.Budget != 0 || c.Horizon != 0
	hasW := c.Window != 0 || c.WindowBudget != 0 || c.WindowRequests != 0
	if !hasH && !hasW {
		return c, fmt.Errorf("%w: PacerConfig has no Budget and no WindowBudget (budget must be > 0)", ErrInvalid)
	}
	if hasH {
		if !num.IsFinite(c.Budget) || c.Budget <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Budget = %v (must be finite and > 0)", ErrInvalid, c.Budget)
		}
		if c.Horizon <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Horizon = %d (must be > 0 with a Budget)", ErrInvalid, c.Horizon)
		}
	}
	if hasW {
		if c.Window <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.Window = %v (must be > 0 with a WindowBudget)", ErrInvalid, c.Window)
		}
		if !num.IsFinite(c.WindowBudget) || c.WindowBudget <= 0 {
			return c, fmt.Errorf("%w: PacerConfig.WindowBudget = %v (must be finite and > 0)", ErrInvalid, c.WindowBudget)
		}
		if c.WindowRequests < 0 || (!hasH && c.WindowRequests == 0) {
			return c, fmt.Errorf("%w: PacerConfig.WindowRequests = %d (must be > 0 without a horizon Budget)", ErrInvalid, c.WindowRequests)
		}
	}
	if c.Eta == 0 {
		c.Eta = 0.05
	}
	if !num.IsFinite(c.Eta) || c.Eta <= 0 {
		return c, fmt.Errorf("%w: PacerConfig.Eta = %v (must be finite and > 0)", ErrInvalid, c.Eta)
	}
	if c.Multiplicative && c.InitialLambda == 0 {
		c.InitialLambda = 1
	}
	if !num.IsFinite(c.InitialLambda) || c.InitialLambda < 0 {
		return c, fmt.Errorf("%w: PacerConfig.InitialLambda = %v (must be finite and ≥ 0)", ErrInvalid, c.InitialLambda)
	}
	if c.WarmStart < 0 || c.WarmStart > 1<<20 {
		return c, fmt.Errorf("%w: PacerConfig.WarmStart = %d (must be in [0, 2²⁰])", ErrInvalid, c.WarmStart)
	}
	if c.Fallback != FallbackReject && c.Fallback != FallbackCheapest {
		return c, fmt.Errorf("%w: PacerConfig.Fallback = %d (unknown)", ErrInvalid, c.Fallback)
	}
	return c, nil
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
// and calls Decide at q.At (time.Now() if zero and a window is set).
func (p *Pacer) Route(ctx context.Context, q Query) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
	if err := ctxErr(ctx); err != nil {
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
	at := q.At
	if at.IsZero() && p.window > 0 {
		at = timeNow()
	}
	if err := ctxErr(ctx); err != nil {
		return bad, err
	}
	return p.Decide(at, qh, costs)
}

// Decide routes one request with caller-supplied predictions: quality[m]
// and cost[m] for each model (finite; costs ≥ 0), at time now (ignored
// without a window). It reserves the chosen model's predicted cost. When
// nothing fits it returns a rejected Choice and an error wrapping
// ErrBudgetExhausted, or the cheapest model under FallbackCheapest. Decide
// does not allocate.
func (p *Pacer) Decide(now time.Time, quality, cost []float64) (Choice, error) {
	bad := Choice{Index: -1, Domain: -1}
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
		t = now.UnixNano()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	if p.window > 0 {
		t = max(t, st.LastNow)
		st.LastNow = t
		p.evict(t)
	}
	if p.cfg.WarmStart > 0 && !st.WarmDone {
		copy(st.WarmQ[st.WarmN*n:], quality)
		copy(st.WarmC[st.WarmN*n:], cost)
		st.WarmN++
		if st.WarmN == p.cfg.WarmStart {
			p.warmStart()
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
	id := p.reserve(best, bestUnits, t)
	st.Routed++
	mdl := &p.cfg.Models[best]
	return Choice{Model: mdl.Name, Index: best, Tier: mdl.Tier, Quality: quality[best], Cost: cost[best],
		Domain: -1, Reason: reason, Reservation: id}, nil
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
		if cu > limit-st.WindowSum {
			return false
		}
	}
	return true
}

func (p *Pacer) reserve(m int, amount int64, t int64) uint64 {
	st := &p.st
	var i int32
	if k := len(st.Free); k > 0 {
		i = st.Free[k-1]
		st.Free = st.Free[:k-1]
	} else {
		st.Slots = append(st.Slots, slot{})
		i = int32(len(st.Slots) - 1)
	}
	s := &st.Slots[i]
	s.Active, s.Model, s.Amount, s.Seq = true, int32(m), amount, 0
	st.Reserved += amount
	if p.window > 0 {
		s.Seq = p.push(t, amount)
		st.WindowSum += amount
	}
	return uint64(s.Gen)<<32 | uint64(i+1)
}

// push appends a window entry and returns its sequence number (≥ 1).
func (p *Pacer) push(t, amount int64) uint64 {
	st := &p.st
	if st.RingLen == len(st.Ring) {
		grown := make([]ringEntry, max(16, 2*len(st.Ring)))
		for k := 0; k < st.RingLen; k++ {
			grown[k] = st.Ring[(st.RingHead+k)%len(st.Ring)]
		}
		st.Ring, st.RingHead = grown, 0
	}
	if st.RingLen == 0 && st.RingSeq == 0 {
		st.RingSeq = 1
	}
	st.Ring[(st.RingHead+st.RingLen)%len(st.Ring)] = ringEntry{At: t, Amount: amount}
	st.RingLen++
	return st.RingSeq + uint64(st.RingLen) - 1
}

// evict drops window entries routed at or before t − Window.
func (p *Pacer) evict(t int64) {
	st := &p.st
	for st.RingLen > 0 {
		e := &st.Ring[st.RingHead]
		if e.At > t-p.window {
			break
		}
		st.WindowSum -= e.Amount
		st.RingHead = (st.RingHead + 1) % len(st.Ring)
		st.RingLen--
		st.RingSeq++
	}
}

// Observe settles the reservation of a Choice returned by Route or Decide
// with the actual cost o.Cost and updates the dual price. It returns an
// error wrapping ErrUnknownReservation for a choice without a live
// reservation (never issued, already settled), so no spend is recorded
// twice; a rejected choice (no reservation) is a no-op.
func (p *Pacer) Observe(ctx context.Context, q Query, c Choice, o Outcome) error {
	if c.Rejected && c.Reservation == 0 {
		return nil
	}
	return p.Settle(c.Reservation, o.Cost)
}

// Settle is Observe's core: it settles reservation id at actual cost.
// Settle does not allocate.
func (p *Pacer) Settle(id uint64, actual float64) error {
	if !num.IsFinite(actual) || actual < 0 {
		return fmt.Errorf("%w: actual cost = %v (must be finite and ≥ 0)", ErrInvalid, actual)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	i := int64(id&0xffffffff) - 1
	if i < 0 || i >= int64(len(st.Slots)) || !st.Slots[i].Active || st.Slots[i].Gen != uint32(id>>32) {
		return fmt.Errorf("%w: %#x", ErrUnknownReservation, id)
	}
	s := &st.Slots[i]
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
	if s.Seq != 0 && s.Seq >= st.RingSeq && s.Seq < st.RingSeq+uint64(st.RingLen) {
		e := &st.Ring[(st.RingHead+int(s.Seq-st.RingSeq))%len(st.Ring)]
		st.WindowSum += au - e.Amount
		e.Amount = au
	}
	s.Active = false
	s.Gen++
	st.Free = append(st.Free, int32(i))
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
		left := max(0, p.cfg.WindowBudget-float64(st.WindowSum)*p.unit)
		rho = min(rho, left/float64(max(1, p.cfg.WindowRequests-int64(st.RingLen))))
	}
	return rho
}

// warmStart sets μ from the buffered predictions (PORT): the dual price at
// which the per-request argmax spends WarmN·ρ₀.
func (p *Pacer) warmStart() {
	st := &p.st
	n := len(p.cfg.Models)
	target := float64(st.WarmN) * p.rho0
	spend := func(lambda float64) float64 {
		var s float64
		for r := 0; r < st.WarmN; r++ {
			q, c := st.WarmQ[r*n:(r+1)*n], st.WarmC[r*n:(r+1)*n]
			best := 0
			bu := q[0] - lambda*c[0]
			for m := 1; m < n; m++ {
				if u := q[m] - lambda*c[m]; u > bu || (u == bu && c[m] < c[best]) {
					best, bu = m, u
				}
			}
			s += c[best]
		}
		return s
	}
	st.WarmDone = true
	if spend(0) <= target {
		st.Mu = 0
		if p.cfg.Multiplicative {
			st.Mu = 1e-9
		}
		return
	}
	hi := 1 / p.rho0
	for k := 0; k < 200 && spend(hi) > target; k++ {
		hi *= 2
	}
	lo := 0.0
	for k := 0; k < 100 && hi-lo > 1e-12*hi; k++ {
		mid := lo + (hi-lo)/2
		if spend(mid) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	st.Mu = hi * p.rho0
	st.WarmQ, st.WarmC = nil, nil
}

// PacerStats is a snapshot of a pacer's accounting.
type PacerStats struct {
	// Lambda is the current dual price λ in quality per dollar.
	Lambda float64
	// Spent is the settled spend and Reserved the outstanding reservations.
	Spent, Reserved float64
	// WindowSpent is the spend and reservations charged to the current
	// window (0 without a window).
	WindowSpent float64
	// Routed, Rejected and Fallbacks count requests; Outstanding counts
	// reservations not yet settled.
	Routed, Rejected, Fallbacks, Outstanding int64
	// Overrun is the total by which settled costs exceeded their
	// reservations.
	Overrun float64
}

// Stats returns the pacer's accounting at time now (used for the window).
func (p *Pacer) Stats(now time.Time) PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	if p.window > 0 {
		t := max(now.UnixNano(), st.LastNow)
		st.LastNow = t
		p.evict(t)
	}
	var out int64
	for _, s := range st.Slots {
		if s.Active {
			out++
		}
	}
	return PacerStats{
		Lambda: st.Mu / p.rho0, Spent: float64(st.Spent) * p.unit, Reserved: float64(st.Reserved) * p.unit,
		WindowSpent: float64(st.WindowSum) * p.unit,
		Routed:      st.Routed, Rejected: st.Rejected, Fallbacks: st.Fallbacks, Outstanding: out,
		Overrun: float64(st.Over) * p.unit,
	}
}

var (
	_ Router  = (*Pacer)(nil)
	_ Learner = (*Pacer)(nil)
)
