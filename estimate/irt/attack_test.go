package irt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// attackFloats are the values every float parameter is attacked with.
var attackFloats = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, math.Copysign(0, -1),
	float64(math.MaxInt), 1e308, -1e308, math.MaxFloat64, 5e-324, 0.5,
}

// attackInts are the values every int parameter is attacked with.
var attackInts = []int{-1, 0, 1, math.MaxInt, math.MinInt, 1 << 40}

// probe calls one entry point with x in one argument position and returns
// every float it produced.
type probe struct {
	name string
	call func(x float64) ([]float64, error)
}

// sessionProbe runs op on a fresh session with two observations and checks
// that a failed op leaves the snapshot bytes unchanged.
func sessionProbe(t *testing.T, cfg SessionConfig, op func(s *Session) ([]float64, error)) ([]float64, error) {
	t.Helper()
	s, err := NewSession(goldenBank(), cfg)
	if err != nil {
		return nil, err
	}
	_ = s.Observe(0, 1, 1)
	_ = s.Observe(3, 0, 2)
	before, _ := s.Snapshot()
	out, err := op(s)
	if err != nil {
		if after, _ := s.Snapshot(); !bytes.Equal(before, after) {
			t.Errorf("failed call changed the session's snapshot")
		}
	}
	return out, err
}

