package skill

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// binomTail is P(Binomial(n, ½) ≥ k) by direct summation.
func binomTail(n, k int) float64 {
	var p float64
	for j := k; j <= n; j++ {
		c := 1.0
		for i := 0; i < j; i++ {
			c = c * float64(n-i) / float64(i+1)
		}
		p += c * math.Pow(0.5, float64(n))
	}
	return p
}

func TestSignTestAgainstBinomialTail(t *testing.T) {
	for n := 1; n <= 25; n++ {
		for k := 1; k <= n; k++ {
			cand := make([]float64, n+3) // three unchanged items are ignored
			cur := make([]float64, n+3)
			for i := 0; i < n; i++ {
				if i < k {
					cand[i] = 1
				} else {
					cur[i] = 1
				}
			}
			got, want := signTest(cand, cur), binomTail(n, k)
			if math.Abs(got-want) > 1e-12 {
				t.Fatalf("n=%d k=%d: p = %v, want %v", n, k, got, want)
			}
		}
	}
	if p := signTest([]float64{0, 1}, []float64{0, 1}); p != 1 {
		t.Fatalf("no change: p = %v", p)
	}
}

func TestBootstrapTest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	// Every item improves: no resample can have a mean difference ≤ 0.
	if p := bootstrapTest([]float64{1, 1, 1}, []float64{0, 0, 0}, 500, r); p != 0 {
		t.Fatalf("all better: p = %v", p)
	}
	// One item of twenty improves: about (19/20)^20 ≈ 0.358 of resamples miss it.
	cand, cur := make([]float64, 20), make([]float64, 20)
	cand[0] = 1
	p := bootstrapTest(cand, cur, 20000, r)
	if want := math.Pow(19.0/20, 20); math.Abs(p-want) > 0.015 {
		t.Fatalf("p = %v, want ≈ %v", p, want)
	}
	// Deterministic given the generator's state.
	a := bootstrapTest(cand, cur, 100, rand.New(rand.NewPCG(3, 4)))
	b := bootstrapTest(cand, cur, 100, rand.New(rand.NewPCG(3, 4)))
	if a != b {
		t.Fatal("bootstrap not reproducible")
	}
}

func TestGateDecide(t *testing.T) {
	doc := skillMust(t, "# S\n- rule\n")
	sc := func(hard, soft float64, items ...float64) valScore {
		return valScore{Hard: hard, Soft: soft, Items: items}
	}
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name   string
		g      Gate
		cand   valScore
		cur    valScore
		accept bool
		reason string
	}{
		{"better", Gate{}, sc(0.6, 0), sc(0.5, 0), true, ""},
		{"tie", Gate{}, sc(0.5, 0.9), sc(0.5, 0.1), false, "tie"},
		{"worse", Gate{}, sc(0.4, 0), sc(0.5, 0), false, "score dropped"},
		{"within delta", Gate{MinDelta: 0.2}, sc(0.6, 0), sc(0.5, 0), false, "gain within MinDelta"},
		{"soft", Gate{Metric: MetricSoft}, sc(0.5, 0.9), sc(0.5, 0.1), true, ""},
		{"mixed ½", Gate{Metric: MetricMixed}, sc(0.4, 0.8), sc(0.5, 0.6), true, ""},                                  // 0.6 > 0.55
		{"mixed ¾", Gate{Metric: MetricMixed, MixedWeight: 0.25}, sc(0.4, 0.8), sc(0.5, 0.6), false, "score dropped"}, // 0.5 < 0.525
		{"too long", Gate{MaxLength: 5}, sc(0.6, 0), sc(0.5, 0), false, "exceeds MaxLength"},
		{"sign: significant", Gate{Test: TestSign}, sc(0.75, 0, 1, 1, 1, 1, 1, 1, 0, 0), sc(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), true, ""},
		{"sign: noise", Gate{Test: TestSign}, sc(0.5, 0, 1, 1, 0, 0), sc(0.25, 0, 0, 0, 1, 0), false, "not significant"},
	}
	for _, c := range cases {
		v := c.g.decide(c.cand, c.cur, doc, r)
		if v.accept != c.accept || !strings.Contains(v.reason, c.reason) {
			t.Errorf("%s: accept=%v reason=%q, want %v %q", c.name, v.accept, v.reason, c.accept, c.reason)
		}
	}
}

// Issue 15: validation scores that are a permutation of the current ones
// are a tie on every metric, however the floating-point sum rounds
// ({0.3, 0.2, 0.1} summed in order is 0.6000000000000001, reversed 0.6).
func TestGateRejectsPermutedTies(t *testing.T) {
	cur := []Result{{ID: "a", Hard: 1, Soft: 0.3}, {ID: "b", Hard: 0, Soft: 0.2}, {ID: "c", Hard: 1, Soft: 0.1}}
	cand := []Result{{ID: "a", Hard: 1, Soft: 0.1}, {ID: "b", Hard: 1, Soft: 0.2}, {ID: "c", Hard: 0, Soft: 0.3}}
	x, y, z := 0.3, 0.2, 0.1
	if x+y+z == z+y+x {
		t.Fatal("the example no longer shows the rounding it guards against")
	}
	doc, _ := NewDocument("x")
	for _, g := range []Gate{{Metric: MetricHard}, {Metric: MetricSoft}, {Metric: MetricMixed}, {Metric: MetricMixed, MixedWeight: 0.3}} {
		c, k := g.score(cand), g.score(cur)
		if v := g.decide(c, k, doc, nil); v.accept || v.reason != "tie" {
			t.Errorf("%v: %v vs %v accepted (%+v)", g.Metric, g.of(c), g.of(k), v)
		}
	}
}

// mean is exact for permutations, accurate, and finite near ±MaxFloat64.
func TestMeanOverflowSafe(t *testing.T) {
	if m := mean([]float64{1e308, 1e308, 1e308}); m != 1e308 {
		t.Fatalf("mean of 1e308s = %v", m)
	}
	if m := mean([]float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}); math.IsInf(m, 0) || math.Abs(m-math.MaxFloat64/3) > 1e292 {
		t.Fatalf("mean = %v", m)
	}
	if m := mean([]float64{0.1, 0.2, 0.3}); m != mean([]float64{0.3, 0.1, 0.2}) {
		t.Fatal("order-dependent")
	}
	if m := mean([]float64{1, 1e100, 1, -1e100}); m != 0.5 {
		t.Fatalf("compensated mean = %v, want 0.5", m)
	}
}
