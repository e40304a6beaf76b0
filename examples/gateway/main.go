// Command gateway simulates one day of traffic through an LLM gateway with
// three models and compares routing policies under a budget of 30% of what
// always calling the strong model would cost: always-weak, always-strong, a
// calibrated threshold router (RouteLLM), a fitted cascade (FrugalGPT) and
// the online budget pacer. It prints quality, spend and strong-call share
// for each and writes gateway_spend.png: cumulative spend over the day
// against the budget line.
//
//	go run ./examples/gateway [-n 60000] [-seed 1] [-out gateway_spend.png]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/budgetkit/budgetkit/router"
)

// The three models, weakest first; prices in $ per million tokens.
var models = []router.Model{
	{Name: "weak", InputPrice: 0.15, OutputPrice: 0.60, ExpectedOutputTokens: 400},
	{Name: "mid", InputPrice: 1.00, OutputPrice: 4.00, ExpectedOutputTokens: 400},
	{Name: "strong", InputPrice: 5.00, OutputPrice: 15.0, ExpectedOutputTokens: 400},
}

const weak, mid, strong = 0, 1, 2

// request is one simulated request: its arrival, its prompt length, each
// model's true success probability and the noisy signals routers see.
type request struct {
	at      time.Time
	tokens  int
	p       [3]float64 // true success probability per model
	pHat    [3]float64 // a meta-model's prediction of p (FORC-style)
	winRate float64    // a RouteLLM-style score: P(strong beats weak)
	correct [3]bool    // what each model would actually do
	conf    [3]float64 // answer-confidence score per model (FrugalGPT)
	outTok  [3]float64 // actual output tokens per model
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clamp(x float64) float64 { return math.Max(0.001, math.Min(0.999, x)) }

// draw simulates n requests over a day with a diurnal arrival rate.
func draw(r *rand.Rand, n int, day time.Time) []request {
	out := make([]request, n)
	for i := range out {
		// Arrival: rejection-sample a time of day from 1 + 0.8·sin(…).
		var h float64
		for {
			h = 24 * r.Float64()
			if r.Float64()*1.8 < 1+0.8*math.Sin((h-9)/24*2*math.Pi) {
				break
			}
		}
		rq := &out[i]
		rq.at = day.Add(time.Duration(h * float64(time.Hour)))
		rq.tokens = 200 + int(1800*r.Float64()*r.Float64())
		d := r.Float64() // difficulty
		rq.p = [3]float64{clamp(0.97 - 0.95*d), clamp(0.99 - 0.6*d), clamp(0.99 - 0.3*d)}
		for m := range rq.p {
			rq.pHat[m] = clamp(rq.p[m] + 0.08*r.NormFloat64())
			rq.correct[m] = r.Float64() < rq.p[m]
			c := 0.35 + 0.2*r.Float64()
			if rq.correct[m] {
				c += 0.3 * r.Float64()
			}
			rq.conf[m] = math.Min(1, c)
			rq.outTok[m] = models[m].ExpectedOutputTokens * (0.6 + 0.4*r.Float64())
		}
		rq.winRate = sigmoid(6*(rq.p[strong]-rq.p[weak]) - 1.5 + 0.6*r.NormFloat64())
	}
	// Sort by arrival time (insertion into a time-ordered day).
	sortByTime(out)
	return out
}

func sortByTime(rs []request) {
	// A simple merge sort keeps the example dependency-free.
	if len(rs) < 2 {
		return
	}
	mid := len(rs) / 2
	sortByTime(rs[:mid])
	sortByTime(rs[mid:])
	merged := make([]request, 0, len(rs))
	i, j := 0, mid
	for i < mid && j < len(rs) {
		if rs[j].at.Before(rs[i].at) {
			merged = append(merged, rs[j])
			j++
		} else {
			merged = append(merged, rs[i])
			i++
		}
	}
	merged = append(merged, rs[i:mid]...)
	merged = append(merged, rs[j:]...)
	copy(rs, merged)
}

// actualCost is what a call really costs (actual output length). The
// reservation uses the expected length; the pacer reserves an upper bound
// (the full expected length) so it can never overspend.
func actualCost(rq request, m int) float64 {
	return (float64(rq.tokens)*models[m].InputPrice + rq.outTok[m]*models[m].OutputPrice) / 1e6
}

// result accumulates a policy's day.
type result struct {
	name                string
	correct, calls, big int
	spent               float64
	served, rejected    int
	spendT, spendV      []float64 // cumulative spend over the day
	lastSample          time.Time
	costs, scores       []float64
}

func (res *result) add(rq request, m int, ok bool, cost float64, stages int) {
	res.served++
	res.calls += stages
	if m == strong {
		res.big++
	}
	if ok {
		res.correct++
	}
	res.spent += cost
	res.costs = append(res.costs, cost)
	s := 0.0
	if ok {
		s = 1
	}
	res.scores = append(res.scores, s)
	if rq.at.Sub(res.lastSample) >= 5*time.Minute {
		res.lastSample = rq.at
		h := rq.at.Sub(rq.at.Truncate(24 * time.Hour)).Hours()
		res.spendT = append(res.spendT, h)
		res.spendV = append(res.spendV, res.spent)
	}
}

// predictor hands the pacer the current request's meta-model predictions.
type predictor struct{ cur *request }

func (p predictor) PredictSuccess(context.Context, router.Query) ([]float64, error) {
	return p.cur.pHat[:], nil
}

// winScorer hands the threshold router the current request's win rate.
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

func main() {
	n := flag.Int("n", 60000, "requests in the simulated day")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "gateway_spend.png", "PNG file for the spend plot")
	flag.Parse()
	if err := run(*n, *seed, *out); err != nil {
		log.Fatal(err)
	}
}

