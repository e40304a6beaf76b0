package router

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const memLedgerKind, memLedgerVersion = "router.MemoryLedger", 1

type memLedgerState struct {
	Accounts []memAccountJSON `json:"accounts"`
	Holds    []memHoldJSON    `json:"holds"`
}

type memAccountJSON struct {
	Name   string     `json:"name"`
	Limit  int64      `json:"limit"`
	Period periodJSON `json:"period"`
	Start  int64      `json:"start"`
	End    int64      `json:"end"`
	Spent  int64      `json:"spent"`
	Held   int64      `json:"held"`
}

type memHoldJSON struct {
	ID       uint64   `json:"id"`
	Amount   int64    `json:"amount"`
	Deadline int64    `json:"deadline"`
	Accounts []string `json:"accounts"`
	Starts   []int64  `json:"starts"`
}

// Snapshot returns the ledger's accounts (with their current periods,
// spend and holds) and live holds as versioned JSON.
func (l *MemoryLedger) Snapshot() ([]byte, error) {
	if !l.ok {
		return nil, errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var st memLedgerState
	for _, a := range l.accounts {
		st.Accounts = append(st.Accounts, memAccountJSON{Name: a.name, Limit: a.limit, Period: toPeriodJSON(a.period),
			Start: a.start, End: a.end, Spent: a.spent, Held: a.held})
	}
	for _, slot := range l.heap { // live holds, in heap order
		h := &l.holds[slot]
		j := memHoldJSON{ID: h.id, Amount: h.amount, Deadline: h.deadline, Starts: append([]int64{}, h.start...)}
		for _, i := range h.acct {
			j.Accounts = append(j.Accounts, l.accounts[i].name)
		}
		st.Holds = append(st.Holds, j)
	}
	return snapshot.Marshal(memLedgerKind, memLedgerVersion, struct{}{}, st)
}

// Restore replaces the ledger's accounts and holds by a snapshot's, after
// checking every field's domain and that each account's held amount is the
// sum of its live holds in its current period. On error the ledger is
// unchanged.
func (l *MemoryLedger) Restore(data []byte) error {
	if !l.ok {
		return errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	var st memLedgerState
	if err := snapshot.Unmarshal(data, memLedgerKind, memLedgerVersion, struct{}{}, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	f, err := restoredLedger(&st)
	if err != nil {
		return fmt.Errorf("%w: %w: %v", ErrSnapshot, snapshot.ErrCorrupt, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts, l.index, l.holds, l.free, l.byID, l.heap = f.accounts, f.index, f.holds, f.free, f.byID, f.heap
	return nil
}

func restoredLedger(st *memLedgerState) (*MemoryLedger, error) {
	f := &MemoryLedger{ok: true, index: map[string]int32{}, byID: map[uint64]int32{}}
	for i, aj := range st.Accounts {
		p, err := aj.Period.period()
		if err != nil {
			return nil, fmt.Errorf("accounts[%d]: %v", i, err)
		}
		if err := f.add(Account{Name: aj.Name, Limit: aj.Limit, Period: p}); err != nil {
			return nil, fmt.Errorf("accounts[%d]: %v", i, err)
		}
		if !checkBounds(p, aj.Start, aj.End) || aj.Spent < 0 || aj.Held < 0 {
			return nil, fmt.Errorf("accounts[%d] state", i)
		}
		a := &f.accounts[i]
		a.start, a.end, a.rolled, a.spent, a.held = aj.Start, aj.End, aj.End != 0, aj.Spent, aj.Held
	}
	held := make([]int64, len(f.accounts))
	for k, hj := range st.Holds {
		if _, dup := f.byID[hj.ID]; dup || hj.Amount < 0 || len(hj.Accounts) == 0 || len(hj.Starts) != len(hj.Accounts) {
			return nil, fmt.Errorf("holds[%d]", k)
		}
		slot := int32(len(f.holds))
		h := memHold{id: hj.ID, amount: hj.Amount, deadline: hj.Deadline, live: true, start: hj.Starts}
		for j, name := range hj.Accounts {
			i, ok := f.index[name]
			if !ok || (j > 0 && containsInt32(h.acct, i)) {
				return nil, fmt.Errorf("holds[%d].accounts[%d] = %q", k, j, name)
			}
			h.acct = append(h.acct, i)
			if f.accounts[i].start == hj.Starts[j] {
				if held[i] > math.MaxInt64-hj.Amount {
					return nil, fmt.Errorf("holds overflow")
				}
				held[i] += hj.Amount
			}
		}
		f.holds = append(f.holds, h)
		f.byID[hj.ID] = slot
		f.heapPush(slot)
	}
	for i := range held {
		if held[i] != f.accounts[i].held {
			return nil, fmt.Errorf("accounts[%d].held = %d, holds hold %d", i, f.accounts[i].held, held[i])
		}
	}
	return f, nil
}

func containsInt32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
