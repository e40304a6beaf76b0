package curriculum

import (
	"context"
	"fmt"
)

// Stack keeps requesting candidate batches from next until need items pass
// keep, or maxRounds batches have been drawn (the "stacking" of dynamic
// sampling). It returns the kept items (at most need), the number of rounds
// used, and an error if next fails or ctx is cancelled (checked before each
// round); when the rounds run out first, it returns what it has with a nil
// error, so the caller can decide to train on a smaller batch. ctx, next and
// keep must be non-nil. It calls next and keep from the calling goroutine
// only.
func Stack[T any](ctx context.Context, need, maxRounds int, next func(context.Context) ([]T, error), keep func(T) bool) ([]T, int, error) {
	switch {
	case ctx == nil:
		return nil, 0, fmt.Errorf("%w: Stack: nil context", ErrInvalid)
	case next == nil || keep == nil:
		return nil, 0, fmt.Errorf("%w: Stack: nil next or keep function", ErrInvalid)
	case need < 0:
		return nil, 0, fmt.Errorf("%w: Stack: need = %d (must be ≥ 0)", ErrInvalid, need)
	case maxRounds <= 0:
		return nil, 0, fmt.Errorf("%w: Stack: maxRounds = %d (must be > 0)", ErrInvalid, maxRounds)
	}
	var out []T
	rounds := 0
	for len(out) < need && rounds < maxRounds {
		if err := ctx.Err(); err != nil {
			return out, rounds, err
		}
		batch, err := next(ctx)
		rounds++
		if err != nil {
			return out, rounds, fmt.Errorf("curriculum: stacking round %d: %w", rounds, err)
		}
		for _, x := range batch {
			if len(out) == need {
				break
			}
			if keep(x) {
				out = append(out, x)
			}
		}
	}
	return out, rounds, nil
}
