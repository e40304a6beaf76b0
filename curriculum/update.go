package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
	"gonum.org/v1/gonum/floats"
)

// MaxPosterior is the largest α+β a Thompson arm may reach. An Update that
// would take an arm past it is refused with ErrInvalid: at this size the
// posterior is a point mass for every practical purpose, and float64 still
// counts whole rewards exactly.
const MaxPosterior = 1e15

// Update applies one training step's feedback atomically: everything is
// validated first, so a failed Update changes nothing. Steps must increase;
// repeating or going back returns ErrStepApplied. Several Feedback entries
// for one arm are pooled.
//
// Every statistic is kept as a mean (never as a raw sum), so finite values
// of any magnitude, up to ±math.MaxFloat64, keep the state finite and the
// probabilities well defined; scores saturate at ±math.MaxFloat64.
//
// Exp3 refuses a Prob below the smallest probability it can publish,
// (1−ε)·γ/K + ε/K, since no arm was drawn with less; this bounds each
// log-weight increment by 1.
func (s *Sampler) Update(step int, feedback []Feedback) error {
	if s.arms == nil {
		return errNotCreated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.Started && step <= s.st.LastStep {
		return fmt.Errorf("%w: step %d (last applied %d)", ErrStepApplied, step, s.st.LastStep)
	}
	k := len(s.arms)
	means := make([]float64, k)  // per-arm mean of |v| (Thompson: sum of v)
	counts := make([]float64, k) // per-arm number of values
	drawn := make([]float64, k)
	copy(drawn, s.table.Load().probs)
	idx := make([]int, len(feedback))
	for f, fb := range feedback {
		i, err := s.resolve(f, fb)
		if err != nil {
			return err
		}
		idx[f] = i
		for j, v := range fb.Values {
			if !num.IsFinite(v) {
				return fmt.Errorf("%w: feedback[%d] (arm %q) Values[%d] = %v (must be finite)", ErrInvalid, f, s.arms[i], j, v)
			}
			if s.cfg.Method == Thompson && !(v >= 0 && v <= 1) {
				return fmt.Errorf("%w: feedback[%d] (arm %q) Values[%d] = %v (Thompson rewards must be in [0, 1])", ErrInvalid, f, s.arms[i], j, v)
			}
		}
		if n := float64(len(fb.Values)); n > 0 && s.cfg.Method == Thompson {
			for _, v := range fb.Values { // rewards in [0, 1]: the sum cannot overflow
				means[i] += v
			}
			counts[i] += n
		} else if n > 0 {
			m := meanAbs(fb.Values)
			counts[i] += n
			means[i] += (n / counts[i]) * (m - means[i])
		}
		if fb.Prob != 0 {
			if !(fb.Prob > 0 && fb.Prob <= 1) {
				return fmt.Errorf("%w: feedback[%d] (arm %q) Prob = %v (must be in (0, 1])", ErrInvalid, f, s.arms[i], fb.Prob)
			}
			if s.cfg.Method == Exp3 {
				if lo := s.exp3Floor(); fb.Prob < lo {
					return fmt.Errorf("%w: feedback[%d] (arm %q) Prob = %v (Exp3 never publishes less than %v)", ErrInvalid, f, s.arms[i], fb.Prob, lo)
				}
			}
			drawn[i] = fb.Prob
		}
	}
	if s.cfg.Method == Thompson {
		for i := range counts {
			if a, b := s.st.Alpha[i], s.st.Beta[i]; a+b+counts[i] > MaxPosterior {
				return fmt.Errorf("%w: arm %q: α+β = %v + %v values would exceed MaxPosterior = %v", ErrInvalid, s.arms[i], a+b, counts[i], MaxPosterior)
			}
		}
	}
	// Validated: apply.
	st := &s.st
	switch s.cfg.Method {
	case DUMP:
		for f, fb := range feedback {
			i := idx[f]
			for _, v := range fb.Values {
				st.push(i, math.Abs(v), s.cfg.Window)
			}
			st.Counts[i] += float64(len(fb.Values))
		}
	case SEC:
		a := s.cfg.Alpha
		for i := range st.Q {
			switch {
			case counts[i] > 0:
				st.Q[i] = saturate((1-a)*st.Q[i] + a*means[i])
			case !s.cfg.SECKeepAbsent:
				st.Q[i] = (1 - a) * st.Q[i]
			}
		}
	case UCB1:
		for i := range means {
			if counts[i] > 0 {
				st.Counts[i] += counts[i]
				st.Means[i] += (counts[i] / st.Counts[i]) * (means[i] - st.Means[i])
			}
		}
	case DUCB:
		g := s.cfg.Gamma
		for i := range means {
			st.Counts[i] = g*st.Counts[i] + counts[i]
			if counts[i] > 0 {
				st.Means[i] += (counts[i] / st.Counts[i]) * (means[i] - st.Means[i])
			}
		}
	case SWUCB:
		st.Steps = append(st.Steps, samplerStep{Step: step, Means: means, Counts: counts})
		cut := 0
		for cut < len(st.Steps) && st.Steps[cut].Step <= step-s.cfg.Window && step-s.cfg.Window < step {
			cut++
		}
		st.Steps = append([]samplerStep(nil), st.Steps[cut:]...)
	case Exp3:
		for i := range means {
			if counts[i] == 0 {
				continue
			}
			r := num.Clamp(means[i]/s.cfg.RewardScale, 0, 1)
			st.Q[i] += s.cfg.Gamma * (r / drawn[i]) / float64(k)
		}
	case Thompson:
		l := s.cfg.Decay
		for i := range means {
			if l != 1 {
				st.Alpha[i] = 1 + l*(st.Alpha[i]-1)
				st.Beta[i] = 1 + l*(st.Beta[i]-1)
			}
			st.Alpha[i] += means[i]
			st.Beta[i] += counts[i] - means[i]
		}
	}
	st.LastStep, st.Started = step, true
	s.publish()
	return nil
}

// resolve returns the arm index of feedback[f].
func (s *Sampler) resolve(f int, fb Feedback) (int, error) {
	if fb.Name != "" {
		i, ok := s.index[fb.Name]
		if !ok {
			return -1, fmt.Errorf("%w: feedback[%d].Name = %q", ErrUnknownArm, f, fb.Name)
		}
		if fb.Arm != 0 && fb.Arm != i {
			return -1, fmt.Errorf("%w: feedback[%d] names arm %q (index %d) but Arm = %d", ErrInvalid, f, fb.Name, i, fb.Arm)
		}
		return i, nil
	}
	if fb.Arm < 0 || fb.Arm >= len(s.arms) {
		return -1, fmt.Errorf("%w: feedback[%d].Arm = %d (the sampler has %d arms)", ErrUnknownArm, f, fb.Arm, len(s.arms))
	}
	return fb.Arm, nil
}

// exp3Floor is the smallest probability Exp3 publishes: (1−ε)·γ/K + ε/K.
func (s *Sampler) exp3Floor() float64 {
	k := float64(len(s.arms))
	return (1-s.cfg.Epsilon)*s.cfg.Gamma/k + s.cfg.Epsilon/k
}

// meanAbs returns the mean of |v| without overflow: when the plain sum
// overflows, it sums |v|/n instead.
func meanAbs(vs []float64) float64 {
	n := float64(len(vs))
	var sum float64
	for _, v := range vs {
		sum += math.Abs(v)
	}
	if !math.IsInf(sum, 0) {
		return sum / n
	}
	sum = 0
	for _, v := range vs {
		sum += math.Abs(v) / n
	}
	return saturate(sum)
}

// windowMean returns the mean of w (signed values) without overflow.
func windowMean(w []float64) float64 {
	if len(w) == 0 {
		return 0
	}
	n := float64(len(w))
	if sum := floats.SumCompensated(w); !math.IsInf(sum, 0) && !math.IsNaN(sum) {
		return sum / n
	}
	var sum float64
	for _, v := range w {
		sum += v / n
	}
	return saturate(sum)
}

// saturate clamps x to [−MaxFloat64, MaxFloat64].
func saturate(x float64) float64 {
	return math.Max(-math.MaxFloat64, math.Min(x, math.MaxFloat64))
}

// FeedValidation pushes one signed validation reward for arm into DUMP's
// window, as the reference does on each validation pass. It needs
// SamplerConfig.ValidationFeed.
func (s *Sampler) FeedValidation(arm int, reward float64) error {
	if s.arms == nil {
		return errNotCreated
	}
	if !s.cfg.ValidationFeed {
		return fmt.Errorf("%w: SamplerConfig.ValidationFeed is off", ErrInvalid)
	}
	if arm < 0 || arm >= len(s.arms) {
		return fmt.Errorf("%w: arm %d (the sampler has %d arms)", ErrUnknownArm, arm, len(s.arms))
	}
	if !num.IsFinite(reward) {
		return fmt.Errorf("%w: validation reward = %v (must be finite)", ErrInvalid, reward)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.push(arm, reward, s.cfg.Window)
	s.publish()
	return nil
}

// push adds v to arm i's window ring, overwriting the oldest value when full.
// The ring grows by append, so memory follows the values actually fed.
func (st *samplerState) push(i int, v float64, size int) {
	w := st.Windows[i]
	if len(w) < size {
		st.Windows[i] = append(w, v)
		return
	}
	w[st.WinStart[i]] = v
	if st.WinStart[i]++; st.WinStart[i] == size {
		st.WinStart[i] = 0
	}
}
