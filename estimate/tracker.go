package estimate

import (
	"fmt"
	"math"
	"math/bits"
	"sync"
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
	// outcomes; Estimate then reports their mean (Knapsack RL uses 16). At
	// most MaxWindow.
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
	// prompt table. Zero means 16; at most 65536.
	Shards int `json:"shards,omitempty"`
}

// MaxWindow is the largest TrackerConfig.Window: a window costs one byte
// per outcome per prompt.
const MaxWindow = 1 << 20

// MaxIDLen is the length in bytes of the longest prompt id a Tracker
// accepts. Ids are otherwise arbitrary byte strings (not necessarily valid
// UTF-8); snapshots round-trip them exactly.
const MaxIDLen = 1 << 20

// Tracker keeps per-prompt success statistics for RL post-training: a Beta
// posterior over each prompt's success probability, optionally with decay
// toward the prior and a window of recent outcomes. Its Estimate and
// Posterior methods feed rollout allocation (budget.KnapsackRL,
// budget.BetaKnapsack), curricula and routers.
//
// The zero Tracker is ready to use with the default configuration (that of
// NewTracker(TrackerConfig{})). A Tracker must not be copied after first
// use.
//
// A Tracker is safe for concurrent use by multiple goroutines: prompts are
// spread over independently locked shards, so Observe on different prompts
// rarely contends. Observe on a known prompt takes O(min(trials, Window))
// time and does not allocate.
type Tracker struct {
	once   sync.Once
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
	trials      int64  // saturates at math.MaxInt64
	ring        []bool // window, chronological from start
	start, size int
	wins        int
	prev, next  *trackerEntry
}

// NewTracker returns an empty Tracker. It returns an error wrapping
// ErrInvalid, naming the field, if cfg is out of its domain.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	t := &Tracker{}
	t.once.Do(func() { t.setup(c) })
	return t, nil
}

// setup builds the shards for a normalised configuration.
func (t *Tracker) setup(c TrackerConfig) {
	t.cfg = c
	t.shards = make([]trackerShard, c.Shards)
	t.perCap = 0
	if c.MaxPrompts > 0 {
		t.perCap = c.MaxPrompts/c.Shards + min(c.MaxPrompts%c.Shards, 1)
	}
	for i := range t.shards {
		t.shards[i].init()
	}
}

// lazy sets up a zero Tracker with the default configuration.
func (t *Tracker) lazy() {
	t.once.Do(func() {
		c, _ := TrackerConfig{}.normalise() // the defaults are valid
		t.setup(c)
	})
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
	case math.IsInf(cfg.PriorAlpha+cfg.PriorBeta, 1):
		return cfg, fmt.Errorf("%w: TrackerConfig.PriorAlpha + PriorBeta = %v + %v overflows", ErrInvalid, cfg.PriorAlpha, cfg.PriorBeta)
	case !(cfg.Decay > 0 && cfg.Decay <= 1):
		return cfg, fmt.Errorf("%w: TrackerConfig.Decay = %v (must be in (0, 1])", ErrInvalid, cfg.Decay)
	case cfg.Window < 0 || cfg.Window > MaxWindow:
		return cfg, fmt.Errorf("%w: TrackerConfig.Window = %d (must be in [0, %d])", ErrInvalid, cfg.Window, MaxWindow)
	case cfg.MinObservations < 0 || (cfg.Window > 0 && cfg.MinObservations > cfg.Window):
		return cfg, fmt.Errorf("%w: TrackerConfig.MinObservations = %d (must be in [0, Window])", ErrInvalid, cfg.MinObservations)
	case cfg.MaxPrompts < 0:
		return cfg, fmt.Errorf("%w: TrackerConfig.MaxPrompts = %d (must be ≥ 0)", ErrInvalid, cfg.MaxPrompts)
	case cfg.Shards < 1 || cfg.Shards > 1<<16:
		return cfg, fmt.Errorf("%w: TrackerConfig.Shards = %d (must be in [0, 65536])", ErrInvalid, cfg.Shards)
	}
	return cfg, nil
}

// Config returns the configuration with defaults filled in.
func (t *Tracker) Config() TrackerConfig {
	t.lazy()
	return t.cfg
}

