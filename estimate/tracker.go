package estimate

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// TrackerConfig configures a Tracker. Zero fields mean the documented
// defaults.
type TrackerConfig struct {
	// PriorAlpha and PriorBeta are the Beta prior a₀, b₀ of every prompt's
	// success probability. Zero means 1 (uniform).
	PriorAlpha float64 `json:"prior_alpha,omitempty"`
	PriorBeta  float64 `json:"prior_beta,omitempty"`
	// Decay λ ∈ (0, 1] discounts old evidence toward the prior before each
	// Observe call (MoPPS):
	//
	//	α ← λα + (1−λ)a₀ + s,   β ← λβ + (1−λ)b₀ + (k − s)
	//
	// for s successes in k trials. Zero means 1, no decay.
	Decay float64 `json:"decay,omitempty"`
	// Window, when positive, also keeps each prompt's last Window binary
	// outcomes; Estimate then reports their mean (Knapsack RL uses 16).
	Window int `json:"window,omitempty"`
	// MinObservations is the number of outcomes (in the window, if any, else
	// in total) before Estimate reports valid. Zero means 1.
	MinObservations int `json:"min_observations,omitempty"`
	// MaxPrompts, when positive, caps the tracked prompts: each of the
	// Shards shards holds at most ⌈MaxPrompts/Shards⌉ and evicts its least
	// recently observed prompt to make room. Use Shards = 1 for an exact
	// global LRU.
	MaxPrompts int `json:"max_prompts,omitempty"`
	// Shards is the number of independently locked partitions of the
	// prompt table. Zero means 16.
	Shards int `json:"shards,omitempty"`
}

// Tracker keeps per-prompt success statistics for RL post-training: a Beta
// posterior over each prompt's success probability, optionally with decay
// toward the prior and a window of recent outcomes. Its Estimate and
// Posterior methods feed rollout allocation (budget.KnapsackRL,
// budget.BetaKnapsack), curricula and routers.
//
// A Tracker is safe for concurrent use by multiple goroutines: prompts are
// spread over independently locked shards, so Observe on different prompts
// rarely contends. Observe on a known prompt does not allocate.
type Tracker struct {
	cfg    TrackerConfig
	shards []trackerShard
	perCap int // per-shard capacity, 0 = unbounded
}

type trackerShard struct {
	mu   sync.Mutex
	m    map[string]*trackerEntry
	head trackerEntry // sentinel of the LRU list: head.next is the oldest
}

type trackerEntry struct {
	id          string
	alpha, beta float64
	trials      int64
	ring        []bool // window, chronological from start
	start, size int
	wins        int
	prev, next  *trackerEntry
}

// NewTracker returns an empty Tracker.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	t := &Tracker{cfg: c, shards: make([]trackerShard, c.Shards)}
	if c.MaxPrompts > 0 {
		t.perCap = (c.MaxPrompts + c.Shards - 1) / c.Shards
	}
	for i := range t.shards {
		t.shards[i].init()
	}
	return t, nil
}

func (s *trackerShard) init() {
	s.m = make(map[string]*trackerEntry)
	s.head.prev, s.head.next = &s.head, &s.head
}

func (cfg TrackerConfig) normalise() (TrackerConfig, error) {
	if cfg.PriorAlpha == 0 {
		cfg.PriorAlpha = 1
	}
	if cfg.PriorBeta == 0 {
		cfg.PriorBeta = 1
	}
	if cfg.Decay == 0 {
		cfg.Decay = 1
	}
	if cfg.MinObservations == 0 {
		cfg.MinObservations = 1
	}
	if cfg.Shards == 0 {
		cfg.Shards = 16
	}
	switch {
	case !(cfg.PriorAlpha > 0) || math.IsInf(cfg.PriorAlpha, 1):
		return cfg, fmt.Errorf("%w: TrackerConfig.PriorAlpha = %v (must be finite and > 0)", ErrInvalid, cfg.PriorAlpha)
	case !(cfg.PriorBeta > 0) || math.IsInf(cfg.PriorBeta, 1):
		return cfg, fmt.Errorf("%w: TrackerConfig.PriorBeta = %v (must be finite and > 0)", ErrInvalid, cfg.PriorBeta)
	case !(cfg.Decay > 0 && cfg.Decay <= 1):
		return cfg, fmt.Errorf("%w: TrackerConfig.Decay = %v (must be in (0, 1])", ErrInvalid, cfg.Decay)
	case cfg.Window < 0:
		return cfg, fmt.Errorf("%w: TrackerConfig.Window = %d (must be ≥ 0)", ErrInvalid, cfg.Window)
	case cfg.MinObservations < 0 || (cfg.Window > 0 && cfg.MinObservations > cfg.Window):
		return cfg, fmt.Errorf("%w: TrackerConfig.MinObservations = %d (must be in [0, Window])", ErrInvalid, cfg.MinObservations)
	case cfg.MaxPrompts < 0:
		return cfg, fmt.Errorf("%w: TrackerConfig.MaxPrompts = %d (must be ≥ 0)", ErrInvalid, cfg.MaxPrompts)
	case cfg.Shards < 0 || cfg.Shards > 1<<16:
		return cfg, fmt.Errorf("%w: TrackerConfig.Shards = %d (must be in [0, 65536])", ErrInvalid, cfg.Shards)
	}
	return cfg, nil
}

