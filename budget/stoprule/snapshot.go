package stoprule

import (
	"fmt"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const snapKind, snapVersion = "stoprule.Controller", 2

type snapState struct {
	K1        int   `json:"k1"`
	K2        int   `json:"k2"`
	Step      int   `json:"step"`
	LastRefit int   `json:"last_refit"`
	Lengths   []int `json:"lengths"` // oldest first
}

// Snapshot returns the controller's state (checkpoints, step, step of the
// last refit, length history) as versioned JSON.
func (c *Controller) Snapshot() ([]byte, error) {
	if !c.ok() {
		return nil, errZeroController
	}
	c.mu.Lock()
	st := snapState{K1: c.k1, K2: c.k2, Step: c.step, LastRefit: c.lastRefit, Lengths: []int{}}
	if c.full {
		st.Lengths = append(append(st.Lengths, c.lengths[c.next:]...), c.lengths[:c.next]...)
	} else {
		st.Lengths = append(st.Lengths, c.lengths[:c.next]...)
	}
	c.mu.Unlock()
	return snapshot.Marshal(snapKind, snapVersion, c.cfg, st)
}

// Restore replaces the controller's state with a snapshot from a controller
// of the same configuration. Every field's domain is checked (0 ≤ K1 ≤ K2 ≤
// 2·MaxCount, −1 ≤ last refit ≤ step, at most History lengths, each in
// [0, MaxLength]); on error, wrapping ErrSnapshot, nothing changes.
func (c *Controller) Restore(data []byte) error {
	if !c.ok() {
		return errZeroController
	}
	var st snapState
	if err := snapshot.Unmarshal(data, snapKind, snapVersion, c.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if st.K1 < 0 || st.K2 < st.K1 || st.K2 > 2*MaxCount || st.Step < 0 || st.LastRefit < -1 || st.LastRefit > st.Step ||
		len(st.Lengths) > c.cfg.History {
		return fmt.Errorf("%w: K1 = %d, K2 = %d, step %d, last refit %d, %d lengths (out of range)",
			ErrSnapshot, st.K1, st.K2, st.Step, st.LastRefit, len(st.Lengths))
	}
	for i, l := range st.Lengths {
		if l < 0 || l > c.cfg.MaxLength {
			return fmt.Errorf("%w: lengths[%d] = %d (must be in [0, MaxLength = %d])", ErrSnapshot, i, l, c.cfg.MaxLength)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.k1, c.k2, c.step, c.lastRefit = st.K1, st.K2, st.Step, st.LastRefit
	clear(c.lengths)
	copy(c.lengths, st.Lengths)
	c.next = len(st.Lengths) % len(c.lengths)
	c.full = len(st.Lengths) == len(c.lengths)
	return nil
}
