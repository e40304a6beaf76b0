package curriculum

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func curMust(t testing.TB, arms []string, cfg SamplerConfig) *Sampler {
	t.Helper()
	s, err := NewSampler(arms, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func curSample(t testing.TB, s *Sampler, r *rand.Rand) int {
	t.Helper()
	i, err := s.Sample(r)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func curCheckProbs(t *testing.T, p []float64) {
	t.Helper()
	var sum float64
	for _, x := range p {
		if !(x >= 0) || math.IsNaN(x) {
			t.Fatalf("bad probability in %v", p)
		}
		sum += x
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Fatalf("probabilities sum to %v", sum)
	}
}

func TestDUMPGolden(t *testing.T) {
	arms := []string{"math", "code", "logic"}
	s := curMust(t, arms, SamplerConfig{Method: DUMP, Window: 4})
	if diff := cmp.Diff([]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, s.Probs()); diff != "" {
		t.Fatalf("before any update (-want +got):\n%s", diff)
	}
	script := [][]Feedback{
		{{Name: "math", Values: []float64{0.5, -0.5, 1}}, {Name: "code", Values: []float64{0.1}}},
		{{Name: "math", Values: []float64{-0.2, 0.3}}, {Name: "logic", Values: []float64{2}}},
		{{Name: "code", Values: []float64{-0.4, 0.4, 0.4, 0.4, 0.4}}},
	}
	// Independent computation: windows of the last 4 |A| values, all-time
	// counts, s = μ + √(2 ln(N+1)/(n+1)), softmax(s/0.1).
	windows := map[string][]float64{}
	counts := map[string]float64{}
	for step, fb := range script {
		if err := s.Update(step, fb); err != nil {
			t.Fatal(err)
		}
		for _, f := range fb {
			for _, v := range f.Values {
				windows[f.Name] = append(windows[f.Name], math.Abs(v))
				if len(windows[f.Name]) > 4 {
					windows[f.Name] = windows[f.Name][1:]
				}
			}
			counts[f.Name] += float64(len(f.Values))
		}
		var total float64
		for _, n := range counts {
			total += n
		}
		scores := make([]float64, 3)
		var z float64
		for i, a := range arms {
			var mu float64
			for _, v := range windows[a] {
				mu += v
			}
			if len(windows[a]) > 0 {
				mu /= float64(len(windows[a]))
			}
			scores[i] = mu + math.Sqrt(2*math.Log(math.Max(1, total)+1)/(counts[a]+1))
		}
		mx := math.Max(scores[0], math.Max(scores[1], scores[2]))
		want := make([]float64, 3)
		for i := range scores {
			want[i] = math.Exp((scores[i] - mx) / 0.1)
			z += want[i]
		}
		got := s.Probs()
		for i := range want {
			if math.Abs(got[i]-want[i]/z) > 1e-12 {
				t.Fatalf("step %d: probs %v, want %v", step, got, want)
			}
		}
	}
}

func TestSECAbsentArmHalves(t *testing.T) {
	s := curMust(t, []string{"a", "b"}, SamplerConfig{Method: SEC})
	_ = s.Update(1, []Feedback{{Name: "a", Values: []float64{0.8, -0.8}}, {Name: "b", Values: []float64{0.4}}})
	_ = s.Update(2, []Feedback{{Name: "a", Values: []float64{0.8}}})
	// b: 0 → 0.2 → 0.1 (absent: target 0, α = 0.5); a: 0 → 0.4 → 0.6.
	q := s.st.Q
	if math.Abs(q[0]-0.6) > 1e-15 || math.Abs(q[1]-0.1) > 1e-15 {
		t.Fatalf("Q = %v, want [0.6 0.1]", q)
	}
	want := math.Exp(0.6) / (math.Exp(0.6) + math.Exp(0.1))
	if p := s.Probs(); math.Abs(p[0]-want) > 1e-12 {
		t.Fatalf("probs %v, want %v", p, want)
	}
	keep := curMust(t, []string{"a", "b"}, SamplerConfig{Method: SEC, SECKeepAbsent: true})
	_ = keep.Update(1, []Feedback{{Name: "b", Values: []float64{0.4}}})
	_ = keep.Update(2, []Feedback{{Name: "a", Values: []float64{0.8}}})
	if keep.st.Q[1] != 0.2 {
		t.Fatalf("kept Q = %v", keep.st.Q)
	}
}

// TestGRPOIdentity checks the signal DUMP averages: in a binary-reward
// group of size n with k successes (p = k/n), GRPO's advantages
// (r − mean)/std (sample std) have mean absolute value
// 2·√(p(1−p))·√((n−1)/n); 0.968 at n = 16, k = 8.
func TestGRPOIdentity(t *testing.T) {
	for _, n := range []int{2, 5, 8, 16, 64} {
		for k := 1; k < n; k++ {
			rewards := make([]float64, n)
			for i := 0; i < k; i++ {
				rewards[i] = 1
			}
			adv := BinaryAdvantages(k, n)
			var mean, ss float64
			for _, r := range rewards {
				mean += r / float64(n)
			}
			for _, r := range rewards {
				ss += (r - mean) * (r - mean)
			}
			sd := math.Sqrt(ss / float64(n-1))
			var absA float64
			for i, r := range rewards {
				a := (r - mean) / sd
				if math.Abs(adv[i]-a) > 1e-12 {
					t.Fatalf("BinaryAdvantages(%d, %d)[%d] = %v, want %v", k, n, i, adv[i], a)
				}
				absA += math.Abs(a) / float64(n)
			}
			p := float64(k) / float64(n)
			want := 2 * math.Sqrt(p*(1-p)) * math.Sqrt(float64(n-1)/float64(n))
			if math.Abs(absA-want) > 1e-12 {
				t.Fatalf("n=%d k=%d: mean |A| = %v, identity %v", n, k, absA, want)
			}
			if n == 16 && k == 8 && math.Abs(want-0.968) > 5e-4 {
				t.Fatalf("n = 16, k = 8: %v, want 0.968", want)
			}
		}
	}
}

func TestSamplerProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	arms := []string{"a", "b", "c", "d", "e"}
	for m := DUMP; m <= Thompson; m++ {
		s := curMust(t, arms, SamplerConfig{Method: m, Epsilon: 0.05})
		for step := 0; step < 30; step++ {
			var fb []Feedback
			for _, a := range arms {
				if r.IntN(3) == 0 {
					continue
				}
				vals := make([]float64, 1+r.IntN(5))
				for i := range vals {
					vals[i] = r.Float64()
				}
				fb = append(fb, Feedback{Name: a, Values: vals})
			}
			if err := s.Update(step, fb); err != nil {
				t.Fatalf("%v: %v", m, err)
			}
			curCheckProbs(t, s.Probs())
			for _, p := range s.Probs() {
				if p < 0.05/5-1e-15 {
					t.Fatalf("%v: ε-mix floor violated: %v", m, s.Probs())
				}
			}
		}
	}
	// Softmax with τ → 0 is argmax; UCB with c = 0 is greedy.
	s := curMust(t, []string{"x", "y"}, SamplerConfig{Method: SEC, Temperature: 1e-6})
	_ = s.Update(1, []Feedback{{Name: "x", Values: []float64{0.3}}, {Name: "y", Values: []float64{0.31}}})
	if p := s.Probs(); p[1] != 1 {
		t.Fatalf("τ → 0: %v", p)
	}
	u := curMust(t, []string{"x", "y"}, SamplerConfig{Method: UCB1, NoBonus: true})
	_ = u.Update(1, []Feedback{{Name: "x", Values: []float64{0.9}}, {Name: "y", Values: []float64{0.2, 0.2, 0.2}}})
	if p := u.Probs(); p[0] != 1 {
		t.Fatalf("greedy UCB: %v", p)
	}
}

func TestThompsonProbabilities(t *testing.T) {
	// Two arms: P(X > Y) for X ~ Beta(3, 1), Y ~ Beta(1, 1) is 3/4
	// (E[Y-CDF at X] = E[X] = 3/4).
	s := curMust(t, []string{"x", "y"}, SamplerConfig{Method: Thompson})
	_ = s.Update(1, []Feedback{{Name: "x", Values: []float64{1, 1}}})
	if p := s.Probs(); math.Abs(p[0]-0.75) > 1e-4 {
		t.Fatalf("P(x best) = %v, want 0.75", p[0])
	}
	// Against Monte Carlo with three arms.
	_ = s.Update(2, []Feedback{{Name: "y", Values: []float64{1, 0, 1, 1, 0}}})
	p := s.Probs()
	r := rand.New(rand.NewPCG(3, 4))
	wins := 0
	const n = 200000
	for i := 0; i < n; i++ {
		x := curBeta(r, 3, 1)
		y := curBeta(r, 4, 3)
		if x > y {
			wins++
		}
	}
	if math.Abs(p[0]-float64(wins)/n) > 0.005 {
		t.Fatalf("quadrature %v, Monte Carlo %v", p[0], float64(wins)/n)
	}
}

// curBeta draws Beta(a, b) for integer a, b as an order statistic of uniforms.
func curBeta(r *rand.Rand, a, b int) float64 {
	u := make([]float64, a+b-1)
	for i := range u {
		u[i] = r.Float64()
	}
	for i := 1; i < len(u); i++ {
		for j := i; j > 0 && u[j] < u[j-1]; j-- {
			u[j], u[j-1] = u[j-1], u[j]
		}
	}
	return u[a-1]
}

// curMeans returns the estimated mean of each arm without the bonus: the
// all-time mean (UCB1), the discounted mean (D-UCB) or the window mean
// (SW-UCB).
func curMeans(s *Sampler) []float64 {
	k := len(s.arms)
	sums, counts := make([]float64, k), make([]float64, k)
	switch s.cfg.Method {
	case UCB1, DUCB:
		for i := range sums {
			sums[i] = s.st.Means[i] * s.st.Counts[i]
		}
		copy(counts, s.st.Counts)
	case SWUCB:
		for _, rec := range s.st.Steps {
			for i := range sums {
				sums[i] += rec.Means[i] * rec.Counts[i]
				counts[i] += rec.Counts[i]
			}
		}
	}
	for i := range sums {
		sums[i] /= math.Max(counts[i], 1e-300)
	}
	return sums
}

func TestNonStationaryBandit(t *testing.T) {
	if testing.Short() {
		t.Skip("long simulation")
	}
	// Two arms; arm a pays more for 3,000 steps, then arm b does. The lag is
	// the number of steps after the switch until the method's own estimate
	// ranks b first for good: the windowed and discounted UCBs forget the
	// old regime within O(window) steps, UCB1's all-time means do not.
	lag := func(cfg SamplerConfig) int {
		s := curMust(t, []string{"a", "b"}, cfg)
		r := rand.New(rand.NewPCG(5, 6))
		last := 3000 // last step at which a still ranked first
		for step := 0; step < 6000; step++ {
			arm := curSample(t, s, r)
			mean := []float64{0.7, 0.3}
			if step >= 3000 {
				mean = []float64{0.3, 0.7}
			}
			v := mean[arm] + 0.1*r.NormFloat64()
			_ = s.Update(step, []Feedback{{Name: []string{"a", "b"}[arm], Values: []float64{math.Abs(v)}}})
			if m := curMeans(s); step >= 3000 && m[1] <= m[0] {
				last = step
			}
		}
		return last - 3000 + 1
	}
	sw := lag(SamplerConfig{Method: SWUCB, Window: 200})
	d := lag(SamplerConfig{Method: DUCB, Gamma: 0.99})
	u := lag(SamplerConfig{Method: UCB1})
	t.Logf("steps until the estimate ranks the new best arm first for good: SW-UCB %d, D-UCB %d, UCB1 %d", sw, d, u)
	if !(sw < u && d < u) || sw > 2*200 || d > 2*100 {
		t.Fatalf("SW-UCB %d (window 200) and D-UCB %d (memory 100) should re-find the best arm within O(window) and before UCB1 %d", sw, d, u)
	}
}

func TestSamplerSnapshotReplay(t *testing.T) {
	arms := []string{"a", "b", "c", "d"}
	for m := DUMP; m <= Thompson; m++ {
		cfg := SamplerConfig{Method: m, Window: 50}
		if m != DUMP && m != SWUCB {
			cfg.Window = 0
		}
		run := func(s *Sampler, from, to int, r *rand.Rand, probs *[][]float64, draws *[]int) {
			for step := from; step < to; step++ {
				arm := curSample(t, s, r)
				*draws = append(*draws, arm)
				vals := []float64{r.Float64(), r.Float64()}
				if err := s.Update(step, []Feedback{{Name: arms[arm], Values: vals}}); err != nil {
					t.Fatal(err)
				}
				*probs = append(*probs, s.Probs())
			}
		}
		a := curMust(t, arms, cfg)
		ra := rand.New(rand.NewPCG(7, uint64(m)))
		var pa, pb [][]float64
		var da, db []int
		run(a, 0, 400, ra, &pa, &da)
		data, err := a.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		rngState, _ := ra.Uint64(), 0
		_ = rngState
		b := curMust(t, arms, cfg)
		if err := b.Restore(data); err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		r1, r2 := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
		pa, pb, da, db = nil, nil, nil, nil
		run(a, 400, 1000, r1, &pa, &da)
		run(b, 400, 1000, r2, &pb, &db)
		if !cmp.Equal(pa, pb) || !cmp.Equal(da, db) {
			t.Fatalf("%v: restored sampler diverged", m)
		}
		if err := b.Update(999, nil); !errors.Is(err, ErrStepApplied) {
			t.Fatalf("%v: replayed step: %v", m, err)
		}
	}
	other := curMust(t, []string{"a", "b", "c", "x"}, SamplerConfig{Method: DUMP})
	d := curMust(t, []string{"a", "b", "c", "d"}, SamplerConfig{Method: DUMP})
	data, _ := d.Snapshot()
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("arm mismatch: %v", err)
	}
}

func TestSamplerBadInput(t *testing.T) {
	for _, c := range []struct {
		arms []string
		cfg  SamplerConfig
	}{
		{nil, SamplerConfig{}},
		{[]string{"a", "a"}, SamplerConfig{}},
		{[]string{""}, SamplerConfig{}},
		{[]string{"a"}, SamplerConfig{Method: 99}},
		{[]string{"a"}, SamplerConfig{Temperature: -1}},
		{[]string{"a"}, SamplerConfig{Method: DUMP, Window: -3}},
		{[]string{"a"}, SamplerConfig{Method: SEC, Alpha: 2}},
		{[]string{"a"}, SamplerConfig{Method: DUCB, Gamma: 1.5}},
		{[]string{"a"}, SamplerConfig{Epsilon: -0.1}},
		{[]string{"a"}, SamplerConfig{Method: SEC, ValidationFeed: true}},
	} {
		if _, err := NewSampler(c.arms, c.cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewSampler(%v, %+v) = %v", c.arms, c.cfg, err)
		}
	}
	s := curMust(t, []string{"a", "b"}, SamplerConfig{Method: DUMP})
	_ = s.Update(5, []Feedback{{Name: "a", Values: []float64{1}}})
	before, _ := s.Snapshot()
	for _, c := range []struct {
		step int
		fb   []Feedback
		want error
	}{
		{6, []Feedback{{Name: "zzz", Values: []float64{1}}}, ErrUnknownArm},
		{6, []Feedback{{Name: "a", Values: []float64{1}}, {Name: "b", Values: []float64{math.NaN()}}}, ErrInvalid},
		{6, []Feedback{{Name: "a", Values: []float64{math.Inf(1)}}}, ErrInvalid},
		{5, []Feedback{{Name: "a", Values: []float64{1}}}, ErrStepApplied},
		{3, nil, ErrStepApplied},
	} {
		if err := s.Update(c.step, c.fb); !errors.Is(err, c.want) {
			t.Errorf("Update(%d, %v) = %v, want %v", c.step, c.fb, err, c.want)
		}
	}
	after, _ := s.Snapshot()
	if string(after) != string(before) {
		t.Fatal("failed Updates changed the sampler")
	}
	if err := s.FeedValidation(0, 1); !errors.Is(err, ErrInvalid) {
		t.Fatal("validation feed accepted while off")
	}
	v := curMust(t, []string{"a", "b"}, SamplerConfig{Method: DUMP, ValidationFeed: true})
	if err := v.FeedValidation(0, -0.5); err != nil || v.st.Windows[0][0] != -0.5 {
		t.Fatalf("validation feed: %v %v", err, v.st.Windows)
	}
}

func TestSamplerConcurrent(t *testing.T) {
	s := curMust(t, []string{"a", "b", "c"}, SamplerConfig{Method: DUMP})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; i < 2000; i++ {
				if k, err := s.Sample(r); err != nil || k < 0 || k > 2 {
					t.Errorf("arm %d, %v", k, err)
					return
				}
				if _, err := s.SampleAt(1, i, g); err != nil {
					t.Error(err)
					return
				}
				_ = s.Probs()
			}
		}(g)
	}
	for step := 0; step < 200; step++ {
		if err := s.Update(step, []Feedback{{Name: fmt.Sprint("abc"[step%3 : step%3+1]), Values: []float64{0.5}}}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	// SampleAt is a pure function of its arguments.
	if a, _ := s.SampleAt(3, 4, 5); a != func() int { b, _ := s.SampleAt(3, 4, 5); return b }() {
		t.Fatal("SampleAt not deterministic")
	}
}

func TestSampleFrequencies(t *testing.T) {
	s := curMust(t, []string{"a", "b", "c"}, SamplerConfig{Method: SEC})
	_ = s.Update(1, []Feedback{{Name: "a", Values: []float64{2}}, {Name: "b", Values: []float64{1}}})
	p := s.Probs()
	r := rand.New(rand.NewPCG(11, 12))
	const n = 60000
	counts := make([]int, 3)
	for i := 0; i < n; i++ {
		counts[curSample(t, s, r)]++
	}
	for i, c := range counts {
		sd := math.Sqrt(n * p[i] * (1 - p[i]))
		if math.Abs(float64(c)-n*p[i]) > 5*sd {
			t.Fatalf("arm %d drawn %d times, expected %v", i, c, n*p[i])
		}
	}
}

func FuzzSamplerRestore(f *testing.F) {
	s, _ := NewSampler([]string{"a", "b"}, SamplerConfig{Method: DUMP, Window: 3})
	_ = s.Update(1, []Feedback{{Name: "a", Values: []float64{0.2, 0.4}}})
	data, _ := s.Snapshot()
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := NewSampler([]string{"a", "b"}, SamplerConfig{Method: DUMP, Window: 3})
		if err := s.Restore(data); err != nil {
			return
		}
		p := s.Probs()
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]+p[1]-1) > 1e-9 {
			t.Fatalf("restored probabilities %v", p)
		}
		_ = s.Update(math.MaxInt, []Feedback{{Name: "b", Values: []float64{1}}})
	})
}

