package schedule

import (
	"fmt"
	"math"
	"strconv"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Schedule is a budget-aware schedule, typically of the learning rate: a
// pure function of the training step, so a checkpoint needs only the step.
// Steps before 0 are treated as 0; steps past a schedule's horizon hold its
// final value. Schedules are built by the constructors below, which validate
// their parameters, so At never panics and always returns a finite value
// (saturating at ±MaxFloat64 where a product such as Scale's overflows).
// All are immutable and safe for concurrent use.
//
// Following "REX: Revisiting Budgeted Training with an Improved Schedule",
// a profile is a function of the progress z = t/T ∈ [0, 1], and the sampling
// rate (how often the value is re-read from the profile) is a separate
// wrapper, Every.
type Schedule interface {
	At(step int) float64
}

// funcSchedule adapts a validated closure to Schedule.
type funcSchedule func(t int) float64

func (f funcSchedule) At(t int) float64 { return saturate(f(max(t, 0))) }

// saturate clamps ±Inf to ±MaxFloat64: values of Scale (k·v) and rounding
// at the edge of the range can overflow although every parameter is
// finite; a schedule's value is always finite.
func saturate(x float64) float64 {
	switch {
	case x > math.MaxFloat64:
		return math.MaxFloat64
	case x < -math.MaxFloat64:
		return -math.MaxFloat64
	}
	return x
}

// lerp returns a + (b − a)·w for w ∈ [0, 1] without overflowing when a and
// b are finite but b − a is not (a = 1e308, b = −1e308): then it uses
// a·(1 − w) + b·w.
func lerp(a, b, w float64) float64 {
	if d := b - a; !math.IsInf(d, 0) {
		return a + d*w
	}
	return a*(1-w) + b*w
}

func check(name string, v float64, ok bool, want string) error {
	if !ok || math.IsNaN(v) {
		return fmt.Errorf("%w: %s = %v (%s)", ErrInvalid, name, v, want)
	}
	return nil
}

func finite(name string, v float64) error {
	return check(name, v, num.IsFinite(v), "must be finite")
}

func horizon(total int) error {
	if total <= 0 {
		return fmt.Errorf("%w: horizon T = %d (must be > 0)", ErrInvalid, total)
	}
	return nil
}

// powInt returns xⁿ for n ≥ 0 by repeated squaring: O(log n)
// multiplications, within a few ulps of the exact power.
func powInt(x float64, n int) float64 {
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r *= x
		}
		x *= x
		n >>= 1
	}
	return r
}

// progress is the progress min(t, T)/T.
func progress(t, total int) float64 { return float64(min(t, total)) / float64(total) }

// Constant returns v at every step.
func Constant(v float64) (Schedule, error) {
	if err := finite("value", v); err != nil {
		return nil, err
	}
	return funcSchedule(func(int) float64 { return v }), nil
}

// StepDecay returns v0·γ^⌊t/every⌋ (the classic step schedule).
func StepDecay(v0, gamma float64, every int) (Schedule, error) {
	if err := finite("v0", v0); err != nil {
		return nil, err
	}
	if err := check("gamma", gamma, gamma > 0 && gamma <= 1, "must be in (0, 1]"); err != nil {
		return nil, err
	}
	if every <= 0 {
		return nil, fmt.Errorf("%w: every = %d (must be > 0)", ErrInvalid, every)
	}
	return funcSchedule(func(t int) float64 { return v0 * powInt(gamma, t/every) }), nil
}

// MultiStep returns v0·γ^k where k is the number of milestones ≤ t; the
// milestones must be strictly increasing and positive.
func MultiStep(v0, gamma float64, milestones []int) (Schedule, error) {
	if err := finite("v0", v0); err != nil {
		return nil, err
	}
	if err := check("gamma", gamma, gamma > 0 && gamma <= 1, "must be in (0, 1]"); err != nil {
		return nil, err
	}
	ms := append([]int(nil), milestones...)
	for i, m := range ms {
		if m <= 0 || (i > 0 && m <= ms[i-1]) {
			return nil, fmt.Errorf("%w: milestones[%d] = %d (must be positive and increasing)", ErrInvalid, i, m)
		}
	}
	pow := make([]float64, len(ms)+1)
	for k := range pow {
		pow[k] = v0 * math.Pow(gamma, float64(k))
	}
	return funcSchedule(func(t int) float64 {
		k := 0
		for k < len(ms) && ms[k] <= t {
			k++
		}
		return pow[k]
	}), nil
}