// Config returns the configuration with defaults filled in.
func (t *Tracker) Config() TrackerConfig { return t.cfg }

// shard picks the shard of id by FNV-1a, inline so it does not allocate.
func (t *Tracker) shard(id string) *trackerShard {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return &t.shards[h%uint64(len(t.shards))]
}

// Observe records successes out of trials for prompt id. With a window,
// the outcomes enter it spread evenly (outcome j of the batch is a success
// iff ⌊(j+1)s/k⌋ > ⌊js/k⌋), so any suffix keeps the batch's success rate as
// closely as integers allow; use ObserveRewards when the order is known.
func (t *Tracker) Observe(id string, successes, trials int) error {
	if id == "" {
		return fmt.Errorf("%w: empty prompt id", ErrInvalid)
	}
	if trials < 0 || successes < 0 || successes > trials {
		return fmt.Errorf("%w: prompt %q: successes = %d, trials = %d (need 0 ≤ successes ≤ trials)", ErrInvalid, id, successes, trials)
	}
	s := t.shard(id)
	s.mu.Lock()
	e := t.entry(s, id)
	t.update(e, successes, trials)
	if w := len(e.ring); w > 0 {
		for j := max(0, trials-w); j < trials; j++ {
			e.push(int64(j+1)*int64(successes)/int64(trials) > int64(j)*int64(successes)/int64(trials))
		}
	}
	s.mu.Unlock()
	return nil
}

// ObserveRewards records one trial per reward for prompt id, a success
// when the reward is at least threshold, in the given order.
func (t *Tracker) ObserveRewards(id string, rewards []float64, threshold float64) error {
	if id == "" {
		return fmt.Errorf("%w: empty prompt id", ErrInvalid)
	}
	if math.IsNaN(threshold) {
		return fmt.Errorf("%w: prompt %q: threshold is NaN", ErrInvalid, id)
	}
	wins := 0
	for j, r := range rewards {
		if math.IsNaN(r) {
			return fmt.Errorf("%w: prompt %q: rewards[%d] is NaN", ErrInvalid, id, j)
		}
		if r >= threshold {
			wins++
		}
	}
	s := t.shard(id)
	s.mu.Lock()
	e := t.entry(s, id)
	t.update(e, wins, len(rewards))
	if w := len(e.ring); w > 0 {
		for _, r := range rewards[max(0, len(rewards)-w):] {
			e.push(r >= threshold)
		}
	}
	s.mu.Unlock()
	return nil
}

// entry returns id's entry, creating it (and evicting if full) when new, and
// marks it most recently used. The shard must be locked.
func (t *Tracker) entry(s *trackerShard, id string) *trackerEntry {
	e, ok := s.m[id]
	if ok {
		e.unlink()
	} else {
		if t.perCap > 0 && len(s.m) >= t.perCap {
			old := s.head.next
			old.unlink()
			delete(s.m, old.id)
		}
		e = &trackerEntry{id: id, alpha: t.cfg.PriorAlpha, beta: t.cfg.PriorBeta}
		if t.cfg.Window > 0 {
			e.ring = make([]bool, t.cfg.Window)
		}
		s.m[id] = e
	}
	e.prev, e.next = s.head.prev, &s.head
	s.head.prev.next = e
	s.head.prev = e
	return e
}

func (e *trackerEntry) unlink() {
	e.prev.next = e.next
	e.next.prev = e.prev
}

func (t *Tracker) update(e *trackerEntry, s, k int) {
	if l := t.cfg.Decay; l != 1 {
		e.alpha = l*e.alpha + (1-l)*t.cfg.PriorAlpha
		e.beta = l*e.beta + (1-l)*t.cfg.PriorBeta
	}
	e.alpha += float64(s)
	e.beta += float64(k - s)
	e.trials += int64(k)
}

// push appends one outcome to the window, dropping the oldest when full.
func (e *trackerEntry) push(win bool) {
	w := len(e.ring)
	if e.size == w {
		if e.ring[e.start] {
			e.wins--
		}
		e.ring[e.start] = win
		e.start = (e.start + 1) % w
	} else {
		e.ring[(e.start+e.size)%w] = win
		e.size++
	}
	if win {
		e.wins++
	}
}

// Posterior returns the Beta(α, β) posterior of prompt id's success
// probability. It returns an error wrapping ErrUnknownID for a prompt never
// observed (or evicted).
func (t *Tracker) Posterior(id string) (alpha, beta float64, err error) {
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return 0, 0, fmt.Errorf("%w: prompt %q", ErrUnknownID, id)
	}
	return e.alpha, e.beta, nil
}

