package router

import "fmt"

// reservations is a Pacer's table of outstanding reservations: slots reused
// through a free list, so a steady stream of reserve/settle pairs allocates
// nothing. An id is the slot's generation (high 32 bits) and its index + 1
// (low 32 bits); a slot's generation changes when it is freed, so an id is
// live exactly once.
type reservations struct {
	Slots []reservation `json:"slots"`
	Free  []int32       `json:"free"`
	Live  int           `json:"live"`
}

type reservation struct {
	Gen    uint32 `json:"gen"`
	Active bool   `json:"active"`
	Model  int32  `json:"model"`
	Amount int64  `json:"amount"`
	Seq    uint64 `json:"seq"` // window entry (0 = none)
}

// add stores r in a free slot and returns its id.
func (t *reservations) add(r reservation) uint64 {
	var i int32
	if k := len(t.Free); k > 0 {
		i = t.Free[k-1]
		t.Free = t.Free[:k-1]
	} else {
		t.Slots = append(t.Slots, reservation{})
		i = int32(len(t.Slots) - 1)
	}
	r.Gen, r.Active = t.Slots[i].Gen, true
	t.Slots[i] = r
	t.Live++
	return uint64(r.Gen)<<32 | uint64(i+1)
}

// get returns the slot of live reservation id, or −1.
func (t *reservations) get(id uint64) int32 {
	i := int64(id&0xffffffff) - 1
	if i < 0 || i >= int64(len(t.Slots)) || !t.Slots[i].Active || t.Slots[i].Gen != uint32(id>>32) {
		return -1
	}
	return int32(i)
}

// remove frees slot i.
func (t *reservations) remove(i int32) {
	s := &t.Slots[i]
	s.Active = false
	s.Gen++
	t.Free = append(t.Free, i)
	t.Live--
}

// check verifies a decoded table against n models and returns the units it
// holds.
func (t *reservations) check(n int) (int64, error) {
	if len(t.Slots) > 1<<31-2 {
		return 0, fmt.Errorf("too many slots")
	}
	var held int64
	free := make([]bool, len(t.Slots))
	for _, i := range t.Free {
		if i < 0 || int(i) >= len(t.Slots) || free[i] || t.Slots[i].Active {
			return 0, fmt.Errorf("free list entry %d", i)
		}
		free[i] = true
	}
	live := 0
	for i, s := range t.Slots {
		if !s.Active && !free[i] {
			return 0, fmt.Errorf("slot %d neither active nor free", i)
		}
		if s.Active {
			if s.Model < 0 || int(s.Model) >= n || s.Amount < 0 || s.Amount > maxUnits {
				return 0, fmt.Errorf("slot %d", i)
			}
			held += s.Amount
			if held > maxUnits {
				return 0, fmt.Errorf("reservations overflow")
			}
			live++
		}
	}
	if live != t.Live {
		return 0, fmt.Errorf("live = %d, slots hold %d", t.Live, live)
	}
	return held, nil
}
