package grposim

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// logPi is log π(y) for a Bernoulli policy with logit θ, written out
// directly (not through sigmoid) so the test's gradient is independent.
func logPi(theta float64, y int) float64 {
	if y == 1 {
		return -math.Log1p(math.Exp(-theta))
	}
	return -math.Log1p(math.Exp(theta))
}

// bruteGradient computes Σᵢ Aᵢ ∇θ log π(yᵢ) from an explicit reward
// vector: advantages from gonum's mean and standard deviation, the score
// by central finite differences of log π.
func bruteGradient(theta float64, ys []int, population bool) float64 {
	r := make([]float64, len(ys))
	for i, y := range ys {
		r[i] = float64(y)
	}
	mean := stat.Mean(r, nil)
	var sd float64
	if population {
		_, sd = stat.PopMeanStdDev(r, nil)
	} else {
		sd = stat.StdDev(r, nil)
	}
	if sd == 0 || math.IsNaN(sd) {
		return 0
	}
	const h = 1e-5
	var g float64
	for i, y := range ys {
		score := (logPi(theta+h, y) - logPi(theta-h, y)) / (2 * h)
		g += (r[i] - mean) / sd * score
	}
	return g
}

// TestGroupGradientBruteForce checks the closed form g(k, n) against the
// explicit sum over a group's rollouts, for every k, several θ and both
// standard deviations, in an arbitrary order of outcomes.
func TestGroupGradientBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 16; n++ {
		for k := 0; k <= n; k++ {
			ys := make([]int, n)
			for i := range k {
				ys[i] = 1
			}
			r.Shuffle(n, func(i, j int) { ys[i], ys[j] = ys[j], ys[i] })
			for _, theta := range []float64{-4, -0.7, 0, 1.3, 5} {
				for _, pop := range []bool{false, true} {
					want := bruteGradient(theta, ys, pop)
					got := GroupGradient(k, n, pop)
					if math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
						t.Errorf("n=%d k=%d θ=%v pop=%v: g = %v, brute force %v", n, k, theta, pop, got, want)
					}
				}
			}
		}
	}
}

// TestExpectedGradientEnumeration checks E[g(K, n)] against the average
// over all 2ⁿ outcome sequences weighted by their probability.
func TestExpectedGradientEnumeration(t *testing.T) {
	for n := 1; n <= 12; n++ {
		for _, p := range []float64{0.01, 0.2, 0.5, 0.73, 0.99} {
			for _, pop := range []bool{false, true} {
				theta := math.Log(p / (1 - p))
				var want float64
				ys := make([]int, n)
				for mask := 0; mask < 1<<n; mask++ {
					prob := 1.0
					for i := range ys {
						ys[i] = mask >> i & 1
						if ys[i] == 1 {
							prob *= p
						} else {
							prob *= 1 - p
						}
					}
					want += prob * bruteGradient(theta, ys, pop)
				}
				got, err := ExpectedGradient(p, n, pop)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got-want) > 1e-6*(1+want) {
					t.Errorf("n=%d p=%v pop=%v: E[g] = %v, enumeration %v", n, p, pop, got, want)
				}
			}
		}
	}
}

