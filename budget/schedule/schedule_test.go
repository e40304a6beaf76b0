package schedule

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// must unwraps a constructor's result; a test whose valid schedule
// fails to build panics, which fails the test.
func must(s Schedule, err error) Schedule {
	if err != nil {
		panic(err)
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestScheduleClosedForms(t *testing.T) {
	cases := []struct {
		name string
		s    Schedule
		at   map[int]float64 // values computed by hand
	}{
		{"constant", must(Constant(0.3)), map[int]float64{0: 0.3, 99: 0.3}},
		{"step", must(StepDecay(1, 0.1, 30)), map[int]float64{0: 1, 29: 1, 30: 0.1, 65: 0.01}},
		{"multistep", must(MultiStep(2, 0.5, []int{10, 25})), map[int]float64{9: 2, 10: 1, 24: 1, 25: 0.5, 1000: 0.5}},
		{"exponential", must(Exponential(1, 0.9)), map[int]float64{0: 1, 2: 0.81}},
		{"linear", must(Polynomial(1, 0.1, 100, 1)), map[int]float64{0: 1, 50: 0.55, 100: 0.1, 200: 0.1}},
		{"quadratic", must(Polynomial(1, 0, 10, 2)), map[int]float64{5: 0.25}},
		{"cosine", must(Cosine(1, 0.1, 100)), map[int]float64{0: 1, 50: 0.55, 100: 0.1, 25: 0.1 + 0.9*(1+math.Sqrt2/2)/2}},
		{"invsqrt", must(InvSqrt(1, 100)), map[int]float64{0: 1, 100: 1, 400: 0.5}},
		// REX: (1 − z)/(1/2 + (1 − z)/2) at z = 0.5 is 0.5/0.75 = 2/3.
		{"rex", must(REX(3, 100)), map[int]float64{0: 3, 50: 2, 75: 3 * 0.25 / 0.625, 100: 0}},
		// WSD: 10 warm-up, stable, last 20 steps linear to 0.1.
		{"wsd", must(WSD(1, 0.1, 100, 10, 0.2, DecayLinear)), map[int]float64{0: 0, 5: 0.5, 10: 1, 80: 1, 90: 0.55, 100: 0.1}},
		{"wsd-sqrt", must(WSD(1, 0, 100, 0, 0.5, DecaySqrt)), map[int]float64{50: 1, 75: 1 - math.Sqrt(0.5)}},
		// OneCycle, PyTorch's defaults: T = 100, peak at step 29, initial
		// 0.04, final 4e-6; halfway through the rise (x = 0.5): midpoint.
		{"onecycle", must(OneCycle(1, 100, OneCycleConfig{})), map[int]float64{0: 0.04, 29: 1, 99: 0.04 / 1e4,
			64: 0.04/1e4 + (1-0.04/1e4)*(1+math.Cos(math.Pi*35/70))/2}},
		{"onecycle-3", must(OneCycle(1, 100, OneCycleConfig{ThreePhase: true, Linear: true})), map[int]float64{29: 1, 58: 0.04, 99: 0.04 / 1e4}},
	}
	for _, c := range cases {
		for step, want := range c.at {
			if got := c.s.At(step); !near(got, want) {
				t.Errorf("%s.At(%d) = %v, want %v", c.name, step, got, want)
			}
		}
		if got := c.s.At(-5); got != c.s.At(0) {
			t.Errorf("%s: negative step %v ≠ At(0) %v", c.name, got, c.s.At(0))
		}
	}
}

func TestScheduleMonotone(t *testing.T) {
	for name, s := range map[string]Schedule{
		"cosine": must(Cosine(1, 0, 300)),
		"rex":    must(REX(1, 300)),
		"linear": must(Polynomial(1, 0, 300, 1)),
		"invsqr": must(InvSqrt(1, 10)),
		"wsd":    must(WSD(1, 0, 300, 0, 0.3, DecayCosine)),
	} {
		vals, _ := Table(s, 320)
		for i := 1; i < len(vals); i++ {
			if vals[i] > vals[i-1] {
				t.Fatalf("%s increases at step %d: %v → %v", name, i, vals[i-1], vals[i])
			}
		}
	}
	// REX stays above linear decay everywhere inside (0, T).
	rex, lin := must(REX(1, 100)), must(Polynomial(1, 0, 100, 1))
	for i := 1; i < 100; i++ {
		if rex.At(i) <= lin.At(i) {
			t.Fatalf("REX below linear at %d", i)
		}
	}
}

func TestScheduleComposition(t *testing.T) {
	base := must(Cosine(1, 0, 100))
	w := must(Warmup(base, 10))
	if w.At(0) != 0 || !near(w.At(5), 0.5) || w.At(10) != base.At(0) || w.At(60) != base.At(50) {
		t.Fatalf("warm-up: %v %v %v %v", w.At(0), w.At(5), w.At(10), w.At(60))
	}
	// Continuity at the warm-up boundary: the last ramp step is within one
	// ramp increment of the first schedule value.
	if math.Abs(w.At(10)-w.At(9)) > base.At(0)/10+1e-12 {
		t.Fatal("warm-up jumps at its end")
	}
	e := must(Every(base, 7))
	for i := 0; i < 100; i++ {
		if e.At(i) != base.At(i/7*7) {
			t.Fatalf("Every: step %d", i)
		}
	}
	f := must(Floor(base, 0.2))
	if f.At(100) != 0.2 || f.At(0) != 1 {
		t.Fatal("Floor")
	}
	sc := must(Scale(base, 3))
	if sc.At(0) != 3 {
		t.Fatal("Scale")
	}
	// Re-warm and re-decay: two cosine cycles.
	second := must(Warmup(must(Cosine(0.5, 0, 50)), 5))
	ph := must(Phases(Phase{base, 100}, Phase{second, 55}))
	if ph.At(99) != base.At(99) || ph.At(100) != 0 || ph.At(105) != 0.5 || ph.At(500) != second.At(400) {
		t.Fatalf("Phases: %v %v %v", ph.At(99), ph.At(100), ph.At(105))
	}
	if v, err := Table(base, 5); err != nil || len(v) != 5 {
		t.Fatal("Table(5)")
	}
	if _, err := Table(base, -1); !errors.Is(err, ErrInvalid) {
		t.Fatal("Table(-1) accepted")
	}
	if _, err := Table(base, math.MaxInt); !errors.Is(err, ErrInvalid) {
		t.Fatal("Table(MaxInt) accepted")
	}
	if _, err := Table(nil, 1); !errors.Is(err, ErrInvalid) {
		t.Fatal("Table")
	}
}

func TestScheduleBadInput(t *testing.T) {
	nan := math.NaN()
	errs := []error{}
	add := func(_ Schedule, err error) { errs = append(errs, err) }
	add(Constant(nan))
	add(StepDecay(1, 1.5, 10))
	add(StepDecay(1, 0.5, 0))
	add(MultiStep(1, 0.5, []int{5, 3}))
	add(Exponential(1, 0))
	add(Polynomial(1, 0, 0, 1))
	add(Polynomial(1, 0, 10, -1))
	add(Cosine(math.Inf(1), 0, 10))
	add(InvSqrt(1, 0))
	add(REX(1, -3))
	add(WSD(1, 0, 100, 90, 0.2, DecayLinear)) // warm-up longer than the room left
	add(WSD(1, 0, 100, 0, 1.5, DecayLinear))
	add(OneCycle(1, 100, OneCycleConfig{PctStart: 1}))
	add(OneCycle(1, 2, OneCycleConfig{}))
	add(Warmup(nil, 3))
	add(Every(must(REX(1, 10)), 0))
	add(Phases())
	for i, err := range errs {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: err = %v, want ErrInvalid", i, err)
		}
	}
}

func TestExpDecayExact(t *testing.T) {
	// ExpDecay{B0: 256, γ: 0.7, T}.At(k·T) == max(Min, ⌊256·0.7^k⌋), the
	// right side computed exactly with rationals (0.7 = 7/10).
	e := ExpDecay{B0: 256, Gamma: 0.7, T: 50, Min: 8}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	r := new(big.Rat).SetInt64(256)
	for k := 0; k < 20; k++ {
		f := new(big.Int).Quo(r.Num(), r.Denom()) // floor (positive)
		want := max(8, int(f.Int64()))
		if got := e.At(k * e.T); got != want {
			t.Fatalf("At(%d·T) = %d, want %d", k, got, want)
		}
		if got := e.At(k*e.T + e.T - 1); got != want {
			t.Fatalf("budget changed inside block %d", k)
		}
		r.Mul(r, big.NewRat(7, 10))
	}
	// An exact power: 256·0.5^3 = 32 must not floor to 31.
	if got := (ExpDecay{B0: 256, Gamma: 0.5, T: 1}).At(3); got != 32 {
		t.Fatalf("256·0.5³ = %d", got)
	}
	for _, bad := range []ExpDecay{{B0: 0, Gamma: 0.5, T: 1}, {B0: 10, Gamma: 1.2, T: 1}, {B0: 10, Gamma: 0.5, T: 0}, {B0: 10, Gamma: 0.5, T: 1, Min: 11}} {
		if !errors.Is(bad.Validate(), ErrInvalid) {
			t.Errorf("%+v accepted", bad)
		}
		_ = bad.At(5) // never panics
	}
	l := LinearBudget{B0: 1000, End: 250, Steps: 4}
	for step, want := range map[int]int{0: 1000, 1: 813, 2: 625, 4: 250, 9: 250} {
		if got := l.At(step); got != want {
			t.Errorf("LinearBudget.At(%d) = %d, want %d", step, got, want)
		}
	}
}

func TestBudgetPriors(t *testing.T) {
	budgets := []int{1000, 250, 500, 750}
	lin, err := LinearPrior(budgets)
	if err != nil {
		t.Fatal(err)
	}
	// Ranks: 250 → 1, 500 → 2, 750 → 3, 1000 → 4; sum 10.
	want := []float64{0.4, 0.1, 0.2, 0.3}
	for i, p := range lin.Probs() {
		if !near(p, want[i]) {
			t.Fatalf("linear prior %v, want %v", lin.Probs(), want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, prior := range []*Prior{lin, func() *Prior { p, _ := UniformPrior(budgets); return p }()} {
		const n = 40000
		counts := map[int]int{}
		for i := 0; i < n; i++ {
			v, err := prior.Sample(r)
			if err != nil {
				t.Fatal(err)
			}
			counts[v]++
		}
		for i, b := range prior.Budgets() {
			p := prior.Probs()[i]
			sd := math.Sqrt(n * p * (1 - p))
			if math.Abs(float64(counts[b])-n*p) > 5*sd {
				t.Fatalf("budget %d drawn %d times, expected %v ± %v", b, counts[b], n*p, sd)
			}
		}
	}
	if _, err := DiscretePrior(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Error("empty prior accepted")
	}
	if _, err := DiscretePrior([]int{1, 2}, []float64{0, 0}); !errors.Is(err, ErrInvalid) {
		t.Error("zero weights accepted")
	}
	if _, err := DiscretePrior([]int{1}, []float64{math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Error("NaN weight accepted")
	}
}

func TestLengthReward(t *testing.T) {
	dst := make([]float64, 4)
	correct := []bool{true, true, false, true}
	lengths := []int{100, 400, 200, 800}
	// Gate 0.5: 3 of 4 correct, so the length term applies.
	lr := LengthReward{Alpha: 0.5, Gate: 0.5}
	if err := lr.Group(dst, correct, lengths, 400); err != nil {
		t.Fatal(err)
	}
	want := []float64{1 - 0.5*0.25, 1 - 0.5, -0.5 * 0.5, 1 - 0.5}
	for i := range want {
		if !near(dst[i], want[i]) {
			t.Fatalf("rewards %v, want %v", dst, want)
		}
	}
	// Gate 0.8: ratio 0.75 is below it, plain 0/1 rewards.
	lr.Gate = 0.8
	_ = lr.Group(dst, correct, lengths, 400)
	if dst[0] != 1 || dst[2] != 0 {
		t.Fatalf("gated rewards %v", dst)
	}
	before := append([]float64(nil), dst...)
	bad := LengthReward{Alpha: 1, Shape: func(x float64) float64 { return math.Log(x - 1) }}
	if err := bad.Group(dst, correct, lengths, 400); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NaN shape: %v", err)
	}
	for i := range dst {
		if dst[i] != before[i] {
			t.Fatal("failed Group wrote rewards")
		}
	}
	if err := lr.Group(dst, correct, lengths, 0); !errors.Is(err, ErrInvalid) {
		t.Fatal("zero budget accepted")
	}
}

var sink float64

func BenchmarkScheduleAt(b *testing.B) {
	all := map[string]Schedule{
		"constant":    must(Constant(1)),
		"step":        must(StepDecay(1, 0.5, 1000)),
		"multistep":   must(MultiStep(1, 0.5, []int{1000, 5000, 8000})),
		"exponential": must(Exponential(1, 0.9999)),
		"polynomial":  must(Polynomial(1, 0, 10000, 2)),
		"cosine":      must(Cosine(1, 0.1, 10000)),
		"invsqrt":     must(InvSqrt(1, 1000)),
		"rex":         must(REX(1, 10000)),
		"wsd":         must(WSD(1, 0, 10000, 500, 0.2, DecaySqrt)),
		"onecycle":    must(OneCycle(1, 10000, OneCycleConfig{})),
		"warmup+cos":  must(Warmup(must(Cosine(1, 0, 9000)), 1000)),
	}
	for name, s := range all {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			t := 0
			for b.Loop() {
				sink = s.At(t)
				t = (t + 7919) % 12000
			}
		})
	}
	b.Run("expdecay", func(b *testing.B) {
		e := ExpDecay{B0: 4096, Gamma: 0.7, T: 100, Min: 256}
		b.ReportAllocs()
		t := 0
		for b.Loop() {
			sink = float64(e.At(t))
			t = (t + 7919) % 12000
		}
	})
}

// FuzzSchedules builds every schedule from arbitrary numbers: construction
// either fails with ErrInvalid or gives a schedule whose values are never
// NaN, at any step.
func FuzzSchedules(f *testing.F) {
	f.Add(1.0, 0.1, 0.5, 100, 10, -5)
	f.Fuzz(func(t *testing.T, a, b, c float64, total, k, step int) {
		build := []func() (Schedule, error){
			func() (Schedule, error) { return Constant(a) },
			func() (Schedule, error) { return StepDecay(a, c, k) },
			func() (Schedule, error) { return MultiStep(a, c, []int{k, total}) },
			func() (Schedule, error) { return Exponential(a, c) },
			func() (Schedule, error) { return Polynomial(a, b, total, c) },
			func() (Schedule, error) { return Cosine(a, b, total) },
			func() (Schedule, error) { return InvSqrt(a, k) },
			func() (Schedule, error) { return REX(a, total) },
			func() (Schedule, error) { return WSD(a, b, total, k, c, DecayShape(k&3)) },
			func() (Schedule, error) { return OneCycle(a, total, OneCycleConfig{PctStart: c, DivFactor: b}) },
		}
		for i, f := range build {
			s, err := f()
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("schedule %d: error %v does not wrap ErrInvalid", i, err)
				}
				continue
			}
			for _, st := range []int{step, 0, total, k} {
				if v := s.At(st); math.IsNaN(v) {
					t.Fatalf("schedule %d At(%d) = NaN", i, st)
				}
			}
		}
		e := ExpDecay{B0: k, Gamma: c, T: total, Min: 1}
		_ = e.At(step)
	})
}
