package redisledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
	"github.com/google/go-cmp/cmp"
)

// newLedgerFunc makes an empty ledger with the given accounts. The contract
// tests below are written against router.Ledger so that every
// implementation (this package's and router's in-memory one) passes the
// same ones.
type newLedgerFunc func(t *testing.T, accounts []router.Account) router.Ledger

var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func tree() []router.Account {
	return []router.Account{
		{Name: "global", Limit: 1000},
		{Name: "team:a", Limit: 300, Period: router.Period{Kind: router.Daily, Location: time.UTC}},
		{Name: "key:1", Limit: 100, Period: router.Period{Kind: router.Hourly, Location: time.UTC}},
		{Name: "key:2", Limit: 100, Period: router.Period{Kind: router.FixedLength, Length: 10 * time.Minute}},
	}
}

var path1 = []string{"global", "team:a", "key:1"}

// balances reads every account at now.
func balances(t *testing.T, l router.Ledger, now time.Time, names ...string) []router.Balance {
	t.Helper()
	out := make([]router.Balance, len(names))
	for i, n := range names {
		b, err := l.Balance(context.Background(), now, n)
		if err != nil {
			t.Fatalf("Balance(%s): %v", n, err)
		}
		out[i] = b
	}
	return out
}

func hold(id uint64, amount int64, now time.Time, accounts ...string) router.Hold {
	return router.Hold{ID: id, Accounts: accounts, Amount: amount, Deadline: now.Add(time.Minute)}
}

