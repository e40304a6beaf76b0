package schedule

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var (
	attackFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308, -1, -5e-324, 0, 5e-324, 1e-300, 0.5, 1, 2, 1e308, math.MaxFloat64}
	attackInts   = []int{math.MinInt, -1, 0, 1, 2, 3, 1000, math.MaxInt32, math.MaxInt}
	attackSteps  = []int{math.MinInt, -1, 0, 1, 2, 3, 7, 1000, math.MaxInt / 2, math.MaxInt}
)

// checkSchedule requires either an error wrapping ErrInvalid, or a schedule
// whose values are finite at every attack step.
func checkSchedule(t *testing.T, name string, s Schedule, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: error %v does not wrap ErrInvalid", name, err)
		}
		if s != nil {
			t.Fatalf("%s: a schedule with an error", name)
		}
		return
	}
	for _, step := range attackSteps {
		if v := s.At(step); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: At(%d) = %v", name, step, v)
		}
	}
}

// TestAttackSchedules runs every constructor and wrapper over NaN, ±Inf,
// ±1e308, MaxFloat64, subnormals, zero, negative and MaxInt parameters: no
// panic, errors wrap ErrInvalid, accepted schedules stay finite at every
// step from MinInt to MaxInt (Cosine(1e308, −1e308, 3).At(3) was NaN).
func TestAttackSchedules(t *testing.T) {
	n := 0
	for _, a := range attackFloats {
		s, err := Constant(a)
		checkSchedule(t, "Constant", s, err)
		s, err = Exponential(a, 0.5)
		checkSchedule(t, "Exponential", s, err)
		s, err = Exponential(1e308, a)
		checkSchedule(t, "Exponential(gamma)", s, err)
		for _, b := range attackFloats {
			for _, k := range attackInts {
				n += 6
				s, err = Cosine(a, b, k)
				checkSchedule(t, "Cosine", s, err)
				s, err = Polynomial(a, b, k, 1)
				checkSchedule(t, "Polynomial", s, err)
				s, err = Polynomial(a, b, k, 2.5)
				checkSchedule(t, "Polynomial(2.5)", s, err)
				s, err = StepDecay(a, b, k)
				checkSchedule(t, "StepDecay", s, err)
				s, err = MultiStep(a, b, []int{k, k + 1})
				checkSchedule(t, "MultiStep", s, err)
				for _, shape := range []DecayShape{DecayLinear, DecayCosine, DecaySqrt, 7} {
					s, err = WSD(a, b, k, k/4, 0.5, shape)
					checkSchedule(t, "WSD", s, err)
				}
			}
			s, err = OneCycle(a, 100, OneCycleConfig{DivFactor: b})
			checkSchedule(t, "OneCycle(DivFactor)", s, err)
			s, err = OneCycle(a, 100, OneCycleConfig{FinalDivFactor: b, ThreePhase: true, Linear: true})
			checkSchedule(t, "OneCycle(FinalDivFactor)", s, err)
			s, err = OneCycle(a, 100, OneCycleConfig{PctStart: b})
			checkSchedule(t, "OneCycle(PctStart)", s, err)
		}
		for _, k := range attackInts {
			s, err = REX(a, k)
			checkSchedule(t, "REX", s, err)
			s, err = InvSqrt(a, k)
			checkSchedule(t, "InvSqrt", s, err)
			s, err = OneCycle(a, k, OneCycleConfig{})
			checkSchedule(t, "OneCycle", s, err)
		}
		base, _ := Constant(1e308)
		s, err = Scale(base, a)
		checkSchedule(t, "Scale", s, err)
		s, err = Floor(base, a)
		checkSchedule(t, "Floor", s, err)
		for _, k := range attackInts {
			s, err = Warmup(base, k)
			checkSchedule(t, "Warmup", s, err)
			s, err = Every(base, k)
			checkSchedule(t, "Every", s, err)
			s, err = Phases(Phase{base, k}, Phase{base, k})
			checkSchedule(t, "Phases", s, err)
		}
	}
	for _, f := range []func() (Schedule, error){
		func() (Schedule, error) { return Warmup(nil, 1) },
		func() (Schedule, error) { return Floor(nil, 1) },
		func() (Schedule, error) { return Scale(nil, 1) },
		func() (Schedule, error) { return Every(nil, 1) },
		func() (Schedule, error) { return Phases() },
		func() (Schedule, error) { return Phases(Phase{nil, 1}) },
		func() (Schedule, error) { return MultiStep(1, 0.5, []int{3, 2}) },
	} {
		s, err := f()
		if !errors.Is(err, ErrInvalid) || s != nil {
			t.Fatalf("nil or bad arguments accepted: %v", err)
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}

// TestAttackTokenBudgets covers ExpDecay, LinearBudget, the priors and
// LengthReward.
func TestAttackTokenBudgets(t *testing.T) {
	for _, b0 := range attackInts {
		for _, g := range attackFloats {
			for _, k := range attackInts {
				e := ExpDecay{B0: b0, Gamma: g, T: k, Min: k}
				err := e.Validate()
				if err != nil && !errors.Is(err, ErrInvalid) {
					t.Fatal(err)
				}
				l := LinearBudget{B0: b0, End: k, Steps: k}
				lerr := l.Validate()
				if lerr != nil && !errors.Is(lerr, ErrInvalid) {
					t.Fatal(lerr)
				}
				for _, step := range attackSteps {
					if v := e.At(step); err == nil && (v < e.Min || v > e.B0) {
						t.Fatalf("%+v.At(%d) = %d", e, step, v)
					}
					if v := l.At(step); lerr == nil && (v < min(l.B0, l.End) || v > max(l.B0, l.End)) {
						t.Fatalf("%+v.At(%d) = %d", l, step, v)
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, budgets := range [][]int{nil, {}, {0}, {-1}, {math.MaxInt, 1}, {1, 2}} {
		for _, w := range [][]float64{nil, {math.NaN(), 1}, {math.Inf(1), 1}, {-1, 1}, {0, 0}, {1e308, 1e308}, {1, 2}} {
			p, err := DiscretePrior(budgets, w)
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatal(err)
				}
				continue
			}
			for range 100 {
				if b, err := p.Sample(r); err != nil || !containsInt(budgets, b) {
					t.Fatalf("Sample = %d, %v", b, err)
				}
			}
			for _, q := range p.Probs() {
				if !(q >= 0 && q <= 1) {
					t.Fatalf("prob %v", q)
				}
			}
		}
		if _, err := UniformPrior(budgets); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatal(err)
		}
		if _, err := LinearPrior(budgets); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatal(err)
		}
	}
	for _, alpha := range attackFloats {
		for _, gate := range attackFloats {
			lr := LengthReward{Alpha: alpha, Gate: gate}
			for _, budget := range attackInts {
				for _, lengths := range [][]int{nil, {1, 2}, {math.MaxInt, -1}, {0, math.MaxInt}} {
					dst := make([]float64, len(lengths))
					err := lr.Group(dst, make([]bool, len(lengths)), lengths, budget)
					if err != nil && !errors.Is(err, ErrInvalid) {
						t.Fatal(err)
					}
					for _, v := range dst {
						if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
							t.Fatalf("%+v.Group(%v, %d) = %v", lr, lengths, budget, dst)
						}
					}
				}
				if err := lr.Group(make([]float64, 1), make([]bool, 2), []int{1, 2}, budget); !errors.Is(err, ErrInvalid) {
					t.Fatal("mismatched lengths accepted")
				}
			}
		}
	}
	_ = strings.Repeat // the package takes no strings
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestLengthRewardOverflow: Alpha·Shape of 1e308·1e308 is refused.
func TestLengthRewardOverflow(t *testing.T) {
	lr := LengthReward{Alpha: 1e308, Shape: func(float64) float64 { return 1e308 }}
	dst := []float64{7}
	if err := lr.Group(dst, []bool{true}, []int{10}, 5); !errors.Is(err, ErrInvalid) || dst[0] != 7 {
		t.Fatalf("overflowing reward: %v, dst %v", err, dst)
	}
}

func FuzzScheduleAt(f *testing.F) {
	f.Add(1e308, -1e308, 3, 3)
	f.Add(0.1, 0.001, 100, 50)
	f.Fuzz(func(t *testing.T, a, b float64, total, step int) {
		for _, mk := range []func() (Schedule, error){
			func() (Schedule, error) { return Cosine(a, b, total) },
			func() (Schedule, error) { return Polynomial(a, b, total, 1) },
			func() (Schedule, error) { return WSD(a, b, total, total/5, 0.3, DecaySqrt) },
			func() (Schedule, error) { return OneCycle(a, total, OneCycleConfig{DivFactor: b}) },
			func() (Schedule, error) { s, _ := REX(a, total); return Scale(s, b) },
		} {
			s, err := mk()
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatal(err)
				}
				continue
			}
			if v := s.At(step); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("At(%d) = %v", step, v)
			}
		}
	})
}
