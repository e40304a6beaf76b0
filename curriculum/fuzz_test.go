package curriculum

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzNewSampler: any configuration is refused with ErrInvalid or gives a
// sampler whose probabilities are finite after huge feedback and whose
// snapshot restores.
func FuzzNewSampler(f *testing.F) {
	f.Add(uint8(0), 300, 1.0, 0.1, 0.5, 0.01, 1.0, 1.0, 0.0, false)
	f.Add(uint8(3), 1<<30, 1e308, 5e-324, 1.0, 1.0, 1e-300, 0.5, 1.0, true)
	f.Fuzz(func(t *testing.T, method uint8, window int, c, temp, alpha, gamma, scale, decay, eps float64, flag bool) {
		cfg := SamplerConfig{Method: Method(method % 8), Window: window, C: c, Temperature: temp, Alpha: alpha, Gamma: gamma,
			RewardScale: scale, Decay: decay, Epsilon: eps, NoBonus: flag, SECKeepAbsent: flag}
		s, err := NewSampler([]string{"a", "b", "c"}, cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for step := 0; step < 3; step++ {
			vals := []float64{1e308, 0.5}
			if s.cfg.Method == Thompson {
				vals = []float64{1, 0}
			}
			if err := s.Update(step, []Feedback{{Arm: step, Values: vals}}); err != nil {
				t.Fatal(err)
			}
		}
		var sum float64
		for _, p := range s.Probs() {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("probabilities %v", s.Probs())
			}
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("probabilities sum to %v", sum)
		}
		data, err := s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(data); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzGroupFeedback: grouping never panics, keeps every value once and
// refuses bad arms with ErrInvalid.
func FuzzGroupFeedback(f *testing.F) {
	f.Add([]byte{0, 3, 0, 1}, 0.5)
	f.Fuzz(func(t *testing.T, armBytes []byte, v float64) {
		arms := make([]int, len(armBytes))
		vals := make([]float64, len(armBytes))
		for i, b := range armBytes {
			arms[i] = int(int8(b))
			vals[i] = v + float64(i)
		}
		fb, err := GroupFeedback(arms, vals)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatal(err)
			}
			return
		}
		n := 0
		for j, g := range fb {
			if j > 0 && g.Arm <= fb[j-1].Arm {
				t.Fatalf("groups out of order: %v", fb)
			}
			n += len(g.Values)
		}
		if n != len(vals) {
			t.Fatalf("%d values grouped from %d", n, len(vals))
		}
	})
}

type fuzzPred []float64

func (f fuzzPred) Estimate(id string) (float64, bool) {
	if len(f) == 0 {
		return 0, false
	}
	return f[len(id)%len(f)], len(id)%3 != 0
}

// FuzzSelect: any predictions and configuration give at most B distinct
// candidates, or an error wrapping ErrInvalid.
func FuzzSelect(f *testing.F) {
	f.Add(3, 0.3, 0.7, 0.1, 0.2, 0.5, 0.5, false)
	f.Fuzz(func(t *testing.T, b int, lo, hi, p1, p2, p3, target float64, threshold bool) {
		cands := []string{"", "a", "bb", "ccc", "dddd", "eeeee"}
		cfg := SelectConfig{B: b, Target: target, Band: &Band{Low: lo, High: hi}, Rand: rand.New(rand.NewPCG(1, 2))}
		if threshold {
			cfg.Mode = Threshold
		}
		got, err := Select(cands, fuzzPred{p1, p2, p3}, cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatal(err)
			}
			return
		}
		if len(got) > max(b, 0) {
			t.Fatalf("%d selected for B = %d", len(got), b)
		}
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Fatalf("duplicate %q in %v", id, got)
			}
			seen[id] = true
		}
	})
}

// FuzzSkillItRestore: arbitrary bytes are refused with ErrSnapshot, leaving
// the mixture as it was, or give a finite mixture.
func FuzzSkillItRestore(f *testing.F) {
	s, _ := NewSkillIt(3, SkillItConfig{Normalize: true, Window: 2})
	_ = s.Observe([]float64{1, 2, 3})
	_ = s.Observe([]float64{2, 2, 2})
	data, _ := s.Snapshot()
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := NewSkillIt(3, SkillItConfig{Normalize: true, Window: 2})
		_ = s.Observe([]float64{1, 1, 1})
		before, _ := s.Snapshot()
		if err := s.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatal(err)
			}
			if after, _ := s.Snapshot(); string(after) != string(before) {
				t.Fatal("refused Restore changed the mixture")
			}
			return
		}
		for _, p := range s.Probs() {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("mixture %v", s.Probs())
			}
		}
		if err := s.Observe([]float64{1, 2, 3}); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatal(err)
		}
	})
}
