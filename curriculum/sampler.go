package curriculum

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// Sampler chooses which data distribution (arm) to sample next. The policy
// maps statistics to probabilities with no randomness; drawing takes the
// caller's *rand.Rand and consumes exactly one Float64 (inverse CDF).
// Arms are addressed by index (what Sample returns; Arm gives the name) or
// by name (Index gives the index).
//
// A Sampler is safe for concurrent use: Probs, Sample and SampleAt read an
// immutable probability table published atomically, and Update holds a lock
// for the whole step. The zero value is not usable: its methods return an
// error wrapping ErrInvalid (Probs and Arms return nil); create one with
// NewSampler.
type Sampler struct {
	cfg   SamplerConfig
	arms  []string
	index map[string]int
	table atomic.Pointer[samplerTable]

	mu sync.Mutex
	st samplerState
}

type samplerTable struct {
	probs, cdf []float64
}

// samplerState is everything a snapshot holds.
type samplerState struct {
	LastStep int  `json:"last_step"`
	Started  bool `json:"started"`
	// DUMP: windows of |A| as rings (WinStart[i] is the oldest value's
	// position once window i is full) and response counts.
	Windows  [][]float64 `json:"windows,omitempty"`
	WinStart []int       `json:"win_start,omitempty"`
	Counts   []float64   `json:"counts,omitempty"`
	// SEC Q values; Exp3 log-weights.
	Q []float64 `json:"q,omitempty"`
	// UCB1/D-UCB: per-arm (discounted) means of |A|, with Counts.
	Means []float64 `json:"means,omitempty"`
	// SW-UCB: per-step (mean, count) records of the last Window steps.
	Steps []samplerStep `json:"steps,omitempty"`
	// Thompson posteriors.
	Alpha []float64 `json:"alpha,omitempty"`
	Beta  []float64 `json:"beta,omitempty"`
}

type samplerStep struct {
	Step   int       `json:"step"`
	Means  []float64 `json:"means"`
	Counts []float64 `json:"counts"`
}

// NewSampler returns a Sampler over the named arms, in the order given.
// Names must be non-empty, distinct and valid UTF-8 (they are stored in
// snapshots as JSON strings); there are at most MaxArms.
func NewSampler(arms []string, cfg SamplerConfig) (*Sampler, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	if len(arms) == 0 || len(arms) > MaxArms {
		return nil, fmt.Errorf("%w: %d arms (must be in [1, %d])", ErrInvalid, len(arms), MaxArms)
	}
	s := &Sampler{cfg: c, arms: append([]string(nil), arms...), index: make(map[string]int, len(arms))}
	for i, a := range arms {
		if a == "" {
			return nil, fmt.Errorf("%w: arms[%d] is empty", ErrInvalid, i)
		}
		if !utf8.ValidString(a) {
			return nil, fmt.Errorf("%w: arms[%d] = %q is not valid UTF-8", ErrInvalid, i, a)
		}
		if _, dup := s.index[a]; dup {
			return nil, fmt.Errorf("%w: duplicate arm %q", ErrInvalid, a)
		}
		s.index[a] = i
	}
	s.st = s.fresh()
	s.publish()
	return s, nil
}

func (s *Sampler) fresh() samplerState {
	k := len(s.arms)
	st := samplerState{}
	switch s.cfg.Method {
	case DUMP:
		st.Windows = make([][]float64, k)
		st.WinStart = make([]int, k)
		st.Counts = make([]float64, k)
	case SEC, Exp3:
		st.Q = make([]float64, k)
	case UCB1, DUCB:
		st.Means = make([]float64, k)
		st.Counts = make([]float64, k)
	case Thompson:
		st.Alpha = make([]float64, k)
		st.Beta = make([]float64, k)
		for i := range st.Alpha {
			st.Alpha[i], st.Beta[i] = 1, 1
		}
	}
	return st
}

// Arms returns the arm names in index order (nil for a zero Sampler).
func (s *Sampler) Arms() []string { return append([]string(nil), s.arms...) }

// Arm returns the name of arm i, the inverse of Index.
func (s *Sampler) Arm(i int) (string, error) {
	if i < 0 || i >= len(s.arms) {
		return "", fmt.Errorf("%w: index %d (the sampler has %d arms)", ErrUnknownArm, i, len(s.arms))
	}
	return s.arms[i], nil
}

// Index returns the index of the arm named name, the inverse of Arm.
func (s *Sampler) Index(name string) (int, error) {
	i, ok := s.index[name]
	if !ok {
		return -1, fmt.Errorf("%w: %q", ErrUnknownArm, name)
	}
	return i, nil
}

// Config returns the configuration with defaults filled in.
func (s *Sampler) Config() SamplerConfig { return s.cfg }

// Probs returns the current sampling probabilities in arm order (nil for a
// zero Sampler). Every entry is finite and in [0, 1], and they sum to 1.
func (s *Sampler) Probs() []float64 {
	t := s.table.Load()
	if t == nil {
		return nil
	}
	return append([]float64(nil), t.probs...)
}

// Sample draws an arm index with exactly one r.Float64(). It does not
// allocate.
func (s *Sampler) Sample(r *rand.Rand) (int, error) {
	t := s.table.Load()
	if t == nil {
		return -1, errNotCreated
	}
	if r == nil {
		return -1, errNilRand
	}
	return t.pick(r.Float64()), nil
}

var errNilRand = fmt.Errorf("%w: Sample: nil *rand.Rand", ErrInvalid)

// SampleAt draws an arm determined only by (seed, step, slot), so that many
// data-loader workers agree on their draws without sharing an RNG. Any int
// step and slot are accepted (negative ones are distinct from positive ones).
func (s *Sampler) SampleAt(seed uint64, step, slot int) (int, error) {
	t := s.table.Load()
	if t == nil {
		return -1, errNotCreated
	}
	return t.pick(randx.Float64(seed, uint64(step), uint64(slot))), nil
}

func (t *samplerTable) pick(u float64) int {
	i := sort.SearchFloat64s(t.cdf, u)
	for i < len(t.cdf)-1 && (t.cdf[i] <= u || t.probs[i] == 0) {
		i++
	}
	return i
}
