// Command gateway simulates one day of traffic through an LLM gateway with
// three models and compares routing policies under a daily budget of 30% of
// what always calling the strong model actually spends that day:
// always-weak, always-strong, a calibrated threshold router (RouteLLM), a
// fitted cascade (FrugalGPT) and the online budget pacer with its ledger.
//
// Every call takes a simulated latency (time to first token plus decoding),
// so requests are in flight while new ones arrive: a call's cost is settled
// when its answer comes back, and the pacer decides with its reservations
// outstanding. The threshold router and the pacer decide from the prompt
// alone, before any call; the cascade reads each answer's confidence after
// the call and then decides whether to escalate.
//
// It prints quality, spend, strong-model share, cost per correct answer and
// peak requests in flight, and writes out/gateway_spend.png: settled spend
// over the day against the budget.
//
//	go run ./examples/gateway [-n 60000] [-seed 1] [-budget 0.3] [-out out]
package main

import (
	"container/heap"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

func main() {
	n := flag.Int("n", 60000, "requests in the simulated day")
	seed := flag.Uint64("seed", 1, "random seed")
	share := flag.Float64("budget", 0.3, "daily budget as a share of what always-strong actually spends")
	out := flag.String("out", "out", "directory for gateway_spend.png")
	flag.Parse()
	if _, err := run(os.Stdout, *n, *seed, *share, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// event is money spent when an answer comes back.
type event struct {
	at   time.Time
	cost float64
}

// result accumulates a policy's day.
type result struct {
	name, sees         string
	correct, big       int
	rejected           int
	spent              float64
	events             []event   // one per call, at its completion
	costs, scores      []float64 // per request, for cost-of-pass
	calls              int
	start, end         []time.Time // per call: when it was sent and answered
	peakInFlight       int
	reservedAtDayEnd   float64
	inFlightAtDayEnd   int
	overrun            float64
	settledInPeriodEnd float64
}

func (res *result) call(sent time.Time, rq request, m int) time.Time {
	done := sent.Add(rq.latency[m])
	c := actualCost(rq, m)
	res.events = append(res.events, event{done, c})
	res.start = append(res.start, sent)
	res.end = append(res.end, done)
	res.spent += c
	res.calls++
	return done
}

func (res *result) finish(rq request, m int, cost float64) {
	if m == strong {
		res.big++
	}
	s := 0.0
	if rq.correct[m] {
		res.correct++
		s = 1
	}
	res.costs = append(res.costs, cost)
	res.scores = append(res.scores, s)
}

// peak returns the largest number of calls in flight at once.
func peak(start, end []time.Time) int {
	s, e := slices.Clone(start), slices.Clone(end)
	slices.SortFunc(s, time.Time.Compare)
	slices.SortFunc(e, time.Time.Compare)
	best, cur, j := 0, 0, 0
	for _, t := range s {
		for j < len(e) && !e[j].After(t) {
			cur--
			j++
		}
		cur++
		best = max(best, cur)
	}
	return best
}

// winScorer, confScorer and predictor hand the routers the current
// request's signals.
type winScorer struct{ cur *request }

func (w winScorer) WinRate(context.Context, router.Query) (float64, error) { return w.cur.winRate, nil }

type confScorer struct{ cur *request }

func (c confScorer) Confidence(_ context.Context, _ router.Query, model, _ string) (float64, error) {
	for m := range models {
		if models[m].Name == model {
			return c.cur.conf[m], nil
		}
	}
	return 0, errors.New("unknown model")
}

type predictor struct{ cur *request }

func (p predictor) PredictSuccess(context.Context, router.Query) ([]float64, error) {
	return p.cur.pHat[:], nil
}

// orderNames names the cascade's models in order.
func orderNames(order []int) string {
	var s string
	for i, m := range order {
		if i > 0 {
			s += " → "
		}
		s += models[m].Name
	}
	return s
}

// report is what run returns, for the tests.
type report struct {
	budget, strongSpend float64
	results             []*result
}

func run(w io.Writer, n int, seed uint64, share float64, out string) (report, error) {
	if n < 1000 || !(share > 0 && share <= 1) {
		return report{}, fmt.Errorf("-n = %d (need ≥ 1000) or -budget = %v (need (0, 1])", n, share)
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x9a7e))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	calib := draw(r, 3000, day.Add(-24*time.Hour)) // yesterday's labelled sample
	traffic := draw(r, n, day)

	var rep report
	// Always-weak and always-strong; the budget is a share of what
	// always-strong actually spends today.
	for _, m := range []int{weak, strong} {
		res := &result{name: "always-" + models[m].Name, sees: "— (fixed)"}
		for _, rq := range traffic {
			res.call(rq.at, rq, m)
			res.finish(rq, m, actualCost(rq, m))
		}
		rep.results = append(rep.results, res)
	}
	rep.strongSpend = rep.results[1].spent
	rep.budget = share * rep.strongSpend
	perQuery := rep.budget / float64(n)

	// Yesterday's actual mean costs, for the offline calibrations.
	var strongMean, weakMean float64
	for _, rq := range calib {
		strongMean += actualCost(rq, strong) / float64(len(calib))
		weakMean += actualCost(rq, weak) / float64(len(calib))
	}

	// Threshold router (RouteLLM), weak vs strong: τ calibrated on
	// yesterday so that weak + p·(strong − weak) spends the budget.
	p := (perQuery - weakMean) / (strongMean - weakMean)
	scores := make([]float64, len(calib))
	for i, rq := range calib {
		scores[i] = rq.winRate
	}
	tau, err := router.CalibrateTau(scores, p)
	if err != nil {
		return rep, err
	}
	cur := &request{}
	th, err := router.NewThreshold([]router.Model{models[weak], models[strong]}, []float64{tau}, winScorer{cur})
	if err != nil {
		return rep, err
	}
	res := &result{name: fmt.Sprintf("threshold (τ = %.3f)", tau), sees: "no: a win-rate score"}
	for _, rq := range traffic {
		*cur = rq
		ch, err := th.Route(ctx, router.Query{InputTokens: rq.tokens, At: rq.at})
		if err != nil {
			return rep, err
		}
		m := weak
		if ch.Index == 1 {
			m = strong
		}
		res.call(rq.at, rq, m)
		res.finish(rq, m, actualCost(rq, m))
	}
	rep.results = append(rep.results, res)

	// Cascade (FrugalGPT), fitted on yesterday: each stage's answer comes
	// back after its latency, and only then is the next stage called.
	records := make([]router.CascadeRecord, len(calib))
	for i, rq := range calib {
		rec := router.CascadeRecord{Confidence: rq.conf[:], Quality: make([]float64, 3), Cost: make([]float64, 3)}
		for m := range models {
			if rq.correct[m] {
				rec.Quality[m] = 1
			}
			rec.Cost[m] = actualCost(rq, m)
		}
		records[i] = rec
	}
	fit, err := router.FitCascade(records, perQuery)
	if err != nil {
		return rep, err
	}
	cas, err := fit.Cascade(models, confScorer{cur})
	if err != nil {
		return rep, err
	}
	res = &result{name: "cascade", sees: "yes: each answer's confidence"}
	for _, rq := range traffic {
		*cur = rq
		q := router.Query{InputTokens: rq.tokens, At: rq.at}
		ch, err := cas.Route(ctx, q)
		if err != nil {
			return rep, err
		}
		sent := rq.at
		for {
			m := fit.Order[ch.Stage]
			sent = res.call(sent, rq, m)
			next, done, err := cas.Escalate(ctx, q, ch, router.Answer{Cost: actualCost(rq, m)})
			if err != nil {
				return rep, err
			}
			if done {
				res.finish(rq, m, next.Spent)
				break
			}
			ch = next
		}
	}
	rep.results = append(rep.results, res)

	res, err = runPacer(ctx, traffic, rep.budget, day, cur)
	if err != nil {
		return rep, err
	}
	rep.results = append(rep.results, res)
	for _, res := range rep.results {
		res.peakInFlight = peak(res.start, res.end)
	}
	if err := printReport(w, rep, n, share, fit); err != nil {
		return rep, err
	}
	path, err := plotSpend(rep, out)
	if err != nil {
		return rep, err
	}
	fmt.Fprintln(w, "wrote", path)
	return rep, nil
}

// completion is a pacer call in flight.
type completion struct {
	at     time.Time
	choice router.Choice
	cost   float64
}

type inFlight []completion

func (h inFlight) Len() int           { return len(h) }
func (h inFlight) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h inFlight) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *inFlight) Push(x any)        { *h = append(*h, x.(completion)) }
func (h *inFlight) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// runPacer routes the day through the pacer with a daily budget in its
// ledger. Each call is settled with its actual cost when its answer comes
// back, so the pacer routes with reservations outstanding.
func runPacer(ctx context.Context, traffic []request, budget float64, day time.Time, cur *request) (*result, error) {
	pc, err := router.NewPacer(router.PacerConfig{
		Models:    models,
		Budget:    budget,
		Horizon:   len(traffic),
		Period:    router.Period{Kind: router.Daily, Location: time.UTC},
		WarmStart: 500,
	}, predictor{cur})
	if err != nil {
		return nil, err
	}
	res := &result{name: "pacer (daily ledger)", sees: "no: predicted quality"}
	var pending inFlight
	settle := func(until time.Time) error {
		for len(pending) > 0 && !pending[0].at.After(until) {
			c := heap.Pop(&pending).(completion)
			if err := pc.Observe(ctx, router.Query{At: c.at}, c.choice, router.Outcome{Cost: c.cost}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, rq := range traffic {
		if err := settle(rq.at); err != nil {
			return nil, err
		}
		*cur = rq
		q := router.Query{InputTokens: rq.tokens, At: rq.at}
		ch, err := pc.Route(ctx, q)
		if errors.Is(err, router.ErrBudgetExhausted) || err == nil && ch.Rejected {
			res.rejected++
			res.costs = append(res.costs, 0)
			res.scores = append(res.scores, 0)
			continue
		}
		if err != nil {
			return nil, err
		}
		done := res.call(rq.at, rq, ch.Index)
		res.finish(rq, ch.Index, actualCost(rq, ch.Index))
		heap.Push(&pending, completion{done, ch, actualCost(rq, ch.Index)})
	}
	// At midnight some calls are still in flight: their reservations are
	// outstanding; they settle afterwards, into the day they were made in.
	last := day.Add(24*time.Hour - time.Nanosecond)
	if err := settle(last); err != nil {
		return nil, err
	}
	st := pc.Stats(last)
	res.reservedAtDayEnd, res.settledInPeriodEnd, res.inFlightAtDayEnd = st.Reserved, st.Spent, st.Outstanding
	if err := settle(last.Add(time.Hour)); err != nil {
		return nil, err
	}
	res.overrun = pc.Stats(last.Add(time.Hour)).Overrun
	return res, nil
}

func printReport(w io.Writer, rep report, n int, share float64, fit router.CascadeFit) error {
	fmt.Fprintf(w, "%d requests over one day. Budget: %.0f%% of what always-strong actually spent today, %.0f%% × $%.2f = $%.2f.\n\n",
		n, 100*share, 100*share, rep.strongSpend, rep.budget)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tsees the answer first?\tquality (share)\tspend ($)\tof budget (%)\tstrong (% of req.)\t$ per correct\trejected (req.)\tpeak in flight (calls)\t")
	for _, res := range rep.results {
		s, err := router.Summarize(res.costs, res.scores)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.2f\t%.0f\t%.1f\t%.5f\t%d\t%d\t\n", res.name, res.sees,
			float64(res.correct)/float64(n), res.spent, 100*res.spent/rep.budget, 100*float64(res.big)/float64(n),
			s.CostOfPass, res.rejected, res.peakInFlight)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	pc := rep.results[len(rep.results)-1]
	fmt.Fprintf(w, "\nQuality counts rejected requests as failures. Calls take %v–%v (weak) to %v–%v (strong); costs are settled when\n",
		firstToken[weak]+time.Duration(240/tokensPerS[weak]*float64(time.Second)).Round(100*time.Millisecond),
		firstToken[weak]+time.Duration(400/tokensPerS[weak]*float64(time.Second)).Round(100*time.Millisecond),
		firstToken[strong]+time.Duration(240/tokensPerS[strong]*float64(time.Second)).Round(100*time.Millisecond),
		firstToken[strong]+time.Duration(400/tokensPerS[strong]*float64(time.Second)).Round(100*time.Millisecond))
	fmt.Fprintln(w, "the answer comes back. The cascade pays for every stage it tries (here "+orderNames(fit.Order)+")")
	ths := make([]string, len(fit.Thresholds))
	for i, t := range fit.Thresholds {
		ths[i] = fmt.Sprintf("%.3f", t)
	}
	fmt.Fprintf(w, "and escalates when an answer's confidence is below its stage's threshold (%s).\n", strings.Join(ths, ", "))
	for _, res := range rep.results[2 : len(rep.results)-1] {
		verb := "stayed within"
		if res.spent > rep.budget {
			verb = "overshot"
		}
		fmt.Fprintf(w, "%s %s the budget (%.0f%%): it was calibrated on yesterday's 3,000 labelled requests and does not watch today's spend.\n",
			res.name, verb, 100*res.spent/rep.budget)
	}
	fmt.Fprintf(w, "pacer: at midnight its ledger had $%.2f of the $%.2f daily budget settled and $%.2f reserved for %d calls still in\n"+
		"flight, which settle into the same day: $%.2f in all, overrun (actual above reserved) $%.2f.\n",
		pc.settledInPeriodEnd, rep.budget, pc.reservedAtDayEnd, pc.inFlightAtDayEnd, pc.spent, pc.overrun)
	return nil
}