func FuzzSamplerUpdate(f *testing.F) {
	f.Add(uint8(0), 1, 0.5, -0.2, 0.1)
	f.Fuzz(func(t *testing.T, method uint8, step int, a, b, prob float64) {
		s, err := NewSampler([]string{"a", "b"}, SamplerConfig{Method: Method(method % 7)})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Update(step, []Feedback{{Name: "a", Values: []float64{a, b}, Prob: prob}})
		p := s.Probs()
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]+p[1]-1) > 1e-9 {
			t.Fatalf("probabilities %v", p)
		}
	})
}

var curSink int

func BenchmarkSample1000Arms(b *testing.B) {
	arms := make([]string, 1000)
	for i := range arms {
		arms[i] = fmt.Sprint("arm", i)
	}
	s := curMust(b, arms, SamplerConfig{Method: SEC})
	fb := make([]Feedback, 1000)
	for i := range fb {
		fb[i] = Feedback{Name: arms[i], Values: []float64{float64(i%17) / 17}}
	}
	_ = s.Update(1, fb)
	r := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		curSink, _ = s.Sample(r)
	}
}

func BenchmarkDUMPUpdate(b *testing.B) {
	// One DUMP step: 2,048 advantage values over 12 arms.
	arms := make([]string, 12)
	for i := range arms {
		arms[i] = fmt.Sprint("source", i)
	}
	s := curMust(b, arms, SamplerConfig{Method: DUMP})
	r := rand.New(rand.NewPCG(2, 2))
	fb := make([]Feedback, 12)
	for i := range fb {
		vals := make([]float64, 2048/12+1)
		for j := range vals {
			vals[j] = r.NormFloat64()
		}
		fb[i] = Feedback{Name: arms[i], Values: vals}
	}
	b.ReportAllocs()
	step := 0
	for b.Loop() {
		if err := s.Update(step, fb); err != nil {
			b.Fatal(err)
		}
		step++
	}
}
