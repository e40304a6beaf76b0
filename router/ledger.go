package router

import (
	"context"
	"time"
)

// Ledger holds the spend and the outstanding reservations (holds) of a tree
// of budget accounts — for example a global budget, one per team and one per
// API key — so that one budget can be shared by several pacers, in one
// process or across replicas. Money in a ledger is an exact integer count of
// units chosen by the caller (see Units); no float ever accumulates in it.
//
// A Hold names the path of accounts it charges, root first. Reserve admits it
// only if every account on the path has room in the period containing now
//
//	spent(period) + held + amount ≤ limit   for every account on the path,
//
// and then holds the amount on all of them atomically: a Reserve that fails
// on one account changes none. Settle turns a hold into spend of the actual
// amount (which may differ from the held one) in the period the hold was
// made in; Release drops a hold without spending; Expire releases the holds
// whose deadline has passed. Settle, Release and Expire on a hold that is not
// live (never made, already settled, released or expired) fail with an error
// wrapping ErrUnknownReservation and change nothing, so no spend is counted
// twice.
//
// Implementations document their goroutine safety and consistency model;
// MemoryLedger is exact and linearizable within one process, and
// router/redisledger (a nested module) shares a ledger between replicas
// through Redis.
type Ledger interface {
	// Reserve holds h.Amount on every account of h.Accounts at time now,
	// all or nothing. It fails with an error wrapping ErrBudgetExhausted
	// (naming the account) when any account lacks room, ErrInvalid for a
	// malformed hold or unknown account, and ErrLedgerUnavailable when the
	// ledger cannot be reached.
	Reserve(ctx context.Context, now time.Time, h Hold) error
	// Settle records actual units of spend for live hold id on each of its
	// accounts, in the period in which the hold was made, and drops the hold.
	Settle(ctx context.Context, now time.Time, id uint64, actual int64) error
	// Release drops live hold id without recording spend.
	Release(ctx context.Context, now time.Time, id uint64) error
	// Expire releases every hold whose deadline is at or before now and
	// returns how many it released.
	Expire(ctx context.Context, now time.Time) (int, error)
	// Balance reads an account in the period containing now.
	Balance(ctx context.Context, now time.Time, account string) (Balance, error)
}

// Hold is a reservation request to a Ledger.
type Hold struct {
	// ID identifies the hold; it must be unique among the ledger's live
	// holds. Pacers issue IDs that carry their own identity.
	ID uint64
	// Accounts is the path of account names charged, root first (e.g.
	// ["global", "team:search", "key:abc"]); at least one, no duplicates.
	// A Ledger must neither modify it nor keep it after Reserve returns
	// (a Pacer passes the same slice for every request of a tenant).
	Accounts []string
	// Amount is the number of units held, ≥ 0.
	Amount int64
	// Deadline is when the hold expires if it is neither settled nor
	// released; it must be after the time of the Reserve call.
	Deadline time.Time
}

// Account is one budget of a Ledger.
type Account struct {
	// Name identifies the account; it is non-empty valid UTF-8.
	Name string
	// Limit is the spend allowed per period, in units, > 0.
	Limit int64
	// Period is when the account's spend resets; the zero Period never
	// resets.
	Period Period
}

// Balance is an account's state in one period.
type Balance struct {
	Account string
	// Limit, Spent and Held are in units; Spent + Held may exceed Limit
	// only when settled costs exceeded their holds.
	Limit, Spent, Held int64
	// Start and End bound the period containing the time read
	// (zero for an account that never resets).
	Start, End time.Time
}

// Remaining returns Limit − Spent − Held, or 0 if that is negative.
func (b Balance) Remaining() int64 {
	r := b.Limit - b.Spent - b.Held
	if r < 0 || b.Spent > b.Limit || b.Held > b.Limit {
		return 0
	}
	return r
}
