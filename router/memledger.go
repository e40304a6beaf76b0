package router

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
	"unicode/utf8"
)

// AccountAdder is implemented by ledgers that can open accounts after they
// are created (for example when a new API key appears). Pacer.AddTenant
// calls it on its ledger.
type AccountAdder interface {
	AddAccount(ctx context.Context, a Account) error
}

// MemoryLedger is the in-process Ledger: exact integer accounts with
// calendar or fixed-length periods, and holds that expire at their
// deadline. It is a Pacer's default ledger; share one MemoryLedger between
// several pacers in a process to give them one budget.
//
// Semantics, per the Ledger contract: Reserve admits a hold only if
// spent + held + amount ≤ limit on every account of its path in the period
// containing now, and then holds it on all of them, or on none. Settle
// records the actual amount in the period the hold was made in (if that
// period has ended, the spend belongs to it and no longer counts against
// the current one), Release drops the hold, and a hold is live until its
// deadline: every call first expires the holds whose deadline is at or
// before its now, and Expire does only that. Spend saturates at MaxInt64
// rather than wrap. Balance reports the period containing now; periods
// before an account's current one are not kept (Balance at an earlier time
// reports the current period).
//
// Complexity: Reserve, Settle and Release are O(d + log h) for a path of d
// accounts and h live holds (an indexed heap of deadlines), and allocate
// nothing once the hold table has grown to the peak number of live holds.
// MemoryLedger is safe for concurrent use (one mutex; it is linearizable).
// The zero MemoryLedger is not usable (use NewMemoryLedger).
type MemoryLedger struct {
	mu       sync.Mutex
	ok       bool
	accounts []memAccount
	index    map[string]int32
	holds    []memHold
	free     []int32
	byID     map[uint64]int32
	heap     []int32 // hold slots ordered by deadline
}

type memAccount struct {
	name       string
	limit      int64
	period     Period
	start, end int64 // current period, Unix ns (0, 0 for Lifetime)
	rolled     bool  // start, end are set
	spent      int64
	held       int64
}

type memHold struct {
	id       uint64
	amount   int64
	deadline int64
	acct     []int32
	start    []int64 // each account's period start when the hold was made
	pos      int     // index in heap
	live     bool
}

// NewMemoryLedger returns a ledger holding the given accounts. It returns
// an error wrapping ErrInvalid for an invalid or duplicate account.
func NewMemoryLedger(accounts []Account) (*MemoryLedger, error) {
	l := &MemoryLedger{ok: true, index: make(map[string]int32, len(accounts)), byID: map[uint64]int32{}}
	for i, a := range accounts {
		if err := l.add(a); err != nil {
			return nil, fmt.Errorf("accounts[%d]: %w", i, err)
		}
	}
	return l, nil
}

// checkAccount validates an Account.
func checkAccount(a Account) error {
	if a.Name == "" || !utf8.ValidString(a.Name) {
		return fmt.Errorf("%w: Account.Name = %q (must be non-empty valid UTF-8)", ErrInvalid, a.Name)
	}
	if a.Limit <= 0 {
		return fmt.Errorf("%w: Account %q Limit = %d (must be > 0)", ErrInvalid, a.Name, a.Limit)
	}
	if err := a.Period.Validate(); err != nil {
		return fmt.Errorf("account %q: %w", a.Name, err)
	}
	return nil
}

func (l *MemoryLedger) add(a Account) error {
	if err := checkAccount(a); err != nil {
		return err
	}
	if _, dup := l.index[a.Name]; dup {
		return fmt.Errorf("%w: Account.Name = %q (already exists)", ErrInvalid, a.Name)
	}
	if len(l.accounts) >= math.MaxInt32 {
		return fmt.Errorf("%w: too many accounts", ErrInvalid)
	}
	l.index[a.Name] = int32(len(l.accounts))
	l.accounts = append(l.accounts, memAccount{name: a.Name, limit: a.Limit, period: a.Period})
	return nil
}