// checkID validates a prompt id.
func checkID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty prompt id", ErrInvalid)
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("%w: prompt id of %d bytes (at most MaxIDLen = %d)", ErrInvalid, len(id), MaxIDLen)
	}
	return nil
}

// quoteID quotes at most 64 bytes of id for an error message.
func quoteID(id string) string {
	if len(id) > 64 {
		return fmt.Sprintf("%q…", id[:64])
	}
	return fmt.Sprintf("%q", id)
}

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
	if err := checkID(id); err != nil {
		return err
	}
	if trials < 0 || successes < 0 || successes > trials {
		return fmt.Errorf("%w: prompt %s: successes = %d, trials = %d (need 0 ≤ successes ≤ trials)", ErrInvalid, quoteID(id), successes, trials)
	}
	t.lazy()
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := t.entry(s, id)
	t.update(e, successes, trials)
	if w := len(e.ring); w > 0 {
		for j := max(0, trials-w); j < trials; j++ {
			e.push(spreadFloor(j+1, successes, trials) > spreadFloor(j, successes, trials))
		}
	}
	return nil
}

// spreadFloor returns ⌊j·s/k⌋ for 0 ≤ j ≤ k, 0 ≤ s ≤ k, k > 0 without
// overflow: the 128-bit product j·s divided by k fits in 64 bits because
// j·s/k ≤ j.
func spreadFloor(j, s, k int) uint64 {
	hi, lo := bits.Mul64(uint64(j), uint64(s))
	q, _ := bits.Div64(hi, lo, uint64(k))
	return q
}

// ObserveRewards records one trial per reward for prompt id, a success
// when the reward is at least threshold, in the given order.
func (t *Tracker) ObserveRewards(id string, rewards []float64, threshold float64) error {
	if err := checkID(id); err != nil {
		return err
	}
	if math.IsNaN(threshold) {
		return fmt.Errorf("%w: prompt %s: threshold is NaN", ErrInvalid, quoteID(id))
	}
	wins := 0
	for j, r := range rewards {
		if math.IsNaN(r) {
			return fmt.Errorf("%w: prompt %s: rewards[%d] is NaN", ErrInvalid, quoteID(id), j)
		}
		if r >= threshold {
			wins++
		}
	}
	t.lazy()
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := t.entry(s, id)
	t.update(e, wins, len(rewards))
	if w := len(e.ring); w > 0 {
		for _, r := range rewards[max(0, len(rewards)-w):] {
			e.push(r >= threshold)
		}
	}
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
	if e.trials > math.MaxInt64-int64(k) {
		e.trials = math.MaxInt64 // saturate rather than wrap
	} else {
		e.trials += int64(k)
	}
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
// probability: the configured prior Beta(PriorAlpha, PriorBeta) for a prompt
// never observed (or evicted). α and β are finite and positive. The error is
// always nil; it is there so that Tracker satisfies interfaces whose
// sources can fail (curriculum.PosteriorSource).
func (t *Tracker) Posterior(id string) (alpha, beta float64, err error) {
	t.lazy()
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return t.cfg.PriorAlpha, t.cfg.PriorBeta, nil
	}
	return e.alpha, e.beta, nil
}

// Estimate returns the success-rate estimate of prompt id: the mean of the
// window when one is configured, else the posterior mean α/(α+β); valid
// reports whether at least MinObservations outcomes back it. An unknown
// prompt gives the prior mean and false.
func (t *Tracker) Estimate(id string) (p float64, valid bool) {
	t.lazy()
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return betaMean(t.cfg.PriorAlpha, t.cfg.PriorBeta), false
	}
	if len(e.ring) > 0 {
		if e.size == 0 {
			return betaMean(t.cfg.PriorAlpha, t.cfg.PriorBeta), false
		}
		return float64(e.wins) / float64(e.size), e.size >= t.cfg.MinObservations
	}
	return betaMean(e.alpha, e.beta), e.trials >= int64(t.cfg.MinObservations)
}

// Len returns the number of prompts tracked.
func (t *Tracker) Len() int {
	t.lazy()
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// betaMean returns α/(α + β) for finite α, β > 0, also when α + β overflows.
func betaMean(alpha, beta float64) float64 {
	if s := alpha + beta; !math.IsInf(s, 1) {
		return alpha / s
	}
	return 1 / (1 + beta/alpha)
}
