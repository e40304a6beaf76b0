package router

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Degenerate says what a CostNormalizer returns when its percentile range
// collapses (Q_hi ≤ Q_lo, e.g. every cost in the window is equal).
type Degenerate int

const (
	// DegenerateHalf returns efficiency 0.5, neutral (Router-R1's rule).
	DegenerateHalf Degenerate = iota
	// DegenerateBudgetMem widens the range as BudgetMem's reference does:
	// Q_hi = 1 if it is 0, otherwise Q_lo = 0.9·Q_hi.
	DegenerateBudgetMem
)

// String returns "DegenerateHalf" or "DegenerateBudgetMem", or
// Degenerate(n) for an unknown value.
func (d Degenerate) String() string {
	switch d {
	case DegenerateHalf:
		return "DegenerateHalf"
	case DegenerateBudgetMem:
		return "DegenerateBudgetMem"
	}
	return fmt.Sprintf("Degenerate(%d)", int(d))
}

// NormalizerConfig configures a CostNormalizer. Zero fields mean the
// defaults, which are BudgetMem's.
type NormalizerConfig struct {
	// Window is the number of recent costs kept (default 2,000, BudgetMem;
	// Router-R1 uses 1,000).
	Window int
	// Lo and Hi are the percentile levels (defaults 0.05 and 0.95, both
	// references).
	Lo, Hi float64
	// Degenerate selects the collapsed-range rule (default DegenerateHalf).
	Degenerate Degenerate
}

// BudgetMemNormalizer and RouterR1Normalizer are the two references'
// settings.
var (
	BudgetMemNormalizer = NormalizerConfig{Window: 2000, Lo: 0.05, Hi: 0.95, Degenerate: DegenerateBudgetMem}
	RouterR1Normalizer  = NormalizerConfig{Window: 1000, Lo: 0.05, Hi: 0.95, Degenerate: DegenerateHalf}
)

// CostNormalizer turns raw costs into cost-efficiency rewards in [0, 1] the
// way BudgetMem ("Learning Query-Aware Budget-Tier Routing for Runtime Agent
// Memory", ViktorAxelsen/BudgetMem, CostNormalizer) and Router-R1 ("Router-R1:
// Teaching LLMs Multi-Round Routing and Aggregation via Reinforcement
// Learning", Zhang, Feng & You, NeurIPS 2025, normalize_reward) shape their
// routing rewards:
//
//	eff(c) = 1 − clip((√c − Q_lo)/(Q_hi − Q_lo), 0, 1)
//
// where Q_lo, Q_hi are the Lo and Hi percentiles (linear interpolation,
// numpy's default) of √c over the last Window costs, the new cost included
// (both references append before normalising). With one cost in the window
// the range is degenerate. Negative costs are refused (BudgetMem silently
// clamps them to 0). The default DegenerateHalf differs from BudgetMem's
// reference, whose rule makes a window of equal costs score 0 efficiency;
// set DegenerateBudgetMem (or use BudgetMemNormalizer) to reproduce it.
//
// Add costs O(Window) (a sorted insertion); CostNormalizer is safe for
// concurrent use.
type CostNormalizer struct {
	mu     sync.Mutex
	cfg    NormalizerConfig
	ring   []float64 // √c in arrival order
	head   int
	sorted []float64
}

// NewCostNormalizer returns an empty normaliser.
func NewCostNormalizer(cfg NormalizerConfig) (*CostNormalizer, error) {
	if cfg.Window == 0 {
		cfg.Window = 2000
	}
	if cfg.Lo == 0 && cfg.Hi == 0 {
		cfg.Lo, cfg.Hi = 0.05, 0.95
	}
	if cfg.Window < 1 || cfg.Window > 1<<24 {
		return nil, fmt.Errorf("%w: NormalizerConfig.Window = %d (must be in [1, 2²⁴])", ErrInvalid, cfg.Window)
	}
	if !(cfg.Lo >= 0 && cfg.Lo < cfg.Hi && cfg.Hi <= 1) {
		return nil, fmt.Errorf("%w: NormalizerConfig.Lo, Hi = %v, %v (must satisfy 0 ≤ Lo < Hi ≤ 1)", ErrInvalid, cfg.Lo, cfg.Hi)
	}
	if cfg.Degenerate != DegenerateHalf && cfg.Degenerate != DegenerateBudgetMem {
		return nil, fmt.Errorf("%w: NormalizerConfig.Degenerate = %d (unknown)", ErrInvalid, cfg.Degenerate)
	}
	return &CostNormalizer{cfg: cfg}, nil
}

