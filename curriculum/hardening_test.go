package curriculum

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Regression tests for issue 14. Each failed before the fix it names.

// TestHugeFeedbackStaysFinite: DUMP Update with {1e308, 1e308} gave NaN
// probabilities; SEC, UCB1, SW-UCB, D-UCB and Exp3 ended with +Inf in their
// state and Snapshot failed. Every statistic is now a mean.
func TestHugeFeedbackStaysFinite(t *testing.T) {
	arms := []string{"a", "b", "c"}
	for m := DUMP; m < Thompson; m++ {
		for _, vals := range [][]float64{{1e308, 1e308}, {math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64}, {5e-324, 1e308}} {
			for _, c := range []float64{0, 1e308} {
				cfg := SamplerConfig{Method: m, C: c, Temperature: 1e-300}
				if m != DUMP && m != SEC {
					cfg.Temperature = 0
				}
				s := curMust(t, arms, cfg)
				for step := 0; step < 4; step++ {
					fb := []Feedback{{Arm: step % 3, Values: vals}, {Arm: 2, Values: []float64{1}}}
					if m == Exp3 {
						fb[0].Prob = s.exp3Floor()
					}
					if err := s.Update(step, fb); err != nil {
						t.Fatalf("%v %v: %v", m, vals, err)
					}
					curCheckProbs(t, s.Probs())
				}
				data, err := s.Snapshot()
				if err != nil {
					t.Fatalf("%v %v C=%g: Snapshot: %v", m, vals, c, err)
				}
				r := curMust(t, arms, cfg)
				if err := r.Restore(data); err != nil {
					t.Fatalf("%v %v C=%g: a sampler's own snapshot refused: %v", m, vals, c, err)
				}
			}
		}
	}
	// DUMP's validation feed takes signed values of any finite size.
	v := curMust(t, arms, SamplerConfig{ValidationFeed: true})
	for i, x := range []float64{math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64} {
		if err := v.FeedValidation(0, x); err != nil {
			t.Fatal(err)
		}
		curCheckProbs(t, v.Probs())
		if _, err := v.Snapshot(); err != nil {
			t.Fatalf("feed %d: %v", i, err)
		}
	}
}