// TestUpdateMatchesExpectation checks Rollout + Update against
// ExpectedStep by Monte Carlo: the mean step over many groups is within
// five standard errors of the exact expectation.
func TestUpdateMatchesExpectation(t *testing.T) {
	const trials = 20000
	r := rand.New(rand.NewPCG(3, 4))
	for _, norm := range []Normalization{PerGroup, PerToken} {
		for _, c := range []struct {
			p float64
			n int
		}{{0.1, 8}, {0.5, 4}, {0.8, 16}} {
			cfg := Config{LearningRate: 0.3, Normalization: norm}
			var sum, sumSq float64
			for range trials {
				pl, err := NewPolicy([]float64{c.p, 0.5}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				k := pl.Rollout(r, 0, c.n)
				// A second, unmixed group of 2·n rollouts makes n̄ = 1.5·n.
				if _, err := pl.Update([]Group{{0, k, c.n}, {1, 0, 2 * c.n}}); err != nil {
					t.Fatal(err)
				}
				d := pl.Theta(0) - math.Log(c.p/(1-c.p))
				sum += d
				sumSq += d * d
			}
			mean := sum / trials
			se := math.Sqrt((sumSq/trials - mean*mean) / trials)
			want, err := ExpectedStep(c.p, c.n, 1.5*float64(c.n), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(mean-want) > 5*se {
				t.Errorf("%v p=%v n=%d: mean step %v ± %v, expected %v", norm, c.p, c.n, mean, se, want)
			}
		}
	}
}

// TestNormalisationsAgreeAtEqualSizes checks that PerGroup and PerToken
// give the same update when every group has the same size, and that
// PerToken moves a larger group further than PerGroup does.
func TestNormalisationsAgreeAtEqualSizes(t *testing.T) {
	p := []float64{0.3, 0.6, 0.9}
	a, _ := NewPolicy(p, Config{Normalization: PerGroup})
	b, _ := NewPolicy(p, Config{Normalization: PerToken})
	groups := []Group{{0, 3, 8}, {1, 5, 8}, {2, 8, 8}}
	ma, _ := a.Update(groups)
	mb, _ := b.Update(groups)
	if ma != 2 || mb != 2 {
		t.Errorf("mixed groups %d and %d, want 2", ma, mb)
	}
	for j := range p {
		if math.Abs(a.Theta(j)-b.Theta(j)) > 1e-15 {
			t.Errorf("prompt %d: θ %v (per-group) vs %v (per-token)", j, a.Theta(j), b.Theta(j))
		}
	}
	a, _ = NewPolicy(p, Config{Normalization: PerGroup})
	b, _ = NewPolicy(p, Config{Normalization: PerToken})
	groups = []Group{{0, 8, 16}, {1, 1, 2}}
	a.Update(groups)
	b.Update(groups)
	// n̄ = 9: per-token divides prompt 0's gradient by 9 instead of 16.
	da, db := a.Theta(0)-math.Log(0.3/0.7), b.Theta(0)-math.Log(0.3/0.7)
	if want := 0.1 * GroupGradient(8, 16, false) / 9; math.Abs(db-want) > 1e-12 || !(db > da) {
		t.Errorf("per-token step %v (want %v), per-group %v", db, want, da)
	}
}

// TestDeterministic checks that a seed reproduces a run exactly.
func TestDeterministic(t *testing.T) {
	run := func() []float64 {
		r := rand.New(rand.NewPCG(9, 9))
		pl, _ := NewPolicy([]float64{0.2, 0.5, 0.7}, Config{})
		for range 50 {
			var gs []Group
			for j := range pl.Len() {
				gs = append(gs, Group{j, pl.Rollout(r, j, 6), 6})
			}
			if _, err := pl.Update(gs); err != nil {
				t.Fatal(err)
			}
		}
		return []float64{pl.Theta(0), pl.Theta(1), pl.Theta(2)}
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Errorf("two runs differ: %v vs %v", a, b)
	}
}

// TestInvalid checks the errors and that a failed Update leaves the
// policy unchanged.
func TestInvalid(t *testing.T) {
	for _, cfg := range []Config{{LearningRate: -1}, {LearningRate: math.NaN()}, {LearningRate: math.Inf(1)}, {Normalization: 7}} {
		if _, err := NewPolicy([]float64{0.5}, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewPolicy(%+v): err = %v", cfg, err)
		}
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := NewPolicy([]float64{0.5, p}, Config{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewPolicy(p = %v): err = %v", p, err)
		}
	}
	pl, err := NewPolicy([]float64{0, 0.5, 1}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if p0, p2 := pl.P(0), pl.P(2); math.Abs(p0-MinP) > 1e-12 || math.Abs(p2-(1-MinP)) > 1e-12 {
		t.Errorf("pass rates 0 and 1 became %v and %v", p0, p2)
	}
	before := []float64{pl.Theta(0), pl.Theta(1), pl.Theta(2)}
	for _, gs := range [][]Group{
		{{1, 2, 4}, {3, 1, 2}},
		{{1, 2, 4}, {-1, 1, 2}},
		{{1, 2, 4}, {0, 3, 2}},
		{{1, 2, 4}, {0, -1, 2}},
		{{1, 2, 4}, {0, 0, -2}},
	} {
		if _, err := pl.Update(gs); !errors.Is(err, ErrInvalid) {
			t.Errorf("Update(%v): err = %v", gs, err)
		}
		if after := []float64{pl.Theta(0), pl.Theta(1), pl.Theta(2)}; !slices.Equal(before, after) {
			t.Errorf("failed Update(%v) changed θ: %v → %v", gs, before, after)
		}
	}
	if _, err := ExpectedStep(0.5, 4, 0, Config{Normalization: PerToken}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ExpectedStep with n̄ = 0: err = %v", err)
	}
	for _, c := range []struct {
		p float64
		n int
	}{{math.NaN(), 4}, {-0.5, 4}, {0.5, -1}, {0.5, MaxExpectedN + 1}} {
		if _, err := ExpectedGradient(c.p, c.n, false); !errors.Is(err, ErrInvalid) {
			t.Errorf("ExpectedGradient(%v, %d): err = %v", c.p, c.n, err)
		}
	}
	if _, err := pl.Update([]Group{{1, 1, math.MaxInt}, {1, 1, math.MaxInt}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Update with overflowing rollouts: err = %v", err)
	}
	if got := (Normalization(5)).String(); got != "Normalization(5)" {
		t.Errorf("String() = %q", got)
	}
}

var sink int

func BenchmarkUpdate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	p := make([]float64, 2000)
	for i := range p {
		p[i] = r.Float64()
	}
	pl, _ := NewPolicy(p, Config{})
	gs := make([]Group, 256)
	for i := range gs {
		gs[i] = Group{Prompt: r.IntN(len(p)), Successes: r.IntN(9), Rollouts: 8}
	}
	b.ReportAllocs()
	for b.Loop() {
		n, _ := pl.Update(gs)
		sink += n
	}
}

// FuzzUpdate feeds arbitrary pass rates and groups: every call either
// fails with ErrInvalid and leaves θ unchanged, or leaves every θ finite.
func FuzzUpdate(f *testing.F) {
	f.Add(0.3, 0.9, 0, 3, 8, 1, 0, 2, false)
	f.Add(0.0, 1.0, 1, 1, 1, 0, 5, 5, true)
	f.Fuzz(func(t *testing.T, p0, p1 float64, j0, k0, n0, j1, k1, n1 int, perToken bool) {
		cfg := Config{LearningRate: 5}
		if perToken {
			cfg.Normalization = PerToken
		}
		pl, err := NewPolicy([]float64{p0, p1}, cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("NewPolicy: %v", err)
			}
			return
		}
		before := []float64{pl.Theta(0), pl.Theta(1)}
		for range 3 {
			_, err := pl.Update([]Group{{j0, k0, n0}, {j1, k1, n1}})
			after := []float64{pl.Theta(0), pl.Theta(1)}
			if err != nil {
				if !errors.Is(err, ErrInvalid) || !slices.Equal(before, after) {
					t.Fatalf("Update: %v, θ %v → %v", err, before, after)
				}
				return
			}
			for j, th := range after {
				if math.IsNaN(th) || math.IsInf(th, 0) || math.IsNaN(pl.P(j)) {
					t.Fatalf("θ[%d] = %v", j, th)
				}
			}
			before = after
		}
	})
}