// Add appends cost c to the window and returns its efficiency.
func (n *CostNormalizer) Add(c float64) (float64, error) {
	if n.cfg.Window == 0 {
		return 0, errNotCreated("CostNormalizer", "NewCostNormalizer")
	}
	if !num.IsFinite(c) || c < 0 {
		return 0, fmt.Errorf("%w: cost = %v (must be finite and ≥ 0)", ErrInvalid, c)
	}
	s := math.Sqrt(c)
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.ring) == n.cfg.Window {
		old := n.ring[n.head]
		n.ring[n.head] = s
		n.head = (n.head + 1) % len(n.ring)
		i := sort.SearchFloat64s(n.sorted, old)
		n.sorted = slices.Delete(n.sorted, i, i+1)
	} else {
		n.ring = append(n.ring, s)
	}
	i := sort.SearchFloat64s(n.sorted, s)
	n.sorted = slices.Insert(n.sorted, i, s)
	return n.eff(s), nil
}

// Efficiency returns the efficiency of cost c against the current window
// without adding it. With an empty window it returns 0.5.
func (n *CostNormalizer) Efficiency(c float64) (float64, error) {
	if n.cfg.Window == 0 {
		return 0, errNotCreated("CostNormalizer", "NewCostNormalizer")
	}
	if !num.IsFinite(c) || c < 0 {
		return 0, fmt.Errorf("%w: cost = %v (must be finite and ≥ 0)", ErrInvalid, c)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.sorted) == 0 {
		return 0.5, nil
	}
	return n.eff(math.Sqrt(c)), nil
}

// Range returns the current (Q_lo, Q_hi) of √cost, before any degenerate
// adjustment, and the window's length.
func (n *CostNormalizer) Range() (lo, hi float64, count int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.sorted) == 0 {
		return 0, 0, 0
	}
	return num.QuantileSorted(n.sorted, n.cfg.Lo), num.QuantileSorted(n.sorted, n.cfg.Hi), len(n.sorted)
}

func (n *CostNormalizer) eff(s float64) float64 {
	lo, hi := num.QuantileSorted(n.sorted, n.cfg.Lo), num.QuantileSorted(n.sorted, n.cfg.Hi)
	if n.cfg.Degenerate == DegenerateBudgetMem {
		if hi <= lo {
			if hi == 0 {
				hi = 1
			} else {
				lo = 0.9 * hi
			}
		}
	} else if hi-lo < 1e-8 {
		return 0.5
	}
	return 1 - num.Clamp((s-lo)/(hi-lo), 0, 1)
}

const normalizerKind, normalizerVersion = "router.CostNormalizer", 1

type normalizerState struct {
	Costs []float64 `json:"sqrt_costs"` // oldest first
}

// Snapshot returns the window (oldest cost first) as versioned JSON.
func (n *CostNormalizer) Snapshot() ([]byte, error) {
	if n.cfg.Window == 0 {
		return nil, errNotCreated("CostNormalizer", "NewCostNormalizer")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	st := normalizerState{Costs: make([]float64, 0, len(n.ring))}
	for k := range n.ring {
		st.Costs = append(st.Costs, n.ring[(n.head+k)%len(n.ring)])
	}
	return snapshot.Marshal(normalizerKind, normalizerVersion, n.cfg, st)
}

// Restore restores a snapshot from a normaliser with the same
// configuration; on error the normaliser is unchanged.
func (n *CostNormalizer) Restore(data []byte) error {
	if n.cfg.Window == 0 {
		return errNotCreated("CostNormalizer", "NewCostNormalizer")
	}
	var st normalizerState
	if err := snapshot.Unmarshal(data, normalizerKind, normalizerVersion, n.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Costs) > n.cfg.Window {
		return fmt.Errorf("%w: %w: %d costs for a window of %d", ErrSnapshot, snapshot.ErrCorrupt, len(st.Costs), n.cfg.Window)
	}
	for i, s := range st.Costs {
		if !num.IsFinite(s) || s < 0 {
			return fmt.Errorf("%w: %w: sqrt_costs[%d] = %v", ErrSnapshot, snapshot.ErrCorrupt, i, s)
		}
	}
	sorted := slices.Clone(st.Costs)
	sort.Float64s(sorted)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ring, n.head, n.sorted = st.Costs, 0, sorted
	return nil
}
