package curriculum

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/budgetkit/budgetkit/internal/randx"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// PoolMode selects how a Pool draws prompts within an arm. The zero value
// is WithReplacement.
type PoolMode int

const (
	// WithReplacement draws uniformly from the arm's prompts each time, as
	// DUMP does.
	WithReplacement PoolMode = iota
	// Shuffled walks a per-arm random permutation and starts a new one when
	// it is used up (SEC's queue refilled on exhaustion). The permutation of
	// arm a in epoch e is derived from (seed, a, e), so a snapshot stores
	// only (epoch, cursor) per arm.
	Shuffled
)

// String returns the mode's name, or PoolMode(n) for an unknown value.
func (m PoolMode) String() string {
	switch m {
	case WithReplacement:
		return "WithReplacement"
	case Shuffled:
		return "Shuffled"
	}
	return fmt.Sprintf("PoolMode(%d)", int(m))
}

// PoolConfig configures a Pool. The zero value draws with replacement with
// seed 0.
type PoolConfig struct {
	Mode PoolMode
	// Seed derives every Shuffled permutation: arm a's permutation in
	// epoch e is a function of (Seed, a, e) only.
	Seed uint64
}

// Pool draws prompt ids within arms. When the requested arm has no prompts,
// the next non-empty arm in index order is used and reported. Draw is O(1)
// amortised (a Shuffled arm computes its permutation once per epoch, O(n)).
//
// A Pool is safe for concurrent use. The zero value has no arms: Draw
// returns ErrUnknownArm and Snapshot and Restore return ErrInvalid; create
// one with NewPool.
type Pool struct {
	mode  PoolMode
	seed  uint64
	items [][]string

	mu     sync.Mutex
	epoch  []int
	cursor []int
	perm   [][]int // cached permutation of each arm's current epoch
}

// NewPool returns a pool over items[a], the prompt ids of arm a (copied).
// At least one arm must have prompts; there are at most MaxArms arms.
func NewPool(items [][]string, cfg PoolConfig) (*Pool, error) {
	mode, seed := cfg.Mode, cfg.Seed
	if mode != WithReplacement && mode != Shuffled {
		return nil, fmt.Errorf("%w: PoolConfig.Mode = %v", ErrInvalid, mode)
	}
	if len(items) > MaxArms {
		return nil, fmt.Errorf("%w: %d arms (at most %d)", ErrInvalid, len(items), MaxArms)
	}
	nonEmpty := false
	cp := make([][]string, len(items))
	for a, it := range items {
		cp[a] = append([]string(nil), it...)
		nonEmpty = nonEmpty || len(it) > 0
	}
	if !nonEmpty {
		return nil, fmt.Errorf("%w: every arm of the pool is empty", ErrInvalid)
	}
	return &Pool{mode: mode, seed: seed, items: cp, epoch: make([]int, len(items)),
		cursor: make([]int, len(items)), perm: make([][]int, len(items))}, nil
}

// Draw returns a prompt of arm (or of the next non-empty arm, whose index
// is returned as from). With WithReplacement it uses r.IntN; with Shuffled
// it uses no randomness from r (r may be nil).
func (p *Pool) Draw(arm int, r *rand.Rand) (id string, from int, err error) {
	if arm < 0 || arm >= len(p.items) {
		return "", -1, fmt.Errorf("%w: arm %d out of range [0, %d)", ErrUnknownArm, arm, len(p.items))
	}
	from = arm
	for len(p.items[from]) == 0 {
		from = (from + 1) % len(p.items)
	}
	its := p.items[from]
	if p.mode == WithReplacement {
		if r == nil {
			return "", -1, fmt.Errorf("%w: WithReplacement needs a *rand.Rand", ErrInvalid)
		}
		return its[r.IntN(len(its))], from, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cursor[from] == len(its) {
		if p.epoch[from] == math.MaxInt {
			p.epoch[from] = 0 // after MaxInt epochs the count restarts at 1, never negative
		}
		p.epoch[from]++
		p.cursor[from] = 0
		p.perm[from] = nil
	}
	if p.perm[from] == nil {
		p.perm[from] = randx.New(p.seed, uint64(from), uint64(p.epoch[from])).Perm(len(its))
	}
	id = its[p.perm[from][p.cursor[from]]]
	p.cursor[from]++
	return id, from, nil
}

var errPoolNotCreated = fmt.Errorf("%w: Pool not created with NewPool", ErrInvalid)

const poolKind, poolVersion = "curriculum.Pool", 1

type poolConfig struct {
	Mode  PoolMode `json:"mode"`
	Seed  uint64   `json:"seed"`
	Sizes []int    `json:"sizes"`
}

type poolState struct {
	Epoch  []int `json:"epoch"`
	Cursor []int `json:"cursor"`
}

func (p *Pool) config() poolConfig {
	sizes := make([]int, len(p.items))
	for a, it := range p.items {
		sizes[a] = len(it)
	}
	return poolConfig{p.mode, p.seed, sizes}
}

// Snapshot returns the (epoch, cursor) of every arm as versioned JSON.
func (p *Pool) Snapshot() ([]byte, error) {
	if p.items == nil {
		return nil, errPoolNotCreated
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return snapshot.Marshal(poolKind, poolVersion, p.config(), poolState{append([]int(nil), p.epoch...), append([]int(nil), p.cursor...)})
}

// Restore sets the pool's position from a snapshot of a pool with the same
// mode, seed and arm sizes; on error nothing changes.
func (p *Pool) Restore(data []byte) error {
	if p.items == nil {
		return errPoolNotCreated
	}
	var st poolState
	if err := snapshot.Unmarshal(data, poolKind, poolVersion, p.config(), &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Epoch) != len(p.items) || len(st.Cursor) != len(p.items) {
		return fmt.Errorf("%w: %d epochs and %d cursors for %d arms", ErrSnapshot, len(st.Epoch), len(st.Cursor), len(p.items))
	}
	for a := range st.Epoch {
		if st.Epoch[a] < 0 || st.Cursor[a] < 0 || st.Cursor[a] > len(p.items[a]) {
			return fmt.Errorf("%w: arm %d: epoch %d, cursor %d", ErrSnapshot, a, st.Epoch[a], st.Cursor[a])
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	copy(p.epoch, st.Epoch)
	copy(p.cursor, st.Cursor)
	for a := range p.perm {
		p.perm[a] = nil
	}
	return nil
}
