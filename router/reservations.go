package router

import (
	"fmt"
	"slices"
)

// Reservation ids: the issuing pacer (24 bits), the slot's generation (16
// bits) and the slot's index + 1 (24 bits), so at most 2²⁴ − 1 reservations
// are outstanding per pacer and an id from another pacer, or an id whose
// slot has since been reused, is refused.
const (
	issuerBits = 24
	genBits    = 16
	slotBits   = 24
	maxSlots   = 1<<slotBits - 1
)

// reservations is a Pacer's table of outstanding reservations: slots reused
// through a free list, so a steady stream of reserve/settle pairs allocates
// nothing, and a doubly linked list of live slots in deadline order (the
// pacer's time never goes back and the TTL is fixed, so deadlines are
// issued in order and the list's head is the next to expire).
type reservations struct {
	Slots []reservation `json:"slots"`
	Free  []int32       `json:"free"`
	Live  int           `json:"live"`
	Next  uint64        `json:"next"` // issue number of the next reservation
	head  int32         // first live slot by deadline (−1: none)
	tail  int32
}

type reservation struct {
	Gen     uint32 `json:"gen"`
	Active  bool   `json:"active"`
	Pending bool   `json:"pending,omitempty"` // a ledger call is in flight
	Local   bool   `json:"local,omitempty"`   // not held in the ledger (fallback, fail-open)
	Model   int32  `json:"model"`
	Account int32  `json:"account"` // the tenant charged (0: the root)
	Amount  int64  `json:"amount"`
	At      int64  `json:"at"`  // routing time, Unix ns
	Seq     uint64 `json:"seq"` // window entry (0 = none)
	N       uint64 `json:"n"`   // issue number (deadline order)
	prev    int32
	next    int32
}

func (t *reservations) id(issuer uint32, i int32) uint64 {
	return uint64(issuer)<<(genBits+slotBits) | uint64(t.Slots[i].Gen&(1<<genBits-1))<<slotBits | uint64(i+1)
}

// add stores r in a free slot, appends it to the deadline list and returns
// its slot, or −1 if the table is full.
func (t *reservations) add(r reservation) int32 {
	if t.Live == 0 {
		t.head, t.tail = -1, -1
	}
	var i int32
	if k := len(t.Free); k > 0 {
		i = t.Free[k-1]
		t.Free = t.Free[:k-1]
	} else {
		if len(t.Slots) >= maxSlots {
			return -1
		}
		t.Slots = append(t.Slots, reservation{})
		i = int32(len(t.Slots) - 1)
	}
	r.Gen, r.Active, r.N = t.Slots[i].Gen, true, t.Next
	r.prev, r.next = t.tail, -1
	t.Next++
	t.Slots[i] = r
	if t.tail >= 0 {
		t.Slots[t.tail].next = i
	} else {
		t.head = i
	}
	t.tail = i
	t.Live++
	return i
}

// get returns the slot of live reservation id issued by issuer, or −1.
func (t *reservations) get(issuer uint32, id uint64) int32 {
	if id>>(genBits+slotBits) != uint64(issuer) {
		return -1
	}
	i := int64(id&(1<<slotBits-1)) - 1
	if i < 0 || i >= int64(len(t.Slots)) {
		return -1
	}
	s := &t.Slots[i]
	if !s.Active || s.Gen&(1<<genBits-1) != uint32(id>>slotBits)&(1<<genBits-1) {
		return -1
	}
	return int32(i)
}

// remove frees slot i.
func (t *reservations) remove(i int32) {
	s := &t.Slots[i]
	if s.prev >= 0 {
		t.Slots[s.prev].next = s.next
	} else {
		t.head = s.next
	}
	if s.next >= 0 {
		t.Slots[s.next].prev = s.prev
	} else {
		t.tail = s.prev
	}
	s.Active, s.Pending = false, false
	s.Gen++
	t.Free = append(t.Free, i)
	t.Live--
	if t.Live == 0 {
		t.head, t.tail = -1, -1
	}
}

// oldest returns the live slot issued first, or −1.
func (t *reservations) oldest() int32 {
	if t.Live == 0 {
		return -1
	}
	return t.head
}

// relink rebuilds the deadline list of a decoded table.
func (t *reservations) relink() {
	t.head, t.tail = -1, -1
	var live []int32
	for i := range t.Slots {
		if t.Slots[i].Active {
			live = append(live, int32(i))
		}
	}
	slices.SortFunc(live, func(a, b int32) int {
		if t.Slots[a].N < t.Slots[b].N {
			return -1
		}
		return 1
	})
	for _, i := range live {
		s := &t.Slots[i]
		s.prev, s.next = t.tail, -1
		if t.tail >= 0 {
			t.Slots[t.tail].next = i
		} else {
			t.head = i
		}
		t.tail = i
	}
}

// check verifies a decoded table against n models and a accounts.
func (t *reservations) check(n, a int) error {
	if len(t.Slots) > maxSlots {
		return fmt.Errorf("too many slots")
	}
	free := make([]bool, len(t.Slots))
	for _, i := range t.Free {
		if i < 0 || int(i) >= len(t.Slots) || free[i] || t.Slots[i].Active {
			return fmt.Errorf("free list entry %d", i)
		}
		free[i] = true
	}
	live := 0
	seen := map[uint64]bool{}
	for i, s := range t.Slots {
		if !s.Active && !free[i] {
			return fmt.Errorf("slot %d neither active nor free", i)
		}
		if s.Active {
			if s.Model < 0 || int(s.Model) >= n || s.Account < 0 || int(s.Account) >= a || s.Amount < 0 || s.Amount > maxUnits || s.N >= t.Next || seen[s.N] {
				return fmt.Errorf("slot %d", i)
			}
			seen[s.N] = true
			t.Slots[i].Pending = false // a ledger call in flight at snapshot time
			live++
		}
	}
	if live != t.Live {
		return fmt.Errorf("live = %d, slots hold %d", t.Live, live)
	}
	return nil
}
