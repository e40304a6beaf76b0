package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// SkillItConfig configures a SkillIt mixture. Zero fields mean the defaults
// of the reference (github.com/HazyResearch/skill-it).
type SkillItConfig struct {
	// Graph is the K×K skills graph A: A[i][j] is how much training on skill
	// i helps skill j. Nil means the identity.
	Graph [][]float64
	// Edges, when Graph is nil, builds it as the reference does: 1 on the
	// diagonal and EdgeWeight (0.5) on each listed edge (i, j).
	Edges      [][2]int
	EdgeWeight float64
	// Eta is the step size η (0.5; the paper uses 0.1–0.8 per task).
	Eta float64
	// EtaSchedule, if set, gives η for round t (1-based) and overrides Eta.
	EtaSchedule func(round int) float64
	// EtaByLoss is the reference's eta_schedule: η_t = η / (ΣL_t / ΣL_first),
	// so η grows as the evaluation loss falls. Ignored with EtaSchedule.
	EtaByLoss bool
	// DynamicLambda is the reference's dynamic_lambda: after every update
	// the off-diagonal entries of the graph are halved, so the mixture
	// relies less on cross-skill transfer as training goes on.
	DynamicLambda bool
	// Window W is how many of the latest evaluation-loss vectors are summed
	// (3).
	Window int
	// Prior is the initial mixture (uniform when nil).
	Prior []float64
	// Normalize divides each skill's losses by its first observed loss, so
	// skills on different loss scales weigh alike.
	Normalize bool
}

// SkillIt is the online data-mixing rule (MWTrainer in the reference) of "Skill-it! A Data-Driven Skills
// Framework for Understanding and Training Language Models":
//
//	p ∝ prior ⊙ exp(η · A · Σ_{τ = t−W+1}^{t} L_τ)
//
// over the last W evaluation-loss vectors L_τ (one loss per skill). It is
// computed in log space with log-sum-exp; the reference exponentiates
// directly without shifting by the maximum and can overflow.
//
// SkillIt is not safe for concurrent use. The zero value has no skills:
// Observe returns an error wrapping ErrInvalid and Probs returns nil; create
// one with NewSkillIt.
type SkillIt struct {
	cfg    SkillItConfig
	k      int
	a      []float64 // row-major K×K
	logPri []float64
	hist   [][]float64 // ring of the last W loss vectors
	next   int
	rounds int
	first  []float64
	last   []float64
	sum    []float64
	logit  []float64
	probs  []float64
}

// MaxSkills is the largest number of skills NewSkillIt accepts (the graph
// is K×K).
const MaxSkills = 4096

// NewSkillIt returns a mixture over k skills, 1 ≤ k ≤ MaxSkills.
func NewSkillIt(k int, cfg SkillItConfig) (*SkillIt, error) {
	if k <= 0 || k > MaxSkills {
		return nil, fmt.Errorf("%w: %d skills (must be in [1, %d])", ErrInvalid, k, MaxSkills)
	}
	if cfg.Eta == 0 {
		cfg.Eta = 0.5
	}
	if cfg.Window == 0 {
		cfg.Window = 3
	}
	if cfg.EdgeWeight == 0 {
		cfg.EdgeWeight = 0.5
	}
	if !num.IsFinite(cfg.Eta) || cfg.Window < 0 || cfg.Window > MaxWindow || !num.IsFinite(cfg.EdgeWeight) {
		return nil, fmt.Errorf("%w: Eta = %v, Window = %d, EdgeWeight = %v", ErrInvalid, cfg.Eta, cfg.Window, cfg.EdgeWeight)
	}
	s := &SkillIt{cfg: cfg, k: k, a: make([]float64, k*k), logPri: make([]float64, k),
		sum: make([]float64, k), logit: make([]float64, k), probs: make([]float64, k)}
	switch {
	case cfg.Graph != nil:
		if len(cfg.Graph) != k {
			return nil, fmt.Errorf("%w: graph has %d rows for %d skills", ErrInvalid, len(cfg.Graph), k)
		}
		for i, row := range cfg.Graph {
			if len(row) != k {
				return nil, fmt.Errorf("%w: graph row %d has %d entries for %d skills", ErrInvalid, i, len(row), k)
			}
			for j, x := range row {
				if !num.IsFinite(x) {
					return nil, fmt.Errorf("%w: graph[%d][%d] = %v", ErrInvalid, i, j, x)
				}
				s.a[i*k+j] = x
			}
		}
	default:
		for i := 0; i < k; i++ {
			s.a[i*k+i] = 1
		}
		for _, e := range cfg.Edges {
			if e[0] < 0 || e[0] >= k || e[1] < 0 || e[1] >= k {
				return nil, fmt.Errorf("%w: edge %v out of range", ErrInvalid, e)
			}
			if e[0] != e[1] {
				s.a[e[0]*k+e[1]] = cfg.EdgeWeight
			}
		}
	}
	for i := range s.logPri {
		if cfg.Prior == nil {
			continue
		}
		if len(cfg.Prior) != k {
			return nil, fmt.Errorf("%w: prior has %d entries for %d skills", ErrInvalid, len(cfg.Prior), k)
		}
		if !(cfg.Prior[i] > 0) || math.IsInf(cfg.Prior[i], 1) {
			return nil, fmt.Errorf("%w: prior[%d] = %v (must be finite and > 0)", ErrInvalid, i, cfg.Prior[i])
		}
		s.logPri[i] = math.Log(cfg.Prior[i])
	}
	s.recompute()
	return s, nil
}