// TestExp3TinyProbRefused: Prob = 5e-324 made the log-weight +Inf.
func TestExp3TinyProbRefused(t *testing.T) {
	s := curMust(t, []string{"a", "b"}, SamplerConfig{Method: Exp3})
	before, _ := s.Snapshot()
	for _, p := range []float64{5e-324, 1e-300, s.exp3Floor() / 2} {
		if err := s.Update(1, []Feedback{{Arm: 0, Values: []float64{1}, Prob: p}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Prob %g: %v", p, err)
		}
	}
	if after, _ := s.Snapshot(); !bytes.Equal(before, after) {
		t.Fatal("refused Updates changed the sampler")
	}
	// At the floor every increment is at most 1.
	for step := 0; step < 100; step++ {
		if err := s.Update(step, []Feedback{{Arm: 0, Values: []float64{1e308}, Prob: s.exp3Floor()}}); err != nil {
			t.Fatal(err)
		}
	}
	if q := s.st.Q[0]; !(q > 0 && q <= 100) {
		t.Fatalf("log-weight %v after 100 steps", q)
	}
}

// TestSizeLimits: MaxInt-sized windows, arms, skills and groups made
// makeslice panic; now they are refused with ErrInvalid, and the largest
// accepted sizes allocate only what is fed.
func TestSizeLimits(t *testing.T) {
	for _, cfg := range []SamplerConfig{
		{Method: DUMP, Window: math.MaxInt}, {Method: SWUCB, Window: math.MaxInt}, {Method: DUMP, Window: MaxWindow + 1},
	} {
		if _, err := NewSampler([]string{"a"}, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if _, err := NewSampler(make([]string, MaxArms+1), SamplerConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("MaxArms+1 arms: %v", err)
	}
	s := curMust(t, []string{"a", "b"}, SamplerConfig{Method: DUMP, Window: MaxWindow})
	if err := s.Update(1, []Feedback{{Arm: 0, Values: []float64{1}}}); err != nil || cap(s.st.Windows[0]) > 16 {
		t.Fatalf("window of MaxWindow: %v, capacity %d", err, cap(s.st.Windows[0]))
	}
	for _, k := range []int{math.MaxInt, MaxSkills + 1, -1} {
		if _, err := NewSkillIt(k, SkillItConfig{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewSkillIt(%d): %v", k, err)
		}
	}
	if _, err := NewSkillIt(2, SkillItConfig{Window: math.MaxInt}); !errors.Is(err, ErrInvalid) {
		t.Error("SkillIt window MaxInt accepted")
	}
	k, err := NewSkillIt(2, SkillItConfig{Window: MaxWindow})
	if err != nil || k.Observe([]float64{1, 2}) != nil || cap(k.hist) > 16 {
		t.Fatalf("SkillIt window of MaxWindow: %v", err)
	}
	for _, c := range [][2]int{{0, math.MaxInt}, {0, MaxGroup + 1}, {-1, 4}, {5, 4}, {0, 0}} {
		if _, err := BinaryAdvantages(c[0], c[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("BinaryAdvantages%v: %v", c, err)
		}
	}
	got, rounds, err := Stack(context.Background(), math.MaxInt, 2, func(context.Context) ([]int, error) { return []int{1, 2}, nil }, func(int) bool { return true })
	if err != nil || rounds != 2 || len(got) != 4 {
		t.Fatalf("Stack(need = MaxInt): %v %d %v", got, rounds, err)
	}
	// A per-arm count past 2^53 is refused, so every snapshot restores.
	u := curMust(t, []string{"a"}, SamplerConfig{Method: UCB1})
	u.st.Counts[0] = maxCount
	if err := u.Update(1, []Feedback{{Arm: 0, Values: []float64{1}}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("count past 2^53: %v", err)
	}
}

// TestCountersNeverWrap: a Pool's epoch and a SkillIt's round count stop
// short of wrapping, and the snapshots they write still restore.
func TestCountersNeverWrap(t *testing.T) {
	p, _ := NewPool([][]string{{"x", "y"}}, PoolConfig{Mode: Shuffled, Seed: 1})
	p.epoch[0], p.cursor[0] = math.MaxInt, 2
	if _, _, err := p.Draw(0, nil); err != nil || p.epoch[0] < 0 {
		t.Fatalf("epoch after MaxInt: %d, %v", p.epoch[0], err)
	}
	data, _ := p.Snapshot()
	if err := p.Restore(data); err != nil {
		t.Fatal(err)
	}
	k, _ := NewSkillIt(2, SkillItConfig{})
	k.rounds = math.MaxInt - 1
	if err := k.Observe([]float64{1, 1}); err != nil || k.rounds != math.MaxInt-1 {
		t.Fatalf("rounds %d, %v", k.rounds, err)
	}
	data, err := k.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Restore(data); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreRefusesCorruption: truncated data, another kind or version,
// NaN, negative counts, wrong lengths and out-of-domain values (a Thompson
// α of 1e308 was accepted) are refused with ErrSnapshot, and the receiver
// keeps its state.
func TestRestoreRefusesCorruption(t *testing.T) {
	arms := []string{"a", "b"}
	good := map[Method]*Sampler{}
	for m := DUMP; m <= Thompson; m++ {
		s := curMust(t, arms, SamplerConfig{Method: m, Window: map[bool]int{true: 3}[m == DUMP || m == SWUCB]})
		for step := 0; step < 5; step++ {
			_ = s.Update(step, []Feedback{{Arm: step % 2, Values: []float64{0, 1, 1}}})
		}
		good[m] = s
	}
	type corrupt struct {
		m          Method
		from, to   string
		whole      bool // replace the whole snapshot with `to`
		truncateAt int
	}
	cases := []corrupt{
		{m: Thompson, from: `"alpha":[`, to: `"alpha":[1e308,`},
		{m: Thompson, from: `"alpha":[`, to: `"alpha":[0.5,`},
		{m: Thompson, from: `"beta":[`, to: `"beta":[-1,`},
		{m: Thompson, from: `"alpha":[`, to: `"alpha":[NaN,`},
		{m: Thompson, from: `"alpha":[`, to: `"alpha":[6e14,`},
		{m: DUMP, from: `"counts":[`, to: `"counts":[-1,`},
		{m: DUMP, from: `"counts":[`, to: `"counts":[1e300,`},
		{m: DUMP, from: `"win_start":[`, to: `"win_start":[7,`},
		{m: DUMP, from: `"windows":[[`, to: `"windows":[[-1,`},
		{m: DUMP, from: `"windows":[[`, to: `"windows":[[1,1,1,1,`},
		{m: SEC, from: `"q":[`, to: `"q":[-1e308,`},
		{m: SEC, from: `"q":[`, to: `"q":[1,`},
		{m: UCB1, from: `"means":[`, to: `"means":[-0.5,`},
		{m: DUCB, from: `"counts":[`, to: `"counts":[1e300,`},
		{m: SWUCB, from: `"steps":[{"step":`, to: `"steps":[{"step":-100,"means":[0,0],"counts":[1,1]},{"step":`},
		{m: SWUCB, from: `"counts":[`, to: `"counts":[-1,`},
		{m: Exp3, from: `"q":[`, to: `"q":[1e309,`},
		{m: Exp3, from: `"started":true`, to: `"started":false`},
		{m: DUMP, from: `"version":2`, to: `"version":1`},
		{m: DUMP, from: `"kind":"curriculum.Sampler"`, to: `"kind":"curriculum.Pool"`},
		{m: DUMP, whole: true, to: ``},
		{m: DUMP, whole: true, to: `{}`},
		{m: DUMP, whole: true, to: `null`},
		{m: DUMP, truncateAt: 40},
		{m: SEC, truncateAt: 100},
	}
	for i, c := range cases {
		s := good[c.m]
		data, err := s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		bad := data
		switch {
		case c.whole:
			bad = []byte(c.to)
		case c.truncateAt > 0:
			bad = data[:c.truncateAt]
		default:
			if !bytes.Contains(data, []byte(c.from)) {
				t.Fatalf("case %d: %q not in %s", i, c.from, data)
			}
			bad = bytes.Replace(data, []byte(c.from), []byte(c.to), 1)
		}
		if err := s.Restore(bad); !errors.Is(err, ErrSnapshot) {
			t.Errorf("case %d (%v %q → %q): %v", i, c.m, c.from, c.to, err)
		}
		if after, _ := s.Snapshot(); !bytes.Equal(after, data) {
			t.Errorf("case %d: a refused Restore changed the sampler", i)
		}
	}
	// SkillIt and Pool.
	k, _ := NewSkillIt(2, SkillItConfig{Normalize: true})
	_ = k.Observe([]float64{1, 2})
	kd, _ := k.Snapshot()
	for _, c := range [][2]string{{`"first":[`, `"first":[0,`}, {`"hist":[[`, `"hist":[[1e309,`}, {`"rounds":1`, `"rounds":0`}, {`"next":0`, `"next":3`}, {`"rounds":1`, `"rounds":-1`}} {
		if err := k.Restore(bytes.Replace(kd, []byte(c[0]), []byte(c[1]), 1)); !errors.Is(err, ErrSnapshot) {
			t.Errorf("SkillIt %q → %q: %v", c[0], c[1], err)
		}
	}
	if after, _ := k.Snapshot(); !bytes.Equal(after, kd) {
		t.Error("refused Restores changed the SkillIt")
	}
	p, _ := NewPool([][]string{{"x", "y"}}, PoolConfig{Mode: Shuffled})
	pd, _ := p.Snapshot()
	for _, c := range [][2]string{{`"epoch":[0]`, `"epoch":[-1]`}, {`"cursor":[0]`, `"cursor":[3]`}, {`"cursor":[0]`, `"cursor":[0,0]`}} {
		if err := p.Restore(bytes.Replace(pd, []byte(c[0]), []byte(c[1]), 1)); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Pool %q → %q: %v", c[0], c[1], err)
		}
	}
}

// TestSnapshotContinuation: for every stateful type, snapshot mid-run,
// restore into a fresh object, continue both with the same inputs, and get
// bit-identical outputs.
func TestSnapshotContinuation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, cfg := range []SkillItConfig{
		{Edges: [][2]int{{0, 1}, {2, 0}}, DynamicLambda: true},
		{Normalize: true, EtaByLoss: true, SecondLossAsFirst: true, Window: 2},
		{Prior: []float64{1, 2, 3}, EtaSchedule: func(t int) float64 { return 0.1 * float64(t%5) }},
	} {
		a, _ := NewSkillIt(3, cfg)
		losses := func() []float64 { return []float64{0.5 + r.Float64(), 0.5 + r.Float64(), 0.5 + r.Float64()} }
		for range 4 {
			_ = a.Observe(losses())
		}
		data, err := a.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewSkillIt(3, cfg)
		if err := b.Restore(data); err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		for range 6 {
			l := losses()
			_ = a.Observe(l)
			_ = b.Observe(l)
			pa, pb := a.Probs(), b.Probs()
			for i := range pa {
				if math.Float64bits(pa[i]) != math.Float64bits(pb[i]) {
					t.Fatalf("%+v: restored SkillIt diverged: %v vs %v", cfg, pa, pb)
				}
			}
		}
	}
	// A Sampler's continuation is TestSamplerSnapshotReplay; a Pool's is
	// TestPool.
}

// attackFloats and attackInts are the hostile values every entry point
// meets.
var (
	attackFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 5e-324, 1e308, -1e308, math.MaxFloat64, 2}
	attackInts   = []int{-1, 0, math.MaxInt, math.MinInt, 1 << 40}
	big          = strings.Repeat("x", 10<<20)
	attackStrs   = []string{"", "\xff\xfe", big, "a"}
)

type badSource struct{ a, b float64 }

func (s badSource) Posterior(string) (float64, float64, error) { return s.a, s.b, nil }

type badPred struct{ p float64 }

func (b badPred) Estimate(string) (float64, bool) { return b.p, true }

// TestAttack calls every exported entry point with hostile inputs and
// checks three things: no panic; an error wraps ErrInvalid (or the
// documented sentinel); and for methods on stateful types, the Snapshot
// bytes are identical before and after a failed call. A call that
// succeeds must leave an object that still publishes finite probabilities
// and restores its own snapshot.
func TestAttack(t *testing.T) {
	calls, inputs := 0, map[string]bool{}
	run := func(name string, snap func() ([]byte, error), call func() error, sentinels ...error) {
		t.Helper()
		calls++
		inputs[name] = true
		var before []byte
		if snap != nil {
			before, _ = snap()
		}
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil { // the test reports panics; the package never recovers
					t.Errorf("%s: panic: %v", name, p)
				}
			}()
			err = call()
		}()
		if err == nil {
			return
		}
		ok := errors.Is(err, ErrInvalid)
		for _, s := range sentinels {
			ok = ok || errors.Is(err, s)
		}
		if !ok {
			t.Errorf("%s: error %v wraps no sentinel", name, err)
		}
		if snap != nil {
			if after, _ := snap(); !bytes.Equal(before, after) {
				t.Errorf("%s: failed call changed the snapshot", name)
			}
		}
	}
	healthy := func(name string, s *Sampler) {
		t.Helper()
		p := s.Probs()
		var sum float64
		for _, x := range p {
			if !(x >= 0 && x <= 1) {
				t.Fatalf("%s: probabilities %v", name, p)
			}
			sum += x
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("%s: probabilities sum to %v", name, sum)
		}
		data, err := s.Snapshot()
		if err != nil {
			t.Fatalf("%s: Snapshot: %v", name, err)
		}
		if err := s.Restore(data); err != nil {
			t.Fatalf("%s: own snapshot refused: %v", name, err)
		}
	}

	// NewSampler: every config field and arm list.
	armSets := [][]string{nil, {}, {""}, {"a", "a"}, {"\xff"}, {big, "b"}, {"a", "b"}}
	for _, arms := range armSets {
		run("NewSampler(arms)", nil, func() error {
			s, err := NewSampler(arms, SamplerConfig{})
			if err == nil {
				healthy("NewSampler(arms)", s)
			}
			return err
		})
	}
	setters := map[string]func(*SamplerConfig, float64){
		"C": func(c *SamplerConfig, v float64) { c.C = v }, "Temperature": func(c *SamplerConfig, v float64) { c.Temperature = v },
		"Alpha": func(c *SamplerConfig, v float64) { c.Alpha = v }, "Gamma": func(c *SamplerConfig, v float64) { c.Gamma = v },
		"RewardScale": func(c *SamplerConfig, v float64) { c.RewardScale = v }, "Decay": func(c *SamplerConfig, v float64) { c.Decay = v },
		"Epsilon": func(c *SamplerConfig, v float64) { c.Epsilon = v },
	}
	for m := Method(-1); m <= Thompson+1; m++ {
		for field, set := range setters {
			for _, v := range attackFloats {
				cfg := SamplerConfig{Method: m}
				set(&cfg, v)
				name := fmt.Sprintf("NewSampler(%v, %s = %v)", m, field, v)
				run(name, nil, func() error {
					s, err := NewSampler([]string{"a", "b"}, cfg)
					if err == nil {
						for step := 0; step < 3; step++ {
							_ = s.Update(step, []Feedback{{Arm: step % 2, Values: []float64{1e308, 0.5}, Prob: 0.5}})
						}
						healthy(name, s)
					}
					return err
				})
			}
		}
		for _, w := range attackInts {
			run("NewSampler(Window)", nil, func() error { _, err := NewSampler([]string{"a"}, SamplerConfig{Method: m, Window: w}); return err })
		}
		run("NewSampler(flags)", nil, func() error {
			_, err := NewSampler([]string{"a"}, SamplerConfig{Method: m, ValidationFeed: true, DecayObservedOnly: true})
			return err
		})
	}

	// Sampler methods, for every method.
	for m := DUMP; m <= Thompson; m++ {
		s := curMust(t, []string{"a", "b", "c"}, SamplerConfig{Method: m, Window: 5, ValidationFeed: m == DUMP})
		_ = s.Update(10, []Feedback{{Arm: 0, Values: []float64{0.5, 1}}})
		snap := s.Snapshot
		next := 11
		for _, v := range attackFloats {
			run("Update(Values)", snap, func() error {
				err := s.Update(next, []Feedback{{Arm: 1, Values: []float64{v}}})
				if err == nil {
					healthy("Update(Values)", s)
					next++
				}
				return err
			})
			run("Update(Prob)", snap, func() error {
				err := s.Update(next, []Feedback{{Arm: 1, Values: []float64{0}, Prob: v}})
				if err == nil {
					healthy("Update(Prob)", s)
					next++
				}
				return err
			})
			run("FeedValidation", snap, func() error { return s.FeedValidation(0, v) }, ErrUnknownArm)
		}
		for _, i := range attackInts {
			run("Update(Arm)", snap, func() error {
				return s.Update(next, []Feedback{{Arm: i, Values: []float64{0}}, {Arm: 0, Values: []float64{math.NaN()}}})
			}, ErrUnknownArm)
			run("Update(step)", snap, func() error { return s.Update(i, []Feedback{{Arm: 0, Values: []float64{math.Inf(1)}}}) }, ErrStepApplied)
			run("Update(step, nil)", snap, func() error { return s.Update(min(i, 10), nil) }, ErrStepApplied)
			run("FeedValidation(arm)", snap, func() error { return s.FeedValidation(i, 1e308+i0()) }, ErrUnknownArm)
			run("Arm", nil, func() error { _, err := s.Arm(i); return err }, ErrUnknownArm)
			run("SampleAt", nil, func() error {
				j, err := s.SampleAt(uint64(i), i, -i)
				if err == nil && (j < 0 || j > 2) {
					t.Fatalf("SampleAt gave %d", j)
				}
				return err
			})
		}
		for _, name := range attackStrs {
			run("Update(Name)", snap, func() error { return s.Update(next, []Feedback{{Name: name, Arm: 2, Values: []float64{math.NaN()}}}) }, ErrUnknownArm)
			run("Index", nil, func() error { _, err := s.Index(name); return err }, ErrUnknownArm)
		}
		run("Update(mismatched Name/Arm)", snap, func() error { return s.Update(next, []Feedback{{Name: "a", Arm: 1, Values: []float64{0}}}) })
		run("Sample(nil)", nil, func() error { _, err := s.Sample(nil); return err })
		for _, data := range [][]byte{nil, {}, []byte("{"), []byte(big), []byte(`{"kind":"curriculum.Sampler","version":2,"config":{},"state":{}}`)} {
			run("Restore", snap, func() error { return s.Restore(data) }, ErrSnapshot)
		}
	}

	// GroupFeedback and BinaryAdvantages.
	for _, i := range attackInts {
		run("GroupFeedback", nil, func() error { _, err := GroupFeedback([]int{i, 0}, []float64{math.NaN(), 1}); return err })
		run("GroupFeedback(len)", nil, func() error { _, err := GroupFeedback([]int{i}, nil); return err })
		for _, j := range attackInts {
			run("BinaryAdvantages", nil, func() error {
				adv, err := BinaryAdvantages(i, j)
				for _, a := range adv {
					if math.IsNaN(a) || math.IsInf(a, 0) {
						t.Fatalf("BinaryAdvantages(%d, %d) = %v", i, j, adv)
					}
				}
				return err
			})
		}
	}

	// Pool.
	for _, items := range [][][]string{nil, {}, {{}}, {{"a", "a"}, {big}}, {{"\xff"}}} {
		for _, mode := range []PoolMode{-1, WithReplacement, Shuffled, 9} {
			run("NewPool", nil, func() error { _, err := NewPool(items, PoolConfig{Mode: mode, Seed: math.MaxUint64}); return err })
		}
	}
	pool, _ := NewPool([][]string{{"a", "b"}, {}}, PoolConfig{Mode: Shuffled})
	wr, _ := NewPool([][]string{{"a", "b"}, {}}, PoolConfig{})
	for _, i := range attackInts {
		run("Pool.Draw", pool.Snapshot, func() error { _, _, err := pool.Draw(i, nil); return err }, ErrUnknownArm)
		run("Pool.Draw(nil rand)", wr.Snapshot, func() error { _, _, err := wr.Draw(i, nil); return err }, ErrUnknownArm)
	}
	for _, data := range [][]byte{nil, []byte("{"), []byte(big)} {
		run("Pool.Restore", pool.Snapshot, func() error { return pool.Restore(data) }, ErrSnapshot)
	}

	// Filters and selection.
	for _, v := range attackFloats {
		run("Band.Keep", nil, func() error { _ = Band{Low: v, High: -v}.Keep(v); return nil })
		run("TopKVariance", nil, func() error { _, err := TopKVariance([]float64{0.5, v}, 1); return err })
		for _, field := range []string{"Target", "Unknown", "Band.Low", "pred"} {
			cfg := SelectConfig{B: 2, Band: &Band{Low: 0.2, High: 0.8}}
			var pred Predictor = badPred{0.5}
			switch field {
			case "Target":
				cfg.Target = v
			case "Unknown":
				cfg.Unknown = v
			case "Band.Low":
				cfg.Band.Low = v
			case "pred":
				pred = badPred{v}
			}
			for _, mode := range []SelectMode{Closest, Threshold} {
				cfg.Mode, cfg.Rand = mode, rand.New(rand.NewPCG(1, 1))
				run("Select("+field+")", nil, func() error { _, err := Select([]string{"a", "b", "c"}, pred, cfg); return err })
			}
		}
		for _, w := range attackFloats {
			run("ThompsonPredictor.Estimate", nil, func() error {
				pr, err := ThompsonPredictor(badSource{v, w}, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					return err
				}
				if p, ok := pr.Estimate("x"); !ok || !(p >= 0 && p <= 1) {
					t.Fatalf("Estimate with Beta(%v, %v) = %v", v, w, p)
				}
				return nil
			})
		}
	}
	for _, i := range attackInts {
		run("TopKVariance(k)", nil, func() error { _, err := TopKVariance([]float64{0.5}, i); return err })
		run("Select(B)", nil, func() error { _, err := Select([]string{"a"}, badPred{0.5}, SelectConfig{B: i}); return err })
		run("Select(Mode)", nil, func() error {
			_, err := Select([]string{"a"}, badPred{0.5}, SelectConfig{B: 1, Mode: SelectMode(i)})
			return err
		})
	}
	for _, cands := range [][]string{nil, {"a", "a"}, {big, "\xff", ""}} {
		run("Select(candidates)", nil, func() error { _, err := Select(cands, badPred{0.5}, SelectConfig{B: 2}); return err })
	}
	run("Select(nil pred)", nil, func() error { _, err := Select([]string{"a"}, nil, SelectConfig{B: 1}); return err })
	run("ThompsonPredictor(nil rand)", nil, func() error { _, err := ThompsonPredictor(badSource{1, 1}, nil); return err })

	// Stack.
	okNext := func(context.Context) ([]int, error) { return []int{1}, nil }
	keepAll := func(int) bool { return true }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, i := range attackInts {
		for _, j := range attackInts {
			run("Stack", nil, func() error { _, _, err := Stack(context.Background(), i, min(j, 3), okNext, keepAll); return err })
		}
	}
	run("Stack(nil ctx)", nil, func() error { _, _, err := Stack(nilCtx(), 1, 1, okNext, keepAll); return err })
	run("Stack(nil next)", nil, func() error { _, _, err := Stack[int](context.Background(), 1, 1, nil, keepAll); return err })
	run("Stack(nil keep)", nil, func() error { _, _, err := Stack(context.Background(), 1, 1, okNext, nil); return err })
	run("Stack(cancelled)", nil, func() error { _, _, err := Stack(cancelled, 1, 1, okNext, keepAll); return err }, context.Canceled)
	boom := errors.New("next failed")
	run("Stack(next error)", nil, func() error {
		_, _, err := Stack(context.Background(), 1, 1, func(context.Context) ([]int, error) { return nil, boom }, keepAll)
		return err
	}, boom)

	// SkillIt.
	for _, i := range attackInts {
		run("NewSkillIt(k)", nil, func() error { _, err := NewSkillIt(i, SkillItConfig{}); return err })
		run("NewSkillIt(Window)", nil, func() error { _, err := NewSkillIt(2, SkillItConfig{Window: i}); return err })
		run("NewSkillIt(Edges)", nil, func() error { _, err := NewSkillIt(2, SkillItConfig{Edges: [][2]int{{i, 0}}}); return err })
	}
	for _, v := range attackFloats {
		for _, cfg := range []SkillItConfig{{Eta: v}, {EdgeWeight: v, Edges: [][2]int{{0, 1}}}, {Prior: []float64{v, 1}}, {Graph: [][]float64{{v, 0}, {0, 1}}},
			{EtaSchedule: func(int) float64 { return v }}} {
			run("NewSkillIt(cfg)", nil, func() error {
				s, err := NewSkillIt(2, cfg)
				if err != nil {
					return err
				}
				snap := s.Snapshot
				run("SkillIt.Observe", snap, func() error { return s.Observe([]float64{1e308, 1}) })
				for _, p := range s.Probs() {
					if !(p >= 0 && p <= 1) {
						t.Fatalf("SkillIt %+v: %v", cfg, s.Probs())
					}
				}
				if data, err := s.Snapshot(); err != nil || s.Restore(data) != nil {
					t.Fatalf("SkillIt %+v: snapshot round trip: %v", cfg, err)
				}
				return nil
			})
		}
		k, _ := NewSkillIt(2, SkillItConfig{Normalize: true})
		run("SkillIt.Observe(loss)", k.Snapshot, func() error { return k.Observe([]float64{v, 1}) })
	}
	k, _ := NewSkillIt(2, SkillItConfig{})
	for _, l := range [][]float64{nil, {1}, {1, 2, 3}} {
		run("SkillIt.Observe(len)", k.Snapshot, func() error { return k.Observe(l) })
	}
	for _, data := range [][]byte{nil, []byte("{"), []byte(big)} {
		run("SkillIt.Restore", k.Snapshot, func() error { return k.Restore(data) }, ErrSnapshot)
	}

	// Enums print for any value.
	for _, i := range attackInts {
		run("String", nil, func() error {
			_ = Method(i).String() + PoolMode(i).String() + SelectMode(i).String()
			return nil
		})
	}
	t.Logf("%d calls over %d entry-point/input families", calls, len(inputs))
}

func i0() float64 { return 0 }

// nilCtx returns a nil context without a literal nil at the call site.
func nilCtx() context.Context { return nil }

// TestExp3PublishedProbAccepted: the smallest probability Exp3 publishes is
// accepted back as Feedback.Prob, whatever its rounding.
func TestExp3PublishedProbAccepted(t *testing.T) {
	for _, eps := range []float64{0, 0.1, 0.3} {
		arms := make([]string, 7)
		for i := range arms {
			arms[i] = fmt.Sprint(i)
		}
		s := curMust(t, arms, SamplerConfig{Method: Exp3, Gamma: 0.013, Epsilon: eps})
		for step := 0; step < 400; step += 2 {
			if err := s.Update(step, []Feedback{{Arm: 0, Values: []float64{1}, Prob: s.Probs()[0]}}); err != nil {
				t.Fatal(err)
			}
			p := s.Probs()
			if err := s.Update(step+1, []Feedback{{Arm: 6, Values: []float64{0}, Prob: p[6]}}); err != nil {
				t.Fatalf("ε = %v: published probability %v refused: %v", eps, p[6], err)
			}
		}
	}
}