// TestAttackFloats attacks every float parameter of every exported entry
// point: no panic, and either an error wrapping ErrInvalid or finite
// outputs.
func TestAttackFloats(t *testing.T) {
	bank := goldenBank()
	x := []float64{1, 1, 0, 0, 1}
	ab := func(a Ability, err error) ([]float64, error) {
		return append(append(append([]float64(nil), a.Theta...), a.SE...), a.Cov...), err
	}
	one := func(v float64, err error) ([]float64, error) { return []float64{v}, err }
	withAt := func(xs []float64, k int, v float64) []float64 {
		c := append([]float64(nil), xs...)
		c[k] = v
		return c
	}
	probes := []probe{
		{"TwoPL+TestInfo(a)", func(v float64) ([]float64, error) { return one(TestInfo([]Item{TwoPL(v, 0)}, 0)) }},
		{"TwoPL+TestInfo(b)", func(v float64) ([]float64, error) { return one(TestInfo([]Item{TwoPL(1, v)}, 0)) }},
		{"ThreePL+TestInfo(c)", func(v float64) ([]float64, error) { return one(TestInfo([]Item{ThreePL(1, 0, v)}, 0)) }},
		{"OnePL+StandardError(b)", func(v float64) ([]float64, error) { return one(StandardError([]Item{OnePL(v)}, 0)) }},
		{"TestInfo(θ)", func(v float64) ([]float64, error) { return one(TestInfo(bank, v)) }},
		{"StandardError(θ)", func(v float64) ([]float64, error) { return one(StandardError(bank, v)) }},
		{"Item.Difficulty(a)", func(v float64) ([]float64, error) { return one(Item{A: []float64{v}, D: 1}.Difficulty()) }},
		{"Item.Difficulty(d)", func(v float64) ([]float64, error) { return one(Item{A: []float64{1e-300}, D: v}.Difficulty()) }},
		{"Item.MaxInfoTheta(a)", func(v float64) ([]float64, error) { return one(Item{A: []float64{v}, D: 1, U: 0.9}.MaxInfoTheta()) }},
		{"Item.MaxInfoTheta(u)", func(v float64) ([]float64, error) { return one(Item{A: []float64{1}, U: v}.MaxInfoTheta()) }},
		{"Item.InfoMatrix(θ)", func(v float64) ([]float64, error) {
			dst := make([]float64, 4)
			err := Item{A: []float64{1, 2}}.InfoMatrix(dst, []float64{v, 0})
			return dst, err
		}},
		{"MAP(response)", func(v float64) ([]float64, error) { return ab(MAP(bank, withAt(x, 2, v), AbilityConfig{})) }},
		{"MAP(PriorMean)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{PriorMean: v})) }},
		{"MAP(PriorSD)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{PriorSD: v})) }},
		{"MAP(Lo)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{Lo: v, Hi: 4})) }},
		{"MAP(Hi)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{Lo: -4, Hi: v})) }},
		{"MAP(Tol)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{Tol: v})) }},
		{"MAP(Start)", func(v float64) ([]float64, error) { return ab(MAP(bank, x, AbilityConfig{Start: []float64{v}})) }},
		{"MLE(response)", func(v float64) ([]float64, error) { return ab(MLE(bank, withAt(x, 0, v), AbilityConfig{})) }},
		{"MLE(Start)", func(v float64) ([]float64, error) {
			return ab(MLE(bank, []float64{1, 1, 1, 1, 1}, AbilityConfig{Start: []float64{v}, Extreme: ExtremeDodd}))
		}},
		{"EAP(response)", func(v float64) ([]float64, error) { return ab(EAP(bank, withAt(x, 4, v), EAPConfig{})) }},
		{"EAP(PriorMean)", func(v float64) ([]float64, error) { return ab(EAP(bank, x, EAPConfig{PriorMean: v})) }},
		{"EAP(PriorSD)", func(v float64) ([]float64, error) { return ab(EAP(bank, x, EAPConfig{PriorSD: v})) }},
		{"EAP(Lo)", func(v float64) ([]float64, error) { return ab(EAP(bank, x, EAPConfig{Lo: v, Hi: 1})) }},
		{"Session.Observe(score)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{}, func(s *Session) ([]float64, error) {
				err := s.Observe(1, v, 1)
				return append(s.Ability().Theta, s.Spent()), err
			})
		}},
		{"Session.Observe(cost)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{}, func(s *Session) ([]float64, error) {
				err := s.Observe(1, 1, v)
				return append(s.Ability().SE, s.Spent()), err
			})
		}},
		{"NewSession(Costs)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{Costs: []float64{1, v, 1, 1, 1}, CostExponent: 1}, func(s *Session) ([]float64, error) {
				s.Next()
				p, err := s.PredictScore([]int{1, 2})
				return []float64{p.Mean, p.SD}, err
			})
		}},
		{"NewSession(Budget)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{Budget: v}, func(s *Session) ([]float64, error) { s.Next(); return nil, nil })
		}},
		{"NewSession(CostExponent)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{CostExponent: v, Costs: []float64{1e-300, 1e300, 1, 2, 3}}, func(s *Session) ([]float64, error) { s.Next(); return nil, nil })
		}},
		{"NewSession(MaxSE)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{Stopping: Stopping{MaxSE: v}}, func(s *Session) ([]float64, error) { s.Next(); return nil, nil })
		}},
		{"NewSession(MinChange)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{Stopping: Stopping{MinChange: v}}, func(s *Session) ([]float64, error) { s.Next(); return nil, nil })
		}},
		{"NewSession(MAP.PriorSD)", func(v float64) ([]float64, error) {
			return sessionProbe(t, SessionConfig{MAP: AbilityConfig{PriorSD: v}}, func(s *Session) ([]float64, error) { return s.Ability().SE, nil })
		}},
		{"Calibrate(cell)", func(v float64) ([]float64, error) {
			m := [][]float64{{1, 0, 1}, {0, 0, 1}, {1, 1, v}, {0, 1, 1}}
			c, err := Calibrate(context.Background(), m, CalibrateConfig{Holdout: -1, MaxIter: 20})
			return calibrationFloats(c), err
		}},
		{"Calibrate(Holdout)", func(v float64) ([]float64, error) {
			c, err := Calibrate(context.Background(), [][]float64{{1, 0}, {0, 1}, {1, 1}, {0, 0}}, CalibrateConfig{Holdout: v, MaxIter: 20})
			return calibrationFloats(c), err
		}},
		{"Calibrate(Tol)", func(v float64) ([]float64, error) {
			c, err := Calibrate(context.Background(), [][]float64{{1, 0}, {0, 1}, {1, 1}}, CalibrateConfig{Tol: v, MaxIter: 20, Holdout: -1})
			return calibrationFloats(c), err
		}},
		{"Calibrate(QuadRange)", func(v float64) ([]float64, error) {
			c, err := Calibrate(context.Background(), [][]float64{{1, 0}, {0, 1}, {1, 1}}, CalibrateConfig{QuadRange: v, MaxIter: 20, Holdout: -1})
			return calibrationFloats(c), err
		}},
		{"Calibrate(SlopePriorSD, JML)", func(v float64) ([]float64, error) {
			c, err := Calibrate(context.Background(), [][]float64{{1, 0}, {0, 1}, {1, 1}}, CalibrateConfig{Method: MethodJML, SlopePriorSD: v, MaxIter: 20, Holdout: -1})
			return calibrationFloats(c), err
		}},
		{"AnchorPoints(feature)", func(v float64) ([]float64, error) {
			a, err := AnchorPoints([][]float64{{0}, {1}, {v}}, AnchorConfig{K: 2})
			return a.Weights, err
		}},
		{"AnchorPoints(weight)", func(v float64) ([]float64, error) {
			a, err := AnchorPoints([][]float64{{0}, {1}, {2}}, AnchorConfig{K: 2, Weights: []float64{1, v, 1}})
			return a.Weights, err
		}},
		{"Anchors.Score", func(v float64) ([]float64, error) {
			return one(Anchors{Items: []int{0, 1}, Weights: []float64{0.5, 0.5}}.Score([]float64{1, v}))
		}},
		{"PIRT(seen)", func(v float64) ([]float64, error) { return one(PIRT([]float64{v}, []float64{0.5})) }},
		{"PIRT(unseen)", func(v float64) ([]float64, error) { return one(PIRT([]float64{1}, []float64{v})) }},
		{"GPIRTLambda(b)", func(v float64) ([]float64, error) { return one(GPIRTLambda(v, 1, 3)) }},
		{"GPIRTLambda(v)", func(v float64) ([]float64, error) { return one(GPIRTLambda(0.1, v, 3)) }},
		{"GPIRT(anchor)", func(v float64) ([]float64, error) { return one(GPIRT(v, 0.5, 0.5)) }},
		{"GPIRT(λ)", func(v float64) ([]float64, error) { return one(GPIRT(0.5, 0.5, v)) }},
		{"BinarizeThreshold", func(v float64) ([]float64, error) { return one(BinarizeThreshold([][]float64{{v, 0.5}})) }},
		{"Binarize(c)", func(v float64) ([]float64, error) {
			b, err := Binarize([][]float64{{0.2, 0.8}}, v)
			if err != nil {
				return nil, err
			}
			return b[0], nil
		}},
		{"Binarize(cell)", func(v float64) ([]float64, error) {
			b, err := Binarize([][]float64{{v, 0.8}}, 0.5)
			if err != nil || math.IsNaN(v) {
				return nil, err
			}
			return b[0], nil
		}},
	}
	for _, p := range probes {
		for _, v := range attackFloats {
			out, err := p.call(v)
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s(%v): error %v does not wrap ErrInvalid", p.name, v, err)
				}
				continue
			}
			if !finite(out...) {
				t.Errorf("%s(%v) = %v with a nil error", p.name, v, out)
			}
		}
	}
}