// Observe adds one evaluation-loss vector (one finite loss per skill) and
// updates the mixture. On error nothing changes.
func (s *SkillIt) Observe(losses []float64) error {
	if s.k == 0 {
		return fmt.Errorf("%w: SkillIt not created with NewSkillIt", ErrInvalid)
	}
	if len(losses) != s.k {
		return fmt.Errorf("%w: %d losses for %d skills", ErrInvalid, len(losses), s.k)
	}
	for i, l := range losses {
		if !num.IsFinite(l) || (s.cfg.Normalize && s.first == nil && l <= 0) {
			return fmt.Errorf("%w: losses[%d] = %v", ErrInvalid, i, l)
		}
	}
	if s.cfg.EtaSchedule != nil {
		if eta := s.cfg.EtaSchedule(s.rounds + 1); !num.IsFinite(eta) {
			return fmt.Errorf("%w: EtaSchedule(%d) = %v", ErrInvalid, s.rounds+1, eta)
		}
	}
	oldFirst, oldLast, oldNext, oldRounds := s.first, s.last, s.next, s.rounds
	var oldSlot []float64
	if (s.cfg.Normalize || s.cfg.EtaByLoss) && s.first == nil {
		s.first = append([]float64(nil), losses...)
	}
	s.last = append([]float64(nil), losses...)
	v := append([]float64(nil), losses...)
	if s.cfg.Normalize {
		for i := range v {
			v[i] /= s.first[i]
		}
	}
	oldLen := len(s.hist)
	switch {
	case s.cfg.Window == 0:
	case len(s.hist) < s.cfg.Window: // the ring grows as losses arrive
		s.hist = append(s.hist, v)
	default:
		oldSlot = s.hist[s.next]
		s.hist[s.next] = v
		s.next = (s.next + 1) % s.cfg.Window
	}
	s.rounds++
	s.recompute()
	if _, ok := num.AllFinite(s.logit); !ok {
		// η·A·ΣL overflowed: undo, so a failed Observe changes nothing.
		s.first, s.last, s.next, s.rounds = oldFirst, oldLast, oldNext, oldRounds
		if len(s.hist) > oldLen {
			s.hist = s.hist[:oldLen]
		} else if s.cfg.Window > 0 {
			s.hist[s.next] = oldSlot
		}
		s.recompute()
		return fmt.Errorf("%w: the exponent η·A·ΣL overflows with these losses", ErrInvalid)
	}
	if s.cfg.DynamicLambda {
		for i := 0; i < s.k; i++ {
			for j := 0; j < s.k; j++ {
				if i != j && s.a[i*s.k+j] > 0 {
					s.a[i*s.k+j] /= 2
				}
			}
		}
	}
	return nil
}

func (s *SkillIt) recompute() {
	k := s.k
	clear(s.sum)
	for _, v := range s.hist {
		for i, x := range v {
			s.sum[i] += x
		}
	}
	eta := s.cfg.Eta
	switch {
	case s.cfg.EtaSchedule != nil && s.rounds > 0:
		eta = s.cfg.EtaSchedule(s.rounds)
	case s.cfg.EtaByLoss && s.rounds > 0:
		var cur, first float64
		for i := range s.last {
			cur += s.last[i]
			first += s.first[i]
		}
		if cur > 0 && first > 0 {
			eta = s.cfg.Eta / (cur / first)
		}
	}
	for i := 0; i < k; i++ {
		row := s.a[i*k : (i+1)*k]
		var dot float64
		for j, x := range row {
			dot += x * s.sum[j]
		}
		s.logit[i] = s.logPri[i] + eta*dot
	}
	num.Softmax(s.probs, s.logit, 1)
}

// Probs returns the current mixture over skills (nil for a zero SkillIt).
func (s *SkillIt) Probs() []float64 { return append([]float64(nil), s.probs...) }

// ProbsInto copies the mixture into dst without allocating and returns the
// number of entries copied, min(len(dst), K).
func (s *SkillIt) ProbsInto(dst []float64) int { return copy(dst, s.probs) }