func testLedgerContract(t *testing.T, mk newLedgerFunc) {
	ctx := context.Background()
	all := []string{"global", "team:a", "key:1", "key:2"}

	t.Run("ReserveSettleBalance", func(t *testing.T) {
		l := mk(t, tree())
		if err := l.Reserve(ctx, t0, hold(1, 40, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		b := balances(t, l, t0, path1...)
		for _, x := range b {
			if x.Held != 40 || x.Spent != 0 {
				t.Errorf("after reserve: %+v", x)
			}
		}
		if b[2].Remaining() != 60 {
			t.Errorf("key:1 remaining %d, want 60", b[2].Remaining())
		}
		if err := l.Settle(ctx, t0.Add(time.Second), 1, 25); err != nil {
			t.Fatal(err)
		}
		for _, x := range balances(t, l, t0, path1...) {
			if x.Held != 0 || x.Spent != 25 {
				t.Errorf("after settle: %+v", x)
			}
		}
		if got := balances(t, l, t0, "key:2")[0]; got.Spent != 0 || got.Held != 0 {
			t.Errorf("key:2 touched: %+v", got)
		}
		// Period bounds are reported.
		hb := balances(t, l, t0.Add(30*time.Minute), "key:1")[0]
		if !hb.Start.Equal(t0) || !hb.End.Equal(t0.Add(time.Hour)) {
			t.Errorf("hourly bounds %v – %v", hb.Start, hb.End)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		l := mk(t, tree())
		if err := l.Reserve(ctx, t0, hold(1, 90, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Reserve(ctx, t0, hold(2, 250, t0, "global", "team:a")); !errors.Is(err, router.ErrBudgetExhausted) {
			t.Fatalf("team over limit: %v", err)
		}
		before := balances(t, l, t0, all...)
		// Fails on the last level (key:1 has 10 left), then on the middle
		// one (team:a has 210 left), then on the root.
		for i, h := range []router.Hold{
			hold(3, 11, t0, path1...),
			hold(4, 211, t0, "global", "team:a", "key:2"),
			hold(5, 911, t0, "global", "key:2"),
		} {
			err := l.Reserve(ctx, t0, h)
			if !errors.Is(err, router.ErrBudgetExhausted) || !errors.Is(err, router.ErrRejected) {
				t.Errorf("case %d: err = %v, want ErrBudgetExhausted", i, err)
			}
			if d := cmp.Diff(before, balances(t, l, t0, all...)); d != "" {
				t.Errorf("case %d: failed reserve changed balances (-before +after):\n%s", i, d)
			}
		}
		// Exactly the remaining room fits.
		if err := l.Reserve(ctx, t0, hold(6, 10, t0, path1...)); err != nil {
			t.Errorf("exact fit: %v", err)
		}
	})

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		l := mk(t, tree())
		if err := l.Reserve(ctx, t0, hold(1, 10, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		before := balances(t, l, t0, all...)
		for i, h := range []router.Hold{
			hold(2, 10, t0, "global", "nobody"),
			hold(3, 10, t0, "global", "global"),
			hold(4, -1, t0, path1...),
			hold(5, 10, t0),
			{ID: 6, Accounts: path1, Amount: 1, Deadline: t0},
			{ID: 7, Accounts: path1, Amount: 1, Deadline: t0.Add(-time.Second)},
			hold(1, 11, t0, path1...), // the ID of a different live hold
			hold(1, 10, t0, path1...), // the ID of the same live hold
		} {
			if err := l.Reserve(ctx, t0, h); !errors.Is(err, router.ErrInvalid) {
				t.Errorf("case %d: err = %v, want ErrInvalid", i, err)
			}
		}
		if err := l.Settle(ctx, t0, 1, -1); !errors.Is(err, router.ErrInvalid) {
			t.Errorf("negative settle: %v", err)
		}
		if _, err := l.Balance(ctx, t0, "nobody"); !errors.Is(err, router.ErrInvalid) {
			t.Errorf("unknown account balance: %v", err)
		}
		if d := cmp.Diff(before, balances(t, l, t0, all...)); d != "" {
			t.Errorf("bad input changed balances:\n%s", d)
		}
	})

	t.Run("SettleInHoldPeriod", func(t *testing.T) {
		l := mk(t, tree())
		// Reserved two seconds before midnight (and before the hour and
		// the ten-minute boundary), settled after it.
		late := time.Date(2026, 3, 14, 23, 59, 58, 0, time.UTC)
		next := late.Add(5 * time.Second)
		path := []string{"global", "team:a", "key:1"}
		if err := l.Reserve(ctx, late, hold(1, 50, late, path...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Reserve(ctx, late, hold(2, 30, late, "global", "key:2")); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, next, 1, 45); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, next, 2, 31); err != nil {
			t.Fatal(err)
		}
		now := balances(t, l, next, "global", "team:a", "key:1", "key:2")
		// Ledgers that keep past periods report them (MemoryLedger keeps
		// only the current one).
		if _, ok := l.(*Ledger); ok {
			old := balances(t, l, late, "global", "team:a", "key:1", "key:2")
			want := []int64{76, 45, 45, 31}
			for i := range old {
				if old[i].Spent != want[i] || old[i].Held != 0 {
					t.Errorf("old period %s: %+v, want spent %d", old[i].Account, old[i], want[i])
				}
			}
		}
		// The lifetime root carries over; the periodic ones start afresh.
		if now[0].Spent != 76 || now[1].Spent != 0 || now[2].Spent != 0 || now[3].Spent != 0 {
			t.Errorf("new period: %+v", now)
		}
		if !now[1].Start.Equal(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("new day starts %v", now[1].Start)
		}
	})

	t.Run("Release", func(t *testing.T) {
		l := mk(t, tree())
		if err := l.Reserve(ctx, t0, hold(1, 60, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(ctx, t0, 1); err != nil {
			t.Fatal(err)
		}
		for _, b := range balances(t, l, t0, path1...) {
			if b.Held != 0 || b.Spent != 0 {
				t.Errorf("after release: %+v", b)
			}
		}
		before := balances(t, l, t0, all...)
		for i, err := range []error{l.Release(ctx, t0, 1), l.Settle(ctx, t0, 1, 5), l.Settle(ctx, t0, 99, 5), l.Release(ctx, t0, 99)} {
			if !errors.Is(err, router.ErrUnknownReservation) {
				t.Errorf("case %d: err = %v, want ErrUnknownReservation", i, err)
			}
		}
		if d := cmp.Diff(before, balances(t, l, t0, all...)); d != "" {
			t.Errorf("refused calls changed balances:\n%s", d)
		}
		// A settled hold cannot be settled or released again.
		if err := l.Reserve(ctx, t0, hold(2, 10, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, t0, 2, 10); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, t0, 2, 10); !errors.Is(err, router.ErrUnknownReservation) {
			t.Errorf("second settle: %v", err)
		}
		if b := balances(t, l, t0, "key:1")[0]; b.Spent != 10 {
			t.Errorf("spent %d after a refused second settle, want 10", b.Spent)
		}
	})

	t.Run("Expire", func(t *testing.T) {
		l := mk(t, tree())
		for id := uint64(1); id <= 5; id++ {
			h := hold(id, 10, t0, path1...)
			h.Deadline = t0.Add(time.Duration(id) * time.Second)
			if err := l.Reserve(ctx, t0, h); err != nil {
				t.Fatal(err)
			}
		}
		n, err := l.Expire(ctx, t0.Add(3*time.Second))
		if err != nil || n != 3 {
			t.Fatalf("Expire at +3s = %d, %v; want 3 (deadlines at or before now)", n, err)
		}
		if b := balances(t, l, t0, "key:1")[0]; b.Held != 20 || b.Spent != 0 {
			t.Errorf("after expiry: %+v", b)
		}
		if err := l.Settle(ctx, t0.Add(3*time.Second), 2, 10); !errors.Is(err, router.ErrUnknownReservation) {
			t.Errorf("settle of an expired hold: %v", err)
		}
		// A hold is live until its deadline, expired or not by Expire.
		if err := l.Settle(ctx, t0.Add(4500*time.Millisecond), 5, 7); err != nil {
			t.Errorf("settle before the deadline: %v", err)
		}
		if err := l.Settle(ctx, t0.Add(4500*time.Millisecond), 4, 7); !errors.Is(err, router.ErrUnknownReservation) {
			t.Errorf("settle after the deadline, before Expire: %v", err)
		}
		if n, _ := l.Expire(ctx, t0.Add(time.Hour)); n != 0 {
			t.Errorf("last Expire = %d, want 0", n)
		}
		if b := balances(t, l, t0, "key:1")[0]; b.Held != 0 || b.Spent != 7 {
			t.Errorf("end: %+v", b)
		}
	})

	t.Run("Overrun", func(t *testing.T) {
		l := mk(t, tree())
		if err := l.Reserve(ctx, t0, hold(1, 90, t0, path1...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, t0, 1, 120); err != nil {
			t.Fatal(err)
		}
		b := balances(t, l, t0, "key:1")[0]
		if b.Spent != 120 || b.Remaining() != 0 {
			t.Errorf("overrun: %+v remaining %d", b, b.Remaining())
		}
		if err := l.Reserve(ctx, t0, hold(2, 0, t0, path1...)); !errors.Is(err, router.ErrBudgetExhausted) {
			t.Errorf("reserve on an overspent account: %v", err)
		}
		// The next hour has a fresh budget.
		if err := l.Reserve(ctx, t0.Add(time.Hour), hold(3, 100, t0.Add(time.Hour), path1...)); err != nil {
			t.Errorf("next hour: %v", err)
		}
	})
}