// AddAccount opens a new account (e.g. for a new API key); it fails with an
// error wrapping ErrInvalid for an invalid account or a name already in
// use.
func (l *MemoryLedger) AddAccount(_ context.Context, a Account) error {
	if !l.ok {
		return errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.add(a)
}

// roll moves account a to the period containing now, if now is past its
// current one.
func (a *memAccount) roll(now int64) {
	if a.period.Kind == Lifetime || (a.rolled && now < a.end) {
		return
	}
	if a.rolled && now < a.start {
		return // an earlier time than the current period: keep it
	}
	s, e, err := a.period.Bounds(time.Unix(0, now))
	if err != nil {
		return // validated at creation
	}
	if !a.rolled || s.UnixNano() != a.start {
		a.spent, a.held = 0, 0
	}
	a.start, a.end, a.rolled = s.UnixNano(), e.UnixNano(), true
}

// room is limit − spent − held without overflow (negative: none).
func (a *memAccount) room() int64 {
	if a.spent >= a.limit {
		return -1
	}
	r := a.limit - a.spent
	if a.held > r {
		return -1
	}
	return r - a.held
}

// Reserve implements Ledger. It does not allocate once the hold table has
// grown to the peak number of live holds.
func (l *MemoryLedger) Reserve(ctx context.Context, now time.Time, h Hold) error {
	if !l.ok {
		return errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if len(h.Accounts) == 0 {
		return fmt.Errorf("%w: Hold.Accounts is empty", ErrInvalid)
	}
	if h.Amount < 0 {
		return fmt.Errorf("%w: Hold.Amount = %d (must be ≥ 0)", ErrInvalid, h.Amount)
	}
	t := now.UnixNano()
	if !h.Deadline.After(now) {
		return fmt.Errorf("%w: Hold.Deadline = %v (must be after now = %v)", ErrInvalid, h.Deadline, now)
	}
	for i, a := range h.Accounts {
		for _, b := range h.Accounts[:i] {
			if a == b {
				return fmt.Errorf("%w: Hold.Accounts lists %q twice", ErrInvalid, a)
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(t)
	if _, dup := l.byID[h.ID]; dup {
		return fmt.Errorf("%w: Hold.ID = %#x (already live)", ErrInvalid, h.ID)
	}
	for _, name := range h.Accounts {
		i, ok := l.index[name]
		if !ok {
			return fmt.Errorf("%w: unknown account %q", ErrInvalid, name)
		}
		a := &l.accounts[i]
		a.roll(t)
		if r := a.room(); h.Amount > r {
			return fmt.Errorf("%w: account %q has %d units left, hold needs %d", ErrBudgetExhausted, name, max(r, 0), h.Amount)
		}
	}
	// Every account has room: apply to all.
	var slot int32
	if k := len(l.free); k > 0 {
		slot = l.free[k-1]
		l.free = l.free[:k-1]
	} else {
		l.holds = append(l.holds, memHold{})
		slot = int32(len(l.holds) - 1)
	}
	hd := &l.holds[slot]
	hd.id, hd.amount, hd.deadline, hd.live = h.ID, h.Amount, h.Deadline.UnixNano(), true
	hd.acct, hd.start = hd.acct[:0], hd.start[:0]
	for _, name := range h.Accounts {
		i := l.index[name]
		a := &l.accounts[i]
		a.held += h.Amount
		hd.acct = append(hd.acct, i)
		hd.start = append(hd.start, a.start)
	}
	l.byID[h.ID] = slot
	l.heapPush(slot)
	return nil
}

// Settle implements Ledger; actual must be ≥ 0.
func (l *MemoryLedger) Settle(ctx context.Context, now time.Time, id uint64, actual int64) error {
	if !l.ok {
		return errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if actual < 0 {
		return fmt.Errorf("%w: actual = %d (must be ≥ 0)", ErrInvalid, actual)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now.UnixNano())
	slot, ok := l.byID[id]
	if !ok {
		return fmt.Errorf("%w: hold %#x", ErrUnknownReservation, id)
	}
	l.drop(slot, actual, true)
	return nil
}

// Release implements Ledger.
func (l *MemoryLedger) Release(ctx context.Context, now time.Time, id uint64) error {
	if !l.ok {
		return errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now.UnixNano())
	slot, ok := l.byID[id]
	if !ok {
		return fmt.Errorf("%w: hold %#x", ErrUnknownReservation, id)
	}
	l.drop(slot, 0, false)
	return nil
}

// Expire implements Ledger.
func (l *MemoryLedger) Expire(ctx context.Context, now time.Time) (int, error) {
	if !l.ok {
		return 0, errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expire(now.UnixNano()), nil
}

// Balance implements Ledger.
func (l *MemoryLedger) Balance(ctx context.Context, now time.Time, account string) (Balance, error) {
	if !l.ok {
		return Balance{}, errNotCreated("MemoryLedger", "NewMemoryLedger")
	}
	if err := ctxErr(ctx); err != nil {
		return Balance{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := now.UnixNano()
	l.expire(t)
	i, ok := l.index[account]
	if !ok {
		return Balance{}, fmt.Errorf("%w: unknown account %q", ErrInvalid, account)
	}
	a := &l.accounts[i]
	a.roll(t)
	b := Balance{Account: a.name, Limit: a.limit, Spent: a.spent, Held: a.held}
	if a.period.Kind != Lifetime {
		b.Start, b.End = time.Unix(0, a.start), time.Unix(0, a.end)
	}
	return b, nil
}

// Live returns the number of live holds (expired ones are counted until an
// operation at a later time drops them).
func (l *MemoryLedger) Live() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

// drop ends hold slot: spend actual (if settle) in the hold's period on each
// of its accounts, release the held amount, free the slot.
func (l *MemoryLedger) drop(slot int32, actual int64, settle bool) {
	hd := &l.holds[slot]
	for k, i := range hd.acct {
		a := &l.accounts[i]
		if a.start != hd.start[k] {
			continue // the hold's period has ended: it no longer counts
		}
		a.held -= hd.amount
		if settle {
			if actual > math.MaxInt64-a.spent {
				a.spent = math.MaxInt64
			} else {
				a.spent += actual
			}
		}
	}
	delete(l.byID, hd.id)
	l.heapRemove(hd.pos)
	hd.live = false
	l.free = append(l.free, slot)
}

// expire drops every hold whose deadline is at or before now.
func (l *MemoryLedger) expire(now int64) int {
	n := 0
	for len(l.heap) > 0 && l.holds[l.heap[0]].deadline <= now {
		l.drop(l.heap[0], 0, false)
		n++
	}
	return n
}

// The deadline heap: a binary min-heap of hold slots with positions kept in
// memHold.pos, so a settled hold leaves it in O(log h) (container/heap's
// algorithm, inlined on int32 slots to avoid an interface per call).
func (l *MemoryLedger) less(i, j int) bool {
	a, b := &l.holds[l.heap[i]], &l.holds[l.heap[j]]
	return a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
}

func (l *MemoryLedger) swap(i, j int) {
	l.heap[i], l.heap[j] = l.heap[j], l.heap[i]
	l.holds[l.heap[i]].pos = i
	l.holds[l.heap[j]].pos = j
}

func (l *MemoryLedger) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !l.less(j, i) {
			break
		}
		l.swap(i, j)
		j = i
	}
}

func (l *MemoryLedger) down(i int) bool {
	i0, n := i, len(l.heap)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j2 := j + 1; j2 < n && l.less(j2, j) {
			j = j2
		}
		if !l.less(j, i) {
			break
		}
		l.swap(i, j)
		i = j
	}
	return i > i0
}

func (l *MemoryLedger) heapPush(slot int32) {
	l.heap = append(l.heap, slot)
	l.holds[slot].pos = len(l.heap) - 1
	l.up(len(l.heap) - 1)
}

func (l *MemoryLedger) heapRemove(i int) {
	n := len(l.heap) - 1
	if n != i {
		l.swap(i, n)
	}
	l.heap = l.heap[:n]
	if n != i {
		if !l.down(i) {
			l.up(i)
		}
	}
}

var (
	_ Ledger       = (*MemoryLedger)(nil)
	_ AccountAdder = (*MemoryLedger)(nil)
)
