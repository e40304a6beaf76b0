package skill

import (
	"fmt"
	"math"
	"time"
)

// SlowMode selects what the epoch-end slow update does with its guidance.
type SlowMode int

const (
	// SlowAuto (the default) is SlowForce, the reference's default, unless
	// Run is given a Proposer that does not implement EpochHook: the
	// epoch-end updates are then skipped from that point on, as with
	// SlowOff.
	SlowAuto  SlowMode = iota
	SlowForce          // inject into the current document without the gate (the reference's behaviour)
	SlowGated          // accept only through the validation gate (the paper's setting)
	SlowOff            // no epoch-end comparison, slow update or meta memory
)

// String returns the mode's name ("auto", "force", "gated", "off"), or
// SlowMode(n).
func (m SlowMode) String() string { return intEnum("SlowMode", m, "auto", "force", "gated", "off") }

// BufferReset says when the rejected-edit buffer is emptied.
type BufferReset int

const (
	ResetEachEpoch BufferReset = iota // at every epoch start (the reference)
	ResetNever                        // keep entries across epochs (bounded by BufferCapacity)
)

// String returns the policy's name ("each_epoch", "never"), or
// BufferReset(n).
func (r BufferReset) String() string { return intEnum("BufferReset", r, "each_epoch", "never") }

// Config configures an Optimizer. Its zero value is the reference's
// defaults: 4 epochs, batches of 40 training items per step, 8 rollouts
// per optimizer call, seed 42, the edit schedule cosine from 4 to 2 over all
// steps, first-K selection, the hard-score gate with ties rejected, a
// per-epoch buffer, a force-accepted slow update on 20 sampled items from
// epoch 2 with meta memory, and no hard budgets. Budgets and the options
// marked as budgetkit's are off when zero.
type OptimizerConfig struct {
	Epochs    int    `json:"epochs,omitempty"`     // default 4
	BatchSize int    `json:"batch_size,omitempty"` // training items per step; default 40
	PerCall   int    `json:"per_call,omitempty"`   // rollouts per optimizer call; default 8
	Seed      uint64 `json:"seed,omitempty"`       // default 42

	// FailureOnly sends only failed rollouts to the optimizer model (the
	// reference's gradient.failure_only); by default successes are
	// analysed too, in their own calls.
	FailureOnly bool `json:"failure_only,omitempty"`

	// Budget bounds each step's change; Budget.Steps defaults to the run's
	// number of steps and Budget.Edits to the cosine 4 → 2 schedule.
	Budget Budget `json:"budget"`
	// Selector trims proposals beyond the step's limits; nil means FirstK.
	Selector Selector `json:"-"`
	// Lenient applies edits the reference's way (ApplyLenient: first
	// occurrence, missing targets skipped) instead of strictly, for
	// reproduction. Proposals are then never retried.
	Lenient bool `json:"lenient,omitempty"`
	// Retries is how many times a call whose proposal failed to apply (or
	// whose proposer returned an error) is asked again, with the errors;
	// zero means 1, negative means never (the reference never retries).
	Retries int `json:"retries,omitempty"`

	Gate Gate `json:"gate"`

	// BufferCapacity keeps only the most recent entries (0: all).
	BufferCapacity int         `json:"buffer_capacity,omitempty"`
	BufferReset    BufferReset `json:"buffer_reset,omitempty"`

	SlowUpdate  SlowMode `json:"slow_update,omitempty"`
	SlowSamples int      `json:"slow_samples,omitempty"` // default 20
	NoMemory    bool     `json:"no_memory,omitempty"`    // ignore the meta memory the epoch hook writes

	// Hard budgets (budgetkit's; zero = unlimited). Evaluation units are
	// items run (a cached validation score costs none) and are checked
	// before each evaluation is issued, as are proposer calls (epoch-end
	// calls included); cost (the sum of Result, Proposal and EpochUpdate
	// costs) and wall time are checked before every call, so they can be
	// exceeded by at most the last call. When a budget would be exceeded
	// the run stops cleanly with the best document so far.
	MaxEvalUnits     int           `json:"max_eval_units,omitempty"`
	MaxProposerCalls int           `json:"max_proposer_calls,omitempty"`
	MaxCost          float64       `json:"max_cost,omitempty"`
	MaxWall          time.Duration `json:"max_wall,omitempty"`

	// Tokenize, if set, counts tokens so that audit records give each
	// change's size in tokens too (Size.Tokens).
	Tokenize func(string) int `json:"-"`
}

