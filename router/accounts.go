package router

import (
	"math"
	"time"
)

// forecastPriorWeight is the weight of the configured traffic expectation in
// a period's forecast, as a fraction of the period: the expectation counts
// as if it had been observed over the first tenth of the period.
const forecastPriorWeight = 0.1

// paceAccount is one budget of a Pacer's tree (index 0 is the root), with
// what the pacer derived from its configuration.
type paceAccount struct {
	name     string
	parent   int32   // −1 for the root
	chain    []int32 // local indices, root first, ending with this account
	path     []string
	budget   float64 // money per period (0: none, for a window-only root)
	limit    int64   // units per period
	period   Period
	requests int     // expected requests per period (prior)
	rho0     float64 // per-request budget ρ₀ (0: not paced)
	tenant   Tenant  // as configured (the root's is zero)
}

// accountState is a Pacer's local view of one account in its current
// period: the dual variable, the traffic seen, and this pacer's own spend
// and holds. The ledger is the authority for admission; this view drives
// pacing.
type accountState struct {
	Mu       float64 `json:"mu"`
	Start    int64   `json:"start"` // current period, Unix ns (0, 0: Lifetime)
	End      int64   `json:"end"`
	Arrivals int     `json:"arrivals"` // requests routed or rejected in the period
	Spent    int64   `json:"spent"`
	Held     int64   `json:"held"`
}

// roll moves the state to the period containing t (a later one only); the
// dual variable carries over.
func (a *paceAccount) roll(st *accountState, t int64) {
	if a.period.Kind == Lifetime || (st.End != 0 && t < st.End) || (st.End != 0 && t < st.Start) {
		return
	}
	s, e, err := a.period.Bounds(time.Unix(0, t))
	if err != nil {
		return // validated at creation
	}
	if s.UnixNano() != st.Start || st.End == 0 {
		st.Arrivals, st.Spent, st.Held = 0, 0, 0
	}
	st.Start, st.End = s.UnixNano(), e.UnixNano()
}

// inPeriod reports whether a reservation made at t belongs to the state's
// current period.
func (a *paceAccount) inPeriod(st *accountState, t int64) bool {
	return a.period.Kind == Lifetime || (t >= st.Start && t < st.End)
}

// remaining returns the local view of the money left in the period.
func (a *paceAccount) remaining(st *accountState, unit float64) float64 {
	r := a.limit - st.Spent
	if st.Spent >= a.limit || st.Held >= r {
		return 0
	}
	return float64(r-st.Held) * unit
}

// forecast returns the expected number of requests still to come in the
// period at time t, arrivals being the requests seen so far. For a
// Lifetime budget it is requests − arrivals. For a period [s, e) it is the
// posterior mean arrival rate of a Gamma–Poisson model times the time left,
//
//	r̂ = (w·R + n) / (w·L + (t − s)),   forecast = r̂·(e − t),
//
// R the expected requests per period, L = e − s, n the arrivals and
// w = 0.1: the expectation weighs as a tenth of a period of observation, so
// traffic above (or below) it moves the forecast within the period. It is
// at least 1.
func (a *paceAccount) forecast(st *accountState, t int64, arrivals int) float64 {
	if a.period.Kind == Lifetime {
		return math.Max(1, float64(a.requests-arrivals))
	}
	l := float64(st.End - st.Start)
	elapsed := math.Max(0, float64(t-st.Start))
	left := math.Max(0, float64(st.End-t))
	rate := (forecastPriorWeight*float64(a.requests) + float64(arrivals)) / (forecastPriorWeight*l + elapsed)
	return math.Max(1, rate*left)
}