// Estimate returns the success-rate estimate of prompt id: the mean of the
// window when one is configured, else the posterior mean α/(α+β); valid
// reports whether at least MinObservations outcomes back it. An unknown
// prompt gives the prior mean and false.
func (t *Tracker) Estimate(id string) (p float64, valid bool) {
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return t.cfg.PriorAlpha / (t.cfg.PriorAlpha + t.cfg.PriorBeta), false
	}
	if len(e.ring) > 0 {
		if e.size == 0 {
			return t.cfg.PriorAlpha / (t.cfg.PriorAlpha + t.cfg.PriorBeta), false
		}
		return float64(e.wins) / float64(e.size), e.size >= t.cfg.MinObservations
	}
	return e.alpha / (e.alpha + e.beta), e.trials >= int64(t.cfg.MinObservations)
}

// Len returns the number of prompts tracked.
func (t *Tracker) Len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

const trackerKind, trackerVersion = "estimate.Tracker", 1

type trackerSnapEntry struct {
	ID     string  `json:"id"`
	Alpha  float64 `json:"alpha"`
	Beta   float64 `json:"beta"`
	Trials int64   `json:"trials"`
	Window string  `json:"window,omitempty"` // chronological, '1' success, '0' failure
}

type trackerSnapState struct {
	// Shards lists each shard's prompts from least to most recently used.
	Shards [][]trackerSnapEntry `json:"shards"`
}

// Snapshot returns the tracker's state as versioned JSON. Observations that
// race with Snapshot land either wholly in it or wholly after it, per shard.
func (t *Tracker) Snapshot() ([]byte, error) {
	st := trackerSnapState{Shards: make([][]trackerSnapEntry, len(t.shards))}
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		list := make([]trackerSnapEntry, 0, len(s.m))
		for e := s.head.next; e != &s.head; e = e.next {
			var b strings.Builder
			for j := 0; j < e.size; j++ {
				if e.ring[(e.start+j)%len(e.ring)] {
					b.WriteByte('1')
				} else {
					b.WriteByte('0')
				}
			}
			list = append(list, trackerSnapEntry{ID: e.id, Alpha: e.alpha, Beta: e.beta, Trials: e.trials, Window: b.String()})
		}
		s.mu.Unlock()
		st.Shards[i] = list
	}
	return snapshot.Marshal(trackerKind, trackerVersion, t.cfg, st)
}

// Restore replaces the tracker's state with a snapshot taken from a tracker
// of the same configuration. On error the tracker is unchanged.
func (t *Tracker) Restore(data []byte) error {
	var st trackerSnapState
	if err := snapshot.Unmarshal(data, trackerKind, trackerVersion, t.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Shards) != len(t.shards) {
		return fmt.Errorf("%w: %d shards, want %d", ErrSnapshot, len(st.Shards), len(t.shards))
	}
	fresh := &Tracker{cfg: t.cfg, perCap: t.perCap, shards: make([]trackerShard, len(t.shards))}
	for i := range fresh.shards {
		fresh.shards[i].init()
	}
	for i, list := range st.Shards {
		if t.perCap > 0 && len(list) > t.perCap {
			return fmt.Errorf("%w: shard %d holds %d prompts, capacity %d", ErrSnapshot, i, len(list), t.perCap)
		}
		for _, se := range list {
			bad := func(why string) error {
				return fmt.Errorf("%w: prompt %q: %s", ErrSnapshot, se.ID, why)
			}
			switch {
			case se.ID == "":
				return bad("empty id")
			case fresh.shard(se.ID) != &fresh.shards[i]:
				return bad("stored in the wrong shard")
			case !(se.Alpha > 0) || math.IsInf(se.Alpha, 1) || !(se.Beta > 0) || math.IsInf(se.Beta, 1):
				return bad(fmt.Sprintf("posterior Beta(%v, %v)", se.Alpha, se.Beta))
			case se.Trials < 0:
				return bad(fmt.Sprintf("trials = %d", se.Trials))
			case len(se.Window) > t.cfg.Window:
				return bad(fmt.Sprintf("window of %d outcomes, capacity %d", len(se.Window), t.cfg.Window))
			}
			s := &fresh.shards[i]
			if _, dup := s.m[se.ID]; dup {
				return bad("listed twice")
			}
			e := fresh.entry(s, se.ID)
			e.alpha, e.beta, e.trials = se.Alpha, se.Beta, se.Trials
			for _, c := range []byte(se.Window) {
				if c != '0' && c != '1' {
					return bad(fmt.Sprintf("window byte %q", c))
				}
				e.push(c == '1')
			}
		}
	}
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	for i := range t.shards {
		s := &t.shards[i]
		f := &fresh.shards[i]
		s.m = f.m
		if f.head.next == &f.head {
			s.head.prev, s.head.next = &s.head, &s.head
		} else {
			s.head.next, s.head.prev = f.head.next, f.head.prev
			s.head.next.prev = &s.head
			s.head.prev.next = &s.head
		}
	}
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
	return nil
}