// Exponential returns v0·γᵗ.
func Exponential(v0, gamma float64) (Schedule, error) {
	if err := finite("v0", v0); err != nil {
		return nil, err
	}
	if err := check("gamma", gamma, gamma > 0 && gamma <= 1, "must be in (0, 1]"); err != nil {
		return nil, err
	}
	lg := math.Log(gamma)
	return funcSchedule(func(t int) float64 { return v0 * math.Exp(float64(t)*lg) }), nil
}

// Polynomial returns (v0 − vEnd)·(1 − z)^power + vEnd with z = min(t, T)/T;
// power 1 is linear decay.
func Polynomial(v0, vEnd float64, total int, power float64) (Schedule, error) {
	for _, e := range []error{finite("v0", v0), finite("vEnd", vEnd), horizon(total),
		check("power", power, power > 0 && !math.IsInf(power, 1), "must be finite and > 0")} {
		if e != nil {
			return nil, e
		}
	}
	if power == 1 {
		return funcSchedule(func(t int) float64 { return lerp(vEnd, v0, 1-progress(t, total)) }), nil
	}
	return funcSchedule(func(t int) float64 { return lerp(vEnd, v0, math.Pow(1-progress(t, total), power)) }), nil
}

// Cosine returns vMin + (v0 − vMin)·(1 + cos(πz))/2 with z = min(t, T)/T
// ("SGDR: Stochastic Gradient Descent with Warm Restarts", without restarts;
// vMin is the floor).
func Cosine(v0, vMin float64, total int) (Schedule, error) {
	for _, e := range []error{finite("v0", v0), finite("vMin", vMin), horizon(total)} {
		if e != nil {
			return nil, e
		}
	}
	return funcSchedule(func(t int) float64 {
		return lerp(vMin, v0, (1+math.Cos(math.Pi*progress(t, total)))/2)
	}), nil
}

// InvSqrt returns v0·√w/√max(t, w): constant for the first w steps, then
// decaying as 1/√t ("Attention Is All You Need" after its warm-up; wrap it
// in Warmup for the ramp).
func InvSqrt(v0 float64, w int) (Schedule, error) {
	if err := finite("v0", v0); err != nil {
		return nil, err
	}
	if w <= 0 {
		return nil, fmt.Errorf("%w: w = %d (must be > 0)", ErrInvalid, w)
	}
	sw := math.Sqrt(float64(w))
	return funcSchedule(func(t int) float64 { return v0 * sw / math.Sqrt(float64(max(t, w))) }), nil
}

// REX is the schedule of "REX: Revisiting Budgeted Training with an Improved
// Schedule":
//
//	η(z) = η₀ · (1 − z) / (1/2 + (1 − z)/2),   z = min(t, T)/T
//
// so η(0) = η₀ and η(1) = 0; it stays high longer than linear decay.
func REX(eta0 float64, total int) (Schedule, error) {
	for _, e := range []error{finite("eta0", eta0), horizon(total)} {
		if e != nil {
			return nil, e
		}
	}
	return funcSchedule(func(t int) float64 {
		r := 1 - progress(t, total)
		return eta0 * r / (0.5 + r/2)
	}), nil
}

// DecayShape is the shape of WSD's decay phase.
type DecayShape int

const (
	// DecayLinear decays linearly to the floor.
	DecayLinear DecayShape = iota
	// DecayCosine decays along a half cosine.
	DecayCosine
	// DecaySqrt decays as 1 − √x ("1-sqrt", from "Scaling Laws and
	// Compute-Optimal Training Beyond Fixed Training Durations").
	DecaySqrt
)

// String returns "linear", "cosine" or "sqrt", and "DecayShape(n)" for other values.
func (d DecayShape) String() string {
	switch d {
	case DecayLinear:
		return "linear"
	case DecayCosine:
		return "cosine"
	case DecaySqrt:
		return "sqrt"
	}
	return "DecayShape(" + strconv.Itoa(int(d)) + ")"
}