// withDefaults fills zero fields with the reference's values.
func (c OptimizerConfig) withDefaults(trainItems int) OptimizerConfig {
	if c.Epochs == 0 {
		c.Epochs = 4
	}
	if c.BatchSize == 0 {
		c.BatchSize = 40
	}
	if c.PerCall == 0 {
		c.PerCall = 8
	}
	if c.Seed == 0 {
		c.Seed = 42
	}
	if c.SlowSamples == 0 {
		c.SlowSamples = 20
	}
	if c.Retries == 0 {
		c.Retries = 1
	}
	if c.Retries < 0 || c.Lenient {
		c.Retries = 0
	}
	if c.Selector == nil {
		c.Selector = FirstK{}
	}
	if c.Budget.Steps == 0 && trainItems > 0 && c.BatchSize > 0 && c.Epochs > 0 {
		c.Budget.Steps = c.Epochs * c.stepsPerEpoch(trainItems)
	}
	return c
}

func (c OptimizerConfig) stepsPerEpoch(trainItems int) int {
	return (trainItems + c.BatchSize - 1) / c.BatchSize
}

func (c OptimizerConfig) validate() error {
	switch {
	case c.Epochs < 0:
		return fmt.Errorf("%w: OptimizerConfig.Epochs = %d", ErrInvalid, c.Epochs)
	case c.BatchSize < 0:
		return fmt.Errorf("%w: OptimizerConfig.BatchSize = %d", ErrInvalid, c.BatchSize)
	case c.PerCall < 0:
		return fmt.Errorf("%w: OptimizerConfig.PerCall = %d", ErrInvalid, c.PerCall)
	case c.SlowSamples < 0:
		return fmt.Errorf("%w: OptimizerConfig.SlowSamples = %d", ErrInvalid, c.SlowSamples)
	case c.SlowUpdate < SlowAuto || c.SlowUpdate > SlowOff:
		return fmt.Errorf("%w: OptimizerConfig.SlowUpdate = %d", ErrInvalid, c.SlowUpdate)
	case c.BufferCapacity < 0:
		return fmt.Errorf("%w: OptimizerConfig.BufferCapacity = %d", ErrInvalid, c.BufferCapacity)
	case c.BufferReset < ResetEachEpoch || c.BufferReset > ResetNever:
		return fmt.Errorf("%w: OptimizerConfig.BufferReset = %d", ErrInvalid, c.BufferReset)
	case c.MaxEvalUnits < 0:
		return fmt.Errorf("%w: OptimizerConfig.MaxEvalUnits = %d (negative budget)", ErrInvalid, c.MaxEvalUnits)
	case c.MaxProposerCalls < 0:
		return fmt.Errorf("%w: OptimizerConfig.MaxProposerCalls = %d (negative budget)", ErrInvalid, c.MaxProposerCalls)
	case !(c.MaxCost >= 0) || math.IsInf(c.MaxCost, 0):
		return fmt.Errorf("%w: OptimizerConfig.MaxCost = %v (must be finite and ≥ 0)", ErrInvalid, c.MaxCost)
	case c.MaxWall < 0:
		return fmt.Errorf("%w: OptimizerConfig.MaxWall = %v (negative budget)", ErrInvalid, c.MaxWall)
	}
	if r, ok := c.Selector.(Ranked); ok && r == nil {
		return fmt.Errorf("%w: OptimizerConfig.Selector is a nil Ranked", ErrInvalid)
	}
	if err := c.Gate.validate(); err != nil {
		return err
	}
	if err := c.Budget.Validate(); err != nil {
		return err
	}
	return nil
}
