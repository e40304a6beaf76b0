package router

import (
	"fmt"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const pacerKind, pacerVersion = "router.Pacer", 1

// MarshalBinary snapshots the pacer — dual price, accounting, outstanding
// reservations, window and warm-start buffer — as versioned JSON. A pacer
// restored from it continues bit-identically, and reservations outstanding
// at snapshot time can still be settled.
func (p *Pacer) MarshalBinary() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return snapshot.Marshal(pacerKind, pacerVersion, p.cfg, p.st)
}

// UnmarshalBinary restores a snapshot taken from a pacer with the same
// configuration (model cost functions are not compared). On error the
// pacer is unchanged.
func (p *Pacer) UnmarshalBinary(data []byte) error {
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
	if st.Spent < 0 || st.Reserved < 0 || st.Done < 0 || st.Routed < 0 || st.Rejected < 0 || st.Fallbacks < 0 || st.Over < 0 || st.WindowSum < 0 {
		return fmt.Errorf("negative counter")
	}
	if len(st.Slots) > 1<<31-2 {
		return fmt.Errorf("too many slots")
	}
	var reserved int64
	free := make([]bool, len(st.Slots))
	for _, i := range st.Free {
		if i < 0 || int(i) >= len(st.Slots) || free[i] || st.Slots[i].Active {
			return fmt.Errorf("free list entry %d", i)
		}
		free[i] = true
	}
	for i, s := range st.Slots {
		if !s.Active && !free[i] {
			return fmt.Errorf("slot %d neither active nor free", i)
		}
		if s.Active {
			if s.Model < 0 || int(s.Model) >= n || s.Amount < 0 || s.Amount > maxUnits {
				return fmt.Errorf("slot %d", i)
			}
			reserved += s.Amount
			if reserved > maxUnits {
				return fmt.Errorf("reservations overflow")
			}
		}
	}
	if reserved != st.Reserved {
		return fmt.Errorf("reserved %d, slots hold %d", st.Reserved, reserved)
	}
	if st.RingLen < 0 || st.RingLen > len(st.Ring) || st.RingHead < 0 || (len(st.Ring) > 0 && st.RingHead >= len(st.Ring)) || (len(st.Ring) == 0 && st.RingHead != 0) {
		return fmt.Errorf("window ring")
	}
	if p.window == 0 && (len(st.Ring) != 0 || st.WindowSum != 0) {
		return fmt.Errorf("window state without a window")
	}
	var sum int64
	for k := 0; k < st.RingLen; k++ {
		a := st.Ring[(st.RingHead+k)%len(st.Ring)].Amount
		if a < 0 || a > maxUnits || sum > maxUnits-a {
			return fmt.Errorf("window amounts")
		}
		sum += a
	}
	if sum != st.WindowSum {
		return fmt.Errorf("window sum %d, entries hold %d", st.WindowSum, sum)
	}
	w := p.cfg.WarmStart
	switch {
	case w == 0:
		if len(st.WarmQ) != 0 || len(st.WarmC) != 0 || st.WarmN != 0 {
			return fmt.Errorf("warm-start state without warm start")
		}
	case st.WarmDone:
		if len(st.WarmQ) != 0 || len(st.WarmC) != 0 {
			return fmt.Errorf("warm-start buffer after warm start")
		}
	default:
		if len(st.WarmQ) != w*n || len(st.WarmC) != w*n || st.WarmN < 0 || st.WarmN >= w {
			return fmt.Errorf("warm-start buffer")
		}
		if _, ok := num.AllFinite(st.WarmQ); !ok {
			return fmt.Errorf("warm-start qualities")
		}
		for _, c := range st.WarmC {
			if !num.IsFinite(c) || c < 0 {
				return fmt.Errorf("warm-start costs")
			}
		}
	}
	st.Slots, st.Free, st.Ring = slices.Clip(st.Slots), slices.Clip(st.Free), slices.Clip(st.Ring)
	return nil
}
