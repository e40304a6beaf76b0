package router

import (
	"fmt"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const pacerKind, pacerVersion = "router.Pacer", 2

// Snapshot returns the pacer's state — dual price, accounting, outstanding
// reservations, window and warm-start buffer — as versioned JSON. A pacer
// restored from it continues bit-identically, and reservations outstanding
// at snapshot time can still be settled.
func (p *Pacer) Snapshot() ([]byte, error) {
	if err := p.created(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return snapshot.Marshal(pacerKind, pacerVersion, p.cfg, p.st)
}

// Restore restores a snapshot taken from a pacer with the same
// configuration (model cost functions are not compared). Every field's
// domain is checked; on error the pacer is unchanged.
func (p *Pacer) Restore(data []byte) error {
	if err := p.created(); err != nil {
		return err
	}
	var st pacerState
	if err := snapshot.Unmarshal(data, pacerKind, pacerVersion, p.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if err := p.checkState(&st); err != nil {
		return fmt.Errorf("%w: %w: %v", ErrSnapshot, snapshot.ErrCorrupt, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st = st
	return nil
}

// checkState verifies a decoded state's invariants so that a crafted
// snapshot can never make the pacer panic or misaccount.
func (p *Pacer) checkState(st *pacerState) error {
	n := len(p.cfg.Models)
	if !num.IsFinite(st.Mu) || st.Mu < 0 {
		return fmt.Errorf("mu = %v", st.Mu)
	}
	if st.Spent < 0 || st.Spent > maxUnits || st.Reserved < 0 || st.Done < 0 || st.Routed < 0 || st.Rejected < 0 || st.Fallbacks < 0 || st.Over < 0 {
		return fmt.Errorf("counter out of range")
	}
	held, err := st.Res.check(n)
	if err != nil {
		return err
	}
	if held != st.Reserved {
		return fmt.Errorf("reserved %d, slots hold %d", st.Reserved, held)
	}
	if !st.Window.check() {
		return fmt.Errorf("window")
	}
	if p.window == 0 && (len(st.Window.Ring) != 0 || st.Window.Sum != 0 || st.Window.Seq != 0) {
		return fmt.Errorf("window state without a window")
	}
	w := p.cfg.WarmStart
	switch {
	case w == 0:
		if len(st.Warm.Q) != 0 || len(st.Warm.C) != 0 || st.Warm.N != 0 || st.Warm.Done {
			return fmt.Errorf("warm-start state without warm start")
		}
	case st.Warm.Done:
		if len(st.Warm.Q) != 0 || len(st.Warm.C) != 0 || st.Warm.N != w {
			return fmt.Errorf("warm-start buffer after warm start")
		}
	default:
		if len(st.Warm.Q) != w*n || len(st.Warm.C) != w*n || st.Warm.N < 0 || st.Warm.N >= w {
			return fmt.Errorf("warm-start buffer")
		}
		if _, ok := num.AllFinite(st.Warm.Q); !ok {
			return fmt.Errorf("warm-start qualities")
		}
		for _, c := range st.Warm.C {
			if !num.IsFinite(c) || c < 0 {
				return fmt.Errorf("warm-start costs")
			}
		}
	}
	st.Res.Slots, st.Res.Free, st.Window.Ring = slices.Clip(st.Res.Slots), slices.Clip(st.Res.Free), slices.Clip(st.Window.Ring)
	return nil
}
