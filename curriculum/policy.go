package curriculum

import (
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// publish computes the probabilities from the state and swaps them in.
// The caller holds s.mu. Scores are finite or +Inf (an unobserved UCB arm),
// so every published probability is finite.
func (s *Sampler) publish() {
	k := len(s.arms)
	p := make([]float64, k)
	st := &s.st
	switch s.cfg.Method {
	case DUMP:
		if !st.Started && samplerAllEmpty(st.Windows) {
			samplerUniform(p)
			break
		}
		var total float64
		for _, n := range st.Counts {
			total += n
		}
		bigN := math.Max(1, total)
		score := make([]float64, k)
		for i, w := range st.Windows {
			score[i] = saturate(windowMean(w) + s.cfg.C*math.Sqrt(2*math.Log(bigN+1)/(st.Counts[i]+1)))
		}
		num.Softmax(p, score, s.cfg.Temperature)
	case SEC:
		num.Softmax(p, st.Q, s.cfg.Temperature)
	case UCB1, DUCB:
		// UCB1 on all-time counts, D-UCB on discounted ones: the same index.
		var total float64
		for _, n := range st.Counts {
			total += n
		}
		score := make([]float64, k)
		for i := range score {
			if st.Counts[i] <= 1e-300 {
				score[i] = math.Inf(1)
				continue
			}
			score[i] = saturate(st.Means[i] + s.cfg.C*math.Sqrt(2*math.Log(math.Max(total, 1))/st.Counts[i]))
		}
		samplerArgmax(p, score)
	case SWUCB:
		means := make([]float64, k)
		counts := make([]float64, k)
		for _, rec := range st.Steps {
			for i := range means {
				if rec.Counts[i] > 0 {
					counts[i] += rec.Counts[i]
					means[i] += (rec.Counts[i] / counts[i]) * (rec.Means[i] - means[i])
				}
			}
		}
		t := float64(len(st.Steps))
		score := make([]float64, k)
		for i := range score {
			if counts[i] == 0 {
				score[i] = math.Inf(1)
				continue
			}
			score[i] = saturate(means[i] + math.Sqrt(s.cfg.C*math.Log(math.Max(t, 1))/counts[i]))
		}
		samplerArgmax(p, score)
	case Exp3:
		w := make([]float64, k)
		num.Softmax(w, st.Q, 1)
		for i := range p {
			p[i] = (1-s.cfg.Gamma)*w[i] + s.cfg.Gamma/float64(k)
		}
	case Thompson:
		thompsonProbs(p, st.Alpha, st.Beta)
	}
	if e := s.cfg.Epsilon; e > 0 {
		for i := range p {
			p[i] = (1-e)*p[i] + e/float64(k)
		}
	}
	cdf := make([]float64, k)
	var c float64
	for i, x := range p {
		c += x
		cdf[i] = c
	}
	for i := range cdf { // normalise away rounding so the last entry is 1
		cdf[i] /= c
		p[i] /= c
	}
	cdf[k-1] = 1
	s.table.Store(&samplerTable{probs: p, cdf: cdf})
}

func samplerAllEmpty(ws [][]float64) bool {
	for _, w := range ws {
		if len(w) > 0 {
			return false
		}
	}
	return true
}

func samplerUniform(p []float64) {
	for i := range p {
		p[i] = 1 / float64(len(p))
	}
}

// samplerArgmax puts equal mass on the arms of maximal score.
func samplerArgmax(p, score []float64) {
	best := math.Inf(-1)
	for _, x := range score {
		best = math.Max(best, x)
	}
	n := 0
	for _, x := range score {
		if x == best {
			n++
		}
	}
	for i, x := range score {
		p[i] = 0
		if x == best {
			p[i] = 1 / float64(n)
		}
	}
}
