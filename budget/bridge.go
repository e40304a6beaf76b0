package budget

import (
	"fmt"
	"math"
)

// PosteriorSource supplies a Beta(α, β) posterior of each prompt's success
// probability. *estimate.Tracker satisfies it as it is; any other store of
// per-prompt counts can implement it in a few lines.
type PosteriorSource interface {
	Posterior(id string) (alpha, beta float64, err error)
}

// BetaItems returns one Item per id for Allocate, valued by BetaKnapsack
// with the prompt's posterior from src, and with Cost, Min and Max zero (so
// AllocateConfig's defaults apply: cost 1, Knapsack RL's bounds [2, 128]).
// It is the loop every caller of a success-rate tracker would otherwise
// write:
//
//	items[i] = Item{Value: BetaKnapsack{Alpha: α_i, Beta: β_i}}
//
// An error from src, or a posterior parameter that is not finite and > 0, is
// returned naming the id and its index (src's own errors are wrapped, so
// errors.Is sees them; bad parameters wrap ErrInvalid), and no items are
// returned. O(len(ids)) calls to src; src's concurrency rules apply.
func BetaItems(ids []string, src PosteriorSource) ([]Item, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil PosteriorSource", ErrInvalid)
	}
	items := make([]Item, len(ids))
	for i, id := range ids {
		a, b, err := src.Posterior(id)
		if err != nil {
			return nil, fmt.Errorf("budget: ids[%d] = %q: %w", i, id, err)
		}
		if !(a > 0) || math.IsInf(a, 1) || !(b > 0) || math.IsInf(b, 1) {
			return nil, fmt.Errorf("%w: ids[%d] = %q: posterior Beta(%v, %v) (parameters must be finite and > 0)", ErrInvalid, i, id, a, b)
		}
		items[i] = Item{Value: BetaKnapsack{Alpha: a, Beta: b}}
	}
	return items, nil
}
