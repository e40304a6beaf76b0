package router

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func mustLedger(t testing.TB, accounts ...Account) *MemoryLedger {
	t.Helper()
	l, err := NewMemoryLedger(accounts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestMemoryLedgerAllOrNothing(t *testing.T) {
	l := mustLedger(t, Account{Name: "g", Limit: 100}, Account{Name: "team", Limit: 50}, Account{Name: "key", Limit: 30})
	now := day0
	dl := now.Add(time.Minute)
	if err := l.Reserve(bg, now, Hold{ID: 1, Accounts: []string{"g", "team", "key"}, Amount: 25, Deadline: dl}); err != nil {
		t.Fatal(err)
	}
	before, _ := l.Snapshot()
	err := l.Reserve(bg, now, Hold{ID: 2, Accounts: []string{"g", "team", "key"}, Amount: 10, Deadline: dl})
	if !errors.Is(err, ErrBudgetExhausted) || !errors.Is(err, ErrRejected) {
		t.Fatalf("over the key's limit: %v", err)
	}
	for _, h := range []Hold{
		{ID: 3, Accounts: nil, Amount: 1, Deadline: dl},
		{ID: 3, Accounts: []string{"g", "g"}, Amount: 1, Deadline: dl},
		{ID: 3, Accounts: []string{"g", "nobody"}, Amount: 1, Deadline: dl},
		{ID: 3, Accounts: []string{"g"}, Amount: -1, Deadline: dl},
		{ID: 3, Accounts: []string{"g"}, Amount: 1, Deadline: now},
		{ID: 1, Accounts: []string{"g"}, Amount: 1, Deadline: dl},
	} {
		if err := l.Reserve(bg, now, h); !errors.Is(err, ErrInvalid) {
			t.Errorf("Reserve(%+v) = %v, want ErrInvalid", h, err)
		}
	}
	if err := l.Settle(bg, now, 1, -5); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative settle: %v", err)
	}
	for _, id := range []uint64{2, 99} {
		if err := l.Settle(bg, now, id, 1); !errors.Is(err, ErrUnknownReservation) {
			t.Errorf("Settle(%d) = %v", id, err)
		}
		if err := l.Release(bg, now, id); !errors.Is(err, ErrUnknownReservation) {
			t.Errorf("Release(%d) = %v", id, err)
		}
	}
	if after, _ := l.Snapshot(); string(after) != string(before) {
		t.Error("failed calls changed the ledger")
	}
	if err := l.Settle(bg, now, 1, 20); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name                string
		spent, held, remain int64
	}{{"g", 20, 0, 80}, {"team", 20, 0, 30}, {"key", 20, 0, 10}} {
		b, err := l.Balance(bg, now, c.name)
		if err != nil || b.Spent != c.spent || b.Held != c.held || b.Remaining() != c.remain {
			t.Errorf("%s: %+v %v", c.name, b, err)
		}
	}
	if err := l.Settle(bg, now, 1, 20); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("double settle: %v", err)
	}
	if _, err := l.Balance(bg, now, "nobody"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown account: %v", err)
	}
	if err := l.AddAccount(bg, Account{Name: "key", Limit: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate account: %v", err)
	}
	for _, a := range []Account{{Name: "", Limit: 1}, {Name: "x", Limit: 0}, {Name: "x", Limit: 1, Period: Period{Kind: Daily}}, {Name: "\xff", Limit: 1}} {
		if err := l.AddAccount(bg, a); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddAccount(%+v) = %v", a, err)
		}
	}
}