func calibrationFloats(c *Calibration) []float64 {
	if c == nil {
		return nil
	}
	var out []float64
	for _, it := range c.Bank {
		out = append(out, it.A...)
		out = append(out, it.D)
	}
	for _, a := range c.Abilities {
		out = append(out, a...)
	}
	return append(out, c.Report.LogLik)
}

// TestAttackInts attacks the int parameters and lengths.
func TestAttackInts(t *testing.T) {
	bank := goldenBank()
	x := []float64{1, 1, 0, 0, 1}
	m := [][]float64{{1, 0, 1}, {0, 0, 1}, {1, 1, 0}, {0, 1, 1}}
	ctx := context.Background()
	for _, n := range attackInts {
		calls := map[string]error{}
		_, calls["MAP.MaxIter"] = MAP(bank, x, AbilityConfig{MaxIter: min(n, 1000)})
		_, calls["EAP.Nodes"] = EAP(bank, x, EAPConfig{Nodes: n})
		_, calls["NewSession.Randomesque"] = NewSession(bank, SessionConfig{Randomesque: n})
		_, calls["NewSession.MinItems"] = NewSession(bank, SessionConfig{Stopping: Stopping{MinItems: n}})
		_, calls["NewSession.MaxItems"] = NewSession(bank, SessionConfig{Stopping: Stopping{MaxItems: n}})
		_, calls["NewSession.Selection"] = NewSession(bank, SessionConfig{Selection: Selection(n)})
		_, calls["Calibrate.Dims"] = Calibrate(ctx, m, CalibrateConfig{Dims: []int{min(n, 100)}, MaxIter: 5, Holdout: -1})
		_, calls["Calibrate.QuadNodes"] = Calibrate(ctx, m, CalibrateConfig{QuadNodes: n, MaxIter: 5, Holdout: -1})
		_, calls["Calibrate.Method"] = Calibrate(ctx, m, CalibrateConfig{Method: Method(n), MaxIter: 5, Holdout: -1})
		_, calls["Calibrate.MaxIter"] = Calibrate(ctx, m, CalibrateConfig{MaxIter: min(n, 50), Holdout: -1})
		_, calls["AnchorPoints.K"] = AnchorPoints([][]float64{{0}, {1}}, AnchorConfig{K: n})
		_, calls["AnchorPoints.Restarts"] = AnchorPoints([][]float64{{0}, {1}}, AnchorConfig{K: 1, Restarts: min(n, 20)})
		_, calls["GPIRTLambda.n"] = GPIRTLambda(0.1, 1, n)
		_, calls["MLE.Extreme"] = MLE(bank, x, AbilityConfig{Extreme: Extreme(n)})
		s, _ := NewSession(bank, SessionConfig{})
		calls["Session.Observe(item)"] = s.Observe(n, 1, 1)
		_, calls["Session.PredictScore"] = s.PredictScore([]int{n})
		for name, err := range calls {
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("%s = %d: error %v does not wrap ErrInvalid", name, n, err)
			}
		}
	}
}