func run(n int, seed uint64, out string) error {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x9a7e))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	calib := draw(r, 3000, day.Add(-24*time.Hour)) // yesterday's labelled sample
	traffic := draw(r, n, day)

	// The budget: 30% of always-strong, forecast from the calibration day.
	var strongMean, weakMean float64
	for _, rq := range calib {
		strongMean += models[strong].Cost(router.Query{InputTokens: rq.tokens})
		weakMean += models[weak].Cost(router.Query{InputTokens: rq.tokens})
	}
	strongMean /= float64(len(calib))
	weakMean /= float64(len(calib))
	perQuery := 0.3 * strongMean
	budget := perQuery * float64(n)

	var results []*result

	// Always-weak and always-strong.
	for _, m := range []int{weak, strong} {
		res := &result{name: "always-" + models[m].Name}
		for _, rq := range traffic {
			res.add(rq, m, rq.correct[m], actualCost(rq, m), 1)
		}
		results = append(results, res)
	}

	// Threshold router (RouteLLM), weak vs strong, τ calibrated so the
	// strong share spends the budget: weak + p·(strong − weak) = 0.3·strong.
	p := (perQuery - weakMean) / (strongMean - weakMean)
	scores := make([]float64, len(calib))
	for i, rq := range calib {
		scores[i] = rq.winRate
	}
	tau, err := router.CalibrateTau(scores, p)
	if err != nil {
		return err
	}
	cur := &request{}
	th, err := router.NewThreshold([]router.Model{models[weak], models[strong]}, []float64{tau}, winScorer{cur})
	if err != nil {
		return err
	}
	res := &result{name: fmt.Sprintf("threshold (τ=%.3f)", tau)}
	for _, rq := range traffic {
		*cur = rq
		ch, err := th.Route(ctx, router.Query{InputTokens: rq.tokens})
		if err != nil {
			return err
		}
		m := weak
		if ch.Index == 1 {
			m = strong
		}
		res.add(rq, m, rq.correct[m], actualCost(rq, m), 1)
	}
	results = append(results, res)

	// Cascade (FrugalGPT), weak → mid → strong, fitted on yesterday.
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
		return err
	}
	cas, err := fit.Cascade(models, confScorer{cur})
	if err != nil {
		return err
	}
	res = &result{name: "cascade"}
	for _, rq := range traffic {
		*cur = rq
		q := router.Query{InputTokens: rq.tokens}
		ch, err := cas.Route(ctx, q)
		if err != nil {
			return err
		}
		stages := 1
		for {
			m := fit.Order[ch.Stage]
			next, done, err := cas.Escalate(ctx, q, ch, router.Answer{Cost: actualCost(rq, m)})
			if err != nil {
				return err
			}
			if done {
				res.add(rq, m, rq.correct[m], next.Spent, stages)
				break
			}
			ch = next
			stages++
		}
	}
	results = append(results, res)

	// The pacer: all three models, utility q̂ − λĉ, reservations settled
	// with the actual cost.
	pc, err := router.NewPacer(router.PacerConfig{Models: models, Budget: budget, Horizon: n, WarmStart: 500}, predictor{cur})
	if err != nil {
		return err
	}
	res = &result{name: "pacer"}
	for _, rq := range traffic {
		*cur = rq
		q := router.Query{InputTokens: rq.tokens, At: rq.at}
		ch, err := pc.Route(ctx, q)
		if errors.Is(err, router.ErrBudgetExhausted) {
			res.rejected++
			continue
		}
		if err != nil {
			return err
		}
		c := actualCost(rq, ch.Index)
		if err := pc.Observe(ctx, q, ch, router.Outcome{Cost: c}); err != nil {
			return err
		}
		res.add(rq, ch.Index, rq.correct[ch.Index], c, 1)
	}
	results = append(results, res)

	fmt.Printf("%d requests over one day; budget $%.2f = 30%% of always-strong ($%.4f per request)\n\n", n, budget, perQuery)
	fmt.Printf("%-22s %8s %10s %9s %8s %12s\n", "policy", "quality", "spend", "of budget", "strong", "cost-of-pass")
	for _, res := range results {
		s, err := router.Summarize(res.costs, res.scores)
		if err != nil {
			return err
		}
		quality := float64(res.correct) / float64(n) // rejected requests count as failures
		fmt.Printf("%-22s %8.3f %10.2f %8.0f%% %7.1f%% %12.5f\n", res.name, quality, res.spent, 100*res.spent/budget,
			100*float64(res.big)/float64(n), s.CostOfPass)
	}
	st := pc.Stats(day)
	fmt.Printf("\npacer: λ = %.1f quality/$, rejected %d, cascade order %v thresholds %.3f\n", st.Lambda, res.rejected, fit.Order, fit.Thresholds)
	return plotSpend(out, results[2:], budget)
}

func plotSpend(path string, results []*result, budget float64) error {
	p := plot.New()
	p.Title.Text = "Cumulative spend over the day"
	p.X.Label.Text = "hour"
	p.Y.Label.Text = "$"
	p.X.Min, p.X.Max = 0, 24
	line := func(xs, ys []float64) (*plotter.Line, error) {
		pts := make(plotter.XYs, len(xs))
		for i := range xs {
			pts[i].X, pts[i].Y = xs[i], ys[i]
		}
		return plotter.NewLine(pts)
	}
	b, err := line([]float64{0, 24}, []float64{budget, budget})
	if err != nil {
		return err
	}
	b.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(b)
	p.Legend.Add("budget", b)
	for i, res := range results {
		l, err := line(res.spendT, res.spendV)
		if err != nil {
			return err
		}
		l.Color = plotter.DefaultLineStyle.Color
		l.Color = plotColors[i%len(plotColors)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(res.name, l)
	}
	p.Legend.Top, p.Legend.Left = true, true
	if err := p.Save(7*vg.Inch, 4*vg.Inch, path); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "wrote %s\n", path)
	return nil
}