func TestMemoryLedgerPeriodsAndExpiry(t *testing.T) {
	daily := Period{Kind: Daily, Location: time.UTC}
	l := mustLedger(t, Account{Name: "d", Limit: 10, Period: daily}, Account{Name: "life", Limit: 100})
	late := day0.Add(23*time.Hour + 59*time.Minute)
	path := []string{"life", "d"}
	if err := l.Reserve(bg, late, Hold{ID: 1, Accounts: path, Amount: 8, Deadline: late.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	next := day0.Add(24*time.Hour + time.Minute)
	// The new day has its full limit although the hold from yesterday is live.
	if err := l.Reserve(bg, next, Hold{ID: 2, Accounts: path, Amount: 10, Deadline: next.Add(time.Minute)}); err != nil {
		t.Fatalf("new period: %v", err)
	}
	// Yesterday's hold settles into yesterday: today's spend is unchanged,
	// the lifetime account gets it.
	if err := l.Settle(bg, next, 1, 7); err != nil {
		t.Fatal(err)
	}
	bd, _ := l.Balance(bg, next, "d")
	bl, _ := l.Balance(bg, next, "life")
	if bd.Spent != 0 || bd.Held != 10 || !bd.Start.Equal(day0.Add(24*time.Hour)) || bl.Spent != 7 || bl.Held != 10 {
		t.Errorf("balances %+v %+v", bd, bl)
	}
	// Expiry at the deadline, not before.
	if n, _ := l.Expire(bg, next.Add(time.Minute-1)); n != 0 {
		t.Errorf("expired %d before the deadline", n)
	}
	if n, _ := l.Expire(bg, next.Add(time.Minute)); n != 1 || l.Live() != 0 {
		t.Errorf("expired %d at the deadline, %d live", n, l.Live())
	}
	if err := l.Settle(bg, next.Add(time.Minute), 2, 1); !errors.Is(err, ErrUnknownReservation) {
		t.Errorf("settle after expiry: %v", err)
	}
	if b, _ := l.Balance(bg, next, "d"); b.Held != 0 || b.Spent != 0 {
		t.Errorf("after expiry %+v", b)
	}
	// Spend saturates instead of wrapping.
	if err := l.Reserve(bg, next, Hold{ID: 3, Accounts: []string{"life"}, Amount: 1, Deadline: next.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := l.Settle(bg, next, 3, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if err := l.Reserve(bg, next, Hold{ID: 4, Accounts: []string{"life"}, Amount: 1, Deadline: next.Add(time.Hour)}); !errors.Is(err, ErrBudgetExhausted) {
		t.Errorf("after a huge settle: %v", err)
	}
	if b, _ := l.Balance(bg, next, "life"); b.Spent != math.MaxInt64 || b.Remaining() != 0 {
		t.Errorf("saturated balance %+v", b)
	}
}

// TestMemoryLedgerConcurrentTenants runs 64 goroutines over 16 keys in 4
// teams under one global budget, each reserving, then settling at most the
// reservation, releasing, or abandoning it to expire. Spend never exceeds
// any limit, and every hold ends settled, released or expired.
func TestMemoryLedgerConcurrentTenants(t *testing.T) {
	accounts := []Account{{Name: "global", Limit: 20_000}}
	for team := 0; team < 4; team++ {
		accounts = append(accounts, Account{Name: fmt.Sprintf("team%d", team), Limit: 6_000})
	}
	for key := 0; key < 16; key++ {
		accounts = append(accounts, Account{Name: fmt.Sprintf("key%d", key), Limit: 1_700})
	}
	l := mustLedger(t, accounts...)
	var mu sync.Mutex
	settled := map[string]int64{}
	var wg sync.WaitGroup
	var ids sync.Mutex
	next := uint64(0)
	newID := func() uint64 { ids.Lock(); defer ids.Unlock(); next++; return next }
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := randx.New(uint64(g), 3)
			for i := 0; i < 300; i++ {
				key := r.IntN(16)
				path := []string{"global", fmt.Sprintf("team%d", key/4), fmt.Sprintf("key%d", key)}
				now := day0.Add(time.Duration(i) * time.Second)
				id := newID()
				amount := int64(1 + r.IntN(20))
				err := l.Reserve(context.Background(), now, Hold{ID: id, Accounts: path, Amount: amount, Deadline: now.Add(30 * time.Second)})
				if errors.Is(err, ErrBudgetExhausted) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				switch r.IntN(4) {
				case 0, 1:
					actual := amount * int64(r.IntN(11)) / 10
					err := l.Settle(context.Background(), now, id, actual)
					if errors.Is(err, ErrUnknownReservation) {
						continue // expired: another goroutine's clock is ahead
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, a := range path {
						settled[a] += actual
					}
					mu.Unlock()
				case 2:
					if err := l.Release(context.Background(), now, id); err != nil && !errors.Is(err, ErrUnknownReservation) {
						t.Error(err)
						return
					}
				case 3: // abandoned: expires
				}
			}
		}(g)
	}
	wg.Wait()
	end := day0.Add(time.Hour)
	if _, err := l.Expire(bg, end); err != nil {
		t.Fatal(err)
	}
	if l.Live() != 0 {
		t.Errorf("%d holds neither settled, released nor expired", l.Live())
	}
	for _, a := range accounts {
		b, _ := l.Balance(bg, end, a.Name)
		if b.Spent > a.Limit || b.Held != 0 || b.Spent != settled[a.Name] {
			t.Errorf("%s: %+v, settled %d", a.Name, b, settled[a.Name])
		}
	}
	if b, _ := l.Balance(bg, end, "global"); b.Spent < 10_000 {
		t.Errorf("the budget was barely used (%d): the test exercises little", b.Spent)
	}
}

func TestMemoryLedgerSnapshot(t *testing.T) {
	daily := Period{Kind: Daily, Location: time.UTC}
	l := mustLedger(t, Account{Name: "g", Limit: 100, Period: daily}, Account{Name: "k", Limit: 50})
	l.Reserve(bg, day0, Hold{ID: 7, Accounts: []string{"g", "k"}, Amount: 5, Deadline: day0.Add(time.Hour)})
	l.Reserve(bg, day0, Hold{ID: 8, Accounts: []string{"k"}, Amount: 3, Deadline: day0.Add(time.Minute)})
	l.Settle(bg, day0, 8, 2)
	l.Reserve(bg, day0, Hold{ID: 9, Accounts: []string{"k"}, Amount: 3, Deadline: day0.Add(time.Minute)})
	data, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	m := mustLedger(t)
	if err := m.Restore(data); err != nil {
		t.Fatal(err)
	}
	again, _ := m.Snapshot()
	if string(again) != string(data) {
		t.Fatalf("round trip differs:\n%s\n%s", data, again)
	}
	// Both continue identically.
	for _, x := range []*MemoryLedger{l, m} {
		if err := x.Settle(bg, day0, 7, 4); err != nil {
			t.Fatal(err)
		}
		if n, _ := x.Expire(bg, day0.Add(2*time.Minute)); n != 1 {
			t.Errorf("expired %d", n)
		}
	}
	a, _ := l.Snapshot()
	b, _ := m.Snapshot()
	if string(a) != string(b) {
		t.Error("continuations differ")
	}
	before, _ := m.Snapshot()
	for _, bad := range []string{
		"", "{", `{"kind":"router.Pacer","version":1,"config":{},"state":{}}`,
		string(data[:len(data)/2]),
		replaceOnce(string(data), `"held":8`, `"held":9`),
		replaceOnce(string(data), `"limit":100`, `"limit":-100`),
		replaceOnce(string(data), `"amount":5`, `"amount":-5`),
		replaceOnce(string(data), `"name":"k"`, `"name":"g"`),
		replaceOnce(string(data), `"accounts":["k"]`, `"accounts":["nobody"]`),
		replaceOnce(string(data), `"kind":2`, `"kind":9`),
	} {
		if err := m.Restore([]byte(bad)); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Restore(%.80q) = %v, want ErrSnapshot", bad, err)
		}
	}
	if after, _ := m.Snapshot(); string(after) != string(before) {
		t.Error("failed restores changed the ledger")
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	panic("replaceOnce: " + old + " not found")
}

// BenchmarkMemoryLedger measures one Reserve + Settle on a path of three
// accounts with 1,000 other holds live. Target: 0 allocs/op.
func BenchmarkMemoryLedger(b *testing.B) {
	l := mustLedger(b, Account{Name: "global", Limit: math.MaxInt64 / 2}, Account{Name: "team", Limit: math.MaxInt64 / 2},
		Account{Name: "key", Limit: math.MaxInt64 / 2})
	path := []string{"global", "team", "key"}
	far := day0.Add(time.Hour)
	for i := 0; i < 1000; i++ {
		l.Reserve(bg, day0, Hold{ID: uint64(1e9 + i), Accounts: path, Amount: 1, Deadline: far})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := uint64(i)
		if err := l.Reserve(bg, day0, Hold{ID: id, Accounts: path, Amount: 10, Deadline: far}); err != nil {
			b.Fatal(err)
		}
		if err := l.Settle(bg, day0, id, 7); err != nil {
			b.Fatal(err)
		}
	}
}
