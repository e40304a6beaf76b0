package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// The three models, weakest first; prices in $ per million tokens. The
// cost estimate reserves ExpectedOutputTokens, an upper bound on the
// simulated answers' length (240–400 tokens), so no call costs more than
// its reservation.
var models = []router.Model{
	{Name: "weak", InputPrice: 0.15, OutputPrice: 0.60, ExpectedOutputTokens: 400},
	{Name: "mid", InputPrice: 1.00, OutputPrice: 4.00, ExpectedOutputTokens: 400},
	{Name: "strong", InputPrice: 5.00, OutputPrice: 15.0, ExpectedOutputTokens: 400},
}

const weak, mid, strong = 0, 1, 2

// Simulated latency: time to first token plus output tokens at each
// model's decoding speed (tokens per second).
var (
	firstToken = [3]time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 1500 * time.Millisecond}
	tokensPerS = [3]float64{120, 60, 25}
)

// request is one simulated request: its arrival, its prompt length, each
// model's true success probability and the noisy signals routers see.
type request struct {
	at      time.Time
	tokens  int
	p       [3]float64       // true success probability per model
	pHat    [3]float64       // a meta-model's prediction of p (FORC-style), known before any call
	winRate float64          // a RouteLLM-style score P(strong beats weak), known before any call
	correct [3]bool          // what each model would actually do
	conf    [3]float64       // confidence score of each model's answer (FrugalGPT): known only after the call
	outTok  [3]float64       // actual output tokens per model
	latency [3]time.Duration // how long each model takes to answer
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clamp(x float64) float64 { return math.Max(0.001, math.Min(0.999, x)) }

// draw simulates n requests over the day starting at day, with a diurnal
// arrival rate 1 + 0.8·sin(2π(h − 9)/24) (h in hours), sorted by arrival.
func draw(r *rand.Rand, n int, day time.Time) []request {
	out := make([]request, n)
	for i := range out {
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
			rq.latency[m] = firstToken[m] + time.Duration(rq.outTok[m]/tokensPerS[m]*float64(time.Second))
		}
		rq.winRate = sigmoid(6*(rq.p[strong]-rq.p[weak]) - 1.5 + 0.6*r.NormFloat64())
	}
	slices.SortFunc(out, func(a, b request) int { return a.at.Compare(b.at) })
	return out
}

// actualCost is what a call really costs, with the actual output length.
func actualCost(rq request, m int) float64 {
	return (float64(rq.tokens)*models[m].InputPrice + rq.outTok[m]*models[m].OutputPrice) / 1e6
}