// TestAttackShapes attacks slice arguments: nil, empty, mismatched, ragged.
func TestAttackShapes(t *testing.T) {
	bank := goldenBank()
	ctx := context.Background()
	s, _ := NewSession(bank, SessionConfig{})
	huge := strings.Repeat("x", 10<<20)
	cases := map[string]func() error{
		"ValidateBank(nil)":     func() error { _, err := ValidateBank(nil); return err },
		"ValidateBank(mixed D)": func() error { _, err := ValidateBank([]Item{TwoPL(1, 0), {A: []float64{1, 1}}}); return err },
		"ValidateBank(D = 0)":   func() error { _, err := ValidateBank([]Item{{}}); return err },
		"TestInfo(no θ)":        func() error { _, err := TestInfo(bank); return err },
		"MAP(nil responses)":    func() error { _, err := MAP(bank, nil, AbilityConfig{}); return err },
		"MAP(nil bank)":         func() error { _, err := MAP(nil, nil, AbilityConfig{}); return err },
		"MAP(Start wrong D)": func() error {
			_, err := MAP(bank, make([]float64, 5), AbilityConfig{Start: []float64{0, 0}})
			return err
		},
		"MLE(nothing observed)":     func() error { _, err := MLE(bank, []float64{nan, nan, nan, nan, nan}, AbilityConfig{}); return err },
		"EAP(D = 3)":                func() error { _, err := EAP([]Item{{A: []float64{1, 1, 1}}}, []float64{1}, EAPConfig{}); return err },
		"NewSession(nil)":           func() error { _, err := NewSession(nil, SessionConfig{}); return err },
		"NewSession(short Costs)":   func() error { _, err := NewSession(bank, SessionConfig{Costs: []float64{1}}); return err },
		"PredictScore(nil)":         func() error { _, err := s.PredictScore(nil); return err },
		"PredictTasks(nil)":         func() error { _, err := s.PredictTasks(nil); return err },
		"Restore(nil)":              func() error { return s.Restore(nil) },
		"Calibrate(nil)":            func() error { _, err := Calibrate(ctx, nil, CalibrateConfig{}); return err },
		"Calibrate(empty row)":      func() error { _, err := Calibrate(ctx, [][]float64{{}}, CalibrateConfig{}); return err },
		"Calibrate(ragged)":         func() error { _, err := Calibrate(ctx, [][]float64{{1, 0}, {1}}, CalibrateConfig{}); return err },
		"Calibrate(all NaN column)": func() error { _, err := Calibrate(ctx, [][]float64{{1, nan}, {0, nan}}, CalibrateConfig{}); return err },
		"Calibrate(empty Dims)": func() error {
			_, err := Calibrate(ctx, [][]float64{{1, 0}}, CalibrateConfig{Dims: []int{}})
			return err
		},
		"AnchorPoints(nil)":    func() error { _, err := AnchorPoints(nil, AnchorConfig{K: 1}); return err },
		"AnchorPoints(ragged)": func() error { _, err := AnchorPoints([][]float64{{1}, {1, 2}}, AnchorConfig{K: 1}); return err },
		"Anchors.Score(mismatch)": func() error {
			_, err := Anchors{Items: []int{1}, Weights: []float64{1}}.Score(nil)
			return err
		},
		"PIRT(nil, nil)":          func() error { _, err := PIRT(nil, nil); return err },
		"BinarizeThreshold(nil)":  func() error { _, err := BinarizeThreshold(nil); return err },
		"InfoMatrix(short dst)":   func() error { return TwoPL(1, 0).InfoMatrix(nil, []float64{0}) },
		"Item.Difficulty(D = 2)":  func() error { _, err := Item{A: []float64{1, 1}}.Difficulty(); return err },
		"MaxInfoTheta(invalid c)": func() error { _, err := ThreePL(1, 0, 2).MaxInfoTheta(); return err },
	}
	// Labels are opaque map keys: any bytes and any length are accepted.
	pred, err := s.PredictTasks([]string{huge, "\xff", "", huge, "a"})
	if err != nil || len(pred) != 3 || !finite(pred[huge].Mean, pred[huge].SD, pred["\xff"].Mean) {
		t.Errorf("PredictTasks(10 MB label) = %v, %v", len(pred), err)
	}
	for name, call := range cases {
		before, _ := s.Snapshot()
		if err := call(); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
		if after, _ := s.Snapshot(); !bytes.Equal(before, after) {
			t.Errorf("%s changed the session", name)
		}
	}
}

var nan = math.NaN()