// WSD is warm-up–stable–decay ("MiniCPM"; "Scaling Laws and Compute-Optimal
// Training Beyond Fixed Training Durations"): a linear warm-up from 0 to
// peak over warmup steps, constant peak, then over the last
// D = ⌈decayFrac·T⌉ steps a decay of the given shape from peak to floor.
func WSD(peak, floor float64, total, warmup int, decayFrac float64, shape DecayShape) (Schedule, error) {
	for _, e := range []error{finite("peak", peak), finite("floor", floor), horizon(total),
		check("decayFrac", decayFrac, decayFrac >= 0 && decayFrac <= 1, "must be in [0, 1]")} {
		if e != nil {
			return nil, e
		}
	}
	d := int(math.Ceil(decayFrac * float64(total)))
	if warmup < 0 || warmup+d > total {
		return nil, fmt.Errorf("%w: warm-up %d + decay %d steps exceed T = %d", ErrInvalid, warmup, d, total)
	}
	if shape < DecayLinear || shape > DecaySqrt {
		return nil, fmt.Errorf("%w: decay shape %d", ErrInvalid, shape)
	}
	start := total - d
	return funcSchedule(func(t int) float64 {
		switch {
		case t < warmup:
			return peak * float64(t) / float64(warmup)
		case t < start || d == 0:
			return peak
		}
		x := float64(min(t, total)-start) / float64(d)
		var f float64
		switch shape {
		case DecayLinear:
			f = 1 - x
		case DecayCosine:
			f = (1 + math.Cos(math.Pi*x)) / 2
		default:
			f = 1 - math.Sqrt(x)
		}
		return lerp(floor, peak, f)
	}), nil
}

// OneCycleConfig configures OneCycle; zero fields take PyTorch's
// OneCycleLR defaults.
type OneCycleConfig struct {
	PctStart       float64 // fraction of steps spent rising (0.3)
	DivFactor      float64 // initial = peak/DivFactor (25)
	FinalDivFactor float64 // minimum = initial/FinalDivFactor (1e4)
	Linear         bool    // linear instead of cosine annealing
	ThreePhase     bool    // rise, fall back to initial, then anneal to minimum
}

// OneCycle is the one-cycle policy ("Super-Convergence: Very Fast Training
// of Neural Networks Using Large Learning Rates") as PyTorch's OneCycleLR
// computes it over total steps: phases end at steps PctStart·T − 1 (peak),
// [2·PctStart·T − 2 (initial), for three phases] and T − 1 (minimum), with
// cosine annealing f(a, b, x) = b + (a − b)(1 + cos πx)/2 inside each phase.
func OneCycle(peak float64, total int, cfg OneCycleConfig) (Schedule, error) {
	if cfg.PctStart == 0 {
		cfg.PctStart = 0.3
	}
	if cfg.DivFactor == 0 {
		cfg.DivFactor = 25
	}
	if cfg.FinalDivFactor == 0 {
		cfg.FinalDivFactor = 1e4
	}
	for _, e := range []error{finite("peak", peak), horizon(total),
		check("PctStart", cfg.PctStart, cfg.PctStart > 0 && cfg.PctStart < 1, "must be in (0, 1)"),
		check("DivFactor", cfg.DivFactor, cfg.DivFactor > 0 && !math.IsInf(cfg.DivFactor, 1), "must be finite and > 0"),
		check("FinalDivFactor", cfg.FinalDivFactor, cfg.FinalDivFactor > 0 && !math.IsInf(cfg.FinalDivFactor, 1), "must be finite and > 0")} {
		if e != nil {
			return nil, e
		}
	}
	initial := peak / cfg.DivFactor
	minimum := initial / cfg.FinalDivFactor
	if math.IsInf(initial, 0) || math.IsInf(minimum, 0) {
		return nil, fmt.Errorf("%w: OneCycle peak %v / DivFactor %v / FinalDivFactor %v overflows", ErrInvalid, peak, cfg.DivFactor, cfg.FinalDivFactor)
	}
	type phase struct {
		end        float64
		start, fin float64
	}
	var phases []phase
	if cfg.ThreePhase {
		phases = []phase{
			{cfg.PctStart*float64(total) - 1, initial, peak},
			{2*cfg.PctStart*float64(total) - 2, peak, initial},
			{float64(total) - 1, initial, minimum},
		}
	} else {
		phases = []phase{
			{cfg.PctStart*float64(total) - 1, initial, peak},
			{float64(total) - 1, peak, minimum},
		}
	}
	for i := 1; i < len(phases); i++ {
		if !(phases[i].end > phases[i-1].end) || phases[0].end <= 0 {
			return nil, fmt.Errorf("%w: OneCycle with T = %d and PctStart = %v has an empty phase", ErrInvalid, total, cfg.PctStart)
		}
	}
	anneal := func(a, b, x float64) float64 {
		if cfg.Linear {
			return lerp(a, b, x)
		}
		return lerp(b, a, (1+math.Cos(math.Pi*x))/2)
	}
	return funcSchedule(func(t int) float64 {
		s := float64(min(t, total-1))
		begin := 0.0
		for i, p := range phases {
			if s <= p.end || i == len(phases)-1 {
				return anneal(p.start, p.fin, (s-begin)/(p.end-begin))
			}
			begin = p.end
		}
		return minimum
	}), nil
}
