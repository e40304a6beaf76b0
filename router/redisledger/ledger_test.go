package redisledger

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
	"github.com/redis/go-redis/v9"
)

// newTestLedger returns a ledger in a fresh namespace of the shared server,
// and its client and namespace; at the end of the test it checks that no
// key leaked and deletes the namespace's keys.
func newTestLedger(t *testing.T, accounts []router.Account) (*Ledger, *redis.Client, string) {
	t.Helper()
	c := newClient(t, sharedAddr)
	ns := testNamespace(t)
	l, err := New(context.Background(), Config{Client: c, Namespace: ns, Accounts: accounts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for k := range keys(t, c, ns) {
			c.Del(context.Background(), k)
		}
	})
	return l, c, ns
}

func TestContract(t *testing.T) {
	testLedgerContract(t, func(t *testing.T, accounts []router.Account) router.Ledger {
		l, _, _ := newTestLedger(t, accounts)
		return l
	})
}

func TestNewValidates(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, sharedAddr)
	for i, cfg := range []Config{
		{},
		{Client: c, Namespace: "a{b"},
		{Client: c, Namespace: "\xff"},
		{Client: c, Grace: -time.Second},
		{Client: c, ExpireBatch: -1},
		{Client: c, ExpireBatch: 10001},
		{Client: c, Accounts: []router.Account{{Name: "", Limit: 1}}},
		{Client: c, Accounts: []router.Account{{Name: "a\xffb", Limit: 1}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: 0}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: -5}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: MaxUnits + 1}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: 1, Period: router.Period{Kind: router.Daily}}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: 1, Period: router.Period{Kind: router.FixedLength}}}},
		{Client: c, Accounts: []router.Account{{Name: "x", Limit: 1}, {Name: "x", Limit: 2}}},
	} {
		if _, err := New(ctx, cfg); !errors.Is(err, router.ErrInvalid) {
			t.Errorf("case %d: err = %v, want ErrInvalid", i, err)
		}
	}
	// An unreachable Redis: nothing listens on a freed port.
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dead := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer dead.Close()
	_, err = New(ctx, Config{Client: dead})
	if !errors.Is(err, router.ErrInvalid) || !errors.Is(err, router.ErrLedgerUnavailable) {
		t.Errorf("unreachable Redis: err = %v, want ErrInvalid and ErrLedgerUnavailable", err)
	}
	// The zero Ledger refuses everything.
	var z Ledger
	if err := z.Reserve(ctx, t0, hold(1, 1, t0, "x")); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero Reserve: %v", err)
	}
	if err := z.Settle(ctx, t0, 1, 1); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero Settle: %v", err)
	}
	if err := z.Release(ctx, t0, 1); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero Release: %v", err)
	}
	if _, err := z.Expire(ctx, t0); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero Expire: %v", err)
	}
	if _, err := z.Balance(ctx, t0, "x"); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero Balance: %v", err)
	}
	if err := z.AddAccount(ctx, router.Account{Name: "x", Limit: 1}); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("zero AddAccount: %v", err)
	}
}

func TestAddAccount(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, tree())
	h := hold(1, 5, t0, "global", "key:9")
	if err := l.Reserve(ctx, t0, h); !errors.Is(err, router.ErrInvalid) {
		t.Fatalf("unknown account: %v", err)
	}
	if err := l.AddAccount(ctx, router.Account{Name: "key:9", Limit: 7}); err != nil {
		t.Fatal(err)
	}
	if err := l.AddAccount(ctx, router.Account{Name: "key:9", Limit: 7}); err != nil {
		t.Errorf("re-adding the same account: %v", err)
	}
	if err := l.AddAccount(ctx, router.Account{Name: "key:9", Limit: 8}); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("redefining an account: %v", err)
	}
	if err := l.Reserve(ctx, t0, h); err != nil {
		t.Fatal(err)
	}
	// Another replica that defines the account sees the same spend.
	l2, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: tree()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.AddAccount(ctx, router.Account{Name: "key:9", Limit: 7}); err != nil {
		t.Fatal(err)
	}
	if err := l2.Reserve(ctx, t0, hold(2, 3, t0, "key:9")); !errors.Is(err, router.ErrBudgetExhausted) {
		t.Errorf("second replica over the shared limit: %v", err)
	}
	if err := l2.Settle(ctx, t0, 1, 5); err != nil {
		t.Errorf("settling another replica's hold: %v", err)
	}
	if b, _ := l.Balance(ctx, t0, "key:9"); b.Spent != 5 || b.Held != 0 {
		t.Errorf("balance %+v", b)
	}
}

func TestPeriodKeysHaveTTLs(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, tree())
	now := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC)
	h := router.Hold{ID: 1, Accounts: []string{"global", "team:a", "key:1", "key:2"}, Amount: 5, Deadline: now.Add(time.Minute)}
	if err := l.Reserve(ctx, now, h); err != nil {
		t.Fatal(err)
	}
	// A second hold with a deadline past the hour's end extends key:1's
	// TTL to cover it.
	h2 := router.Hold{ID: 2, Accounts: []string{"key:1"}, Amount: 5, Deadline: now.Add(2 * time.Hour)}
	if err := l.Reserve(ctx, now, h2); err != nil {
		t.Fatal(err)
	}
	got := keys(t, c, ns)
	want := map[string]time.Duration{
		"global": -1,                                          // Lifetime: no TTL
		"team:a": 5*time.Hour + 30*time.Minute + DefaultGrace, // end of day + grace
		"key:1":  2*time.Hour + DefaultGrace,                  // the later hold's deadline + grace
		"key:2":  10*time.Minute + DefaultGrace,               // 18:40 + grace
	}
	for name, ttl := range want {
		k, err := l.Key(now, name)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no key %s among %v", name, k, got)
			continue
		}
		if ttl < 0 {
			if g != -1 {
				t.Errorf("%s: TTL %v, want none", name, g)
			}
		} else if g > ttl || g < ttl-5*time.Second {
			t.Errorf("%s: TTL %v, want ≈ %v", name, g, ttl)
		}
	}
	// Hold 2 charges a lifetime-free path: its key expires with key:1's;
	// hold 1 charges the lifetime root and lives until it is finished.
	if ttl := got[l.holdPrefix+"2"]; ttl <= 0 || ttl > 2*time.Hour+DefaultGrace {
		t.Errorf("hold 2 TTL %v", ttl)
	}
	if ttl := got[l.holdPrefix+"1"]; ttl != -1 {
		t.Errorf("hold 1 TTL %v, want none (it charges a Lifetime account)", ttl)
	}
	if err := l.Settle(ctx, now, 1, 5); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx, now, 2); err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t, c, ns)
}

func TestReplayAndScriptReload(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, tree())
	h := hold(7, 30, t0, path1...)
	// A client library's retry resends the call with its token: it holds
	// once. A new call with the same hold is a second hold with a live ID.
	for i := 0; i < 2; i++ {
		if err := l.reserve(ctx, t0, h, "call-1"); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if err := l.Reserve(ctx, t0, h); !errors.Is(err, router.ErrInvalid) {
		t.Errorf("a second Reserve of a live ID: %v", err)
	}
	if b, _ := l.Balance(ctx, t0, "key:1"); b.Held != 30 {
		t.Errorf("held %d after a replay, want 30", b.Held)
	}
	// After SCRIPT FLUSH (as after a restart) EVALSHA answers NOSCRIPT and
	// the script is sent again.
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := l.finish(ctx, t0, 7, "25", "settle", "call-2"); err != nil {
			t.Fatalf("settle attempt %d: %v", i, err)
		}
	}
	if err := l.Settle(ctx, t0, 7, 25); !errors.Is(err, router.ErrUnknownReservation) {
		t.Errorf("a second Settle: %v", err)
	}
	if err := l.Release(ctx, t0, 7); !errors.Is(err, router.ErrUnknownReservation) {
		t.Errorf("a Release after Settle: %v", err)
	}
	if b, _ := l.Balance(ctx, t0, "key:1"); b.Held != 0 || b.Spent != 25 {
		t.Errorf("after a replayed settle: %+v, want spent 25 once", b)
	}
	if err := l.Reserve(ctx, t0, hold(8, 1, t0, path1...)); err != nil {
		t.Fatalf("reserve after SCRIPT FLUSH: %v", err)
	}
	if _, err := l.Expire(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t, c, ns)
}

func TestReserveExpiresInPassing(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, tree())
	for id := uint64(1); id <= 10; id++ {
		h := hold(id, 10, t0, path1...)
		h.Deadline = t0.Add(time.Second)
		if err := l.Reserve(ctx, t0, h); err != nil {
			t.Fatal(err)
		}
	}
	// key:1 is full of holds; after their deadline a Reserve releases
	// them first and is admitted.
	later := t0.Add(2 * time.Second)
	if err := l.Reserve(ctx, later, hold(11, 100, later, path1...)); err != nil {
		t.Fatalf("reserve after the deadlines: %v", err)
	}
	if b, _ := l.Balance(ctx, later, "key:1"); b.Held != 100 {
		t.Errorf("held %d, want 100", b.Held)
	}
	if err := l.Release(ctx, later, 11); err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t, c, ns)
}

func TestExpireBatches(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, sharedAddr)
	ns := testNamespace(t)
	l, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: []router.Account{{Name: "g", Limit: 1 << 40}}, ExpireBatch: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Del(ctx, "{"+ns+"}:a:g:life")
	for id := uint64(1); id <= 10; id++ {
		if err := l.Reserve(ctx, t0, router.Hold{ID: id, Accounts: []string{"g"}, Amount: 1, Deadline: t0.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	// The reserves themselves expired nothing (no deadline had passed).
	if n, err := l.Expire(ctx, t0.Add(time.Second)); n != 10 || err != nil {
		t.Errorf("Expire = %d, %v; want 10 in batches of 3", n, err)
	}
	checkNoLeaks(t, c, ns)
}

func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	s := ownServer(t, false)
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	l, err := New(ctx, Config{Client: c, Accounts: tree()})
	if err != nil {
		t.Fatal(err)
	}
	s.stop()
	for i, err := range []error{
		l.Reserve(ctx, t0, hold(1, 1, t0, path1...)),
		l.Settle(ctx, t0, 1, 1),
		l.Release(ctx, t0, 1),
		func() error { _, err := l.Expire(ctx, t0); return err }(),
		func() error { _, err := l.Balance(ctx, t0, "global"); return err }(),
	} {
		if !errors.Is(err, router.ErrLedgerUnavailable) || errors.Is(err, router.ErrBudgetExhausted) {
			t.Errorf("op %d with Redis down: %v", i, err)
		}
	}
	// A cancelled context is reported as unavailable too, and as itself.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Reserve(cctx, t0, hold(1, 1, t0, path1...)); !errors.Is(err, router.ErrLedgerUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	if err := l.Reserve(ctx, t0, hold(1, 1, t0, path1...)); err != nil {
		t.Errorf("after restart: %v", err)
	}
	if !strings.Contains(l.deadlines, DefaultNamespace) {
		t.Errorf("default namespace not used: %s", l.deadlines)
	}
}

// TestContractMemoryLedger runs the same contract on router's in-memory
// ledger, the default of a Pacer.
func TestContractMemoryLedger(t *testing.T) {
	testLedgerContract(t, func(t *testing.T, accounts []router.Account) router.Ledger {
		l, err := router.NewMemoryLedger(accounts)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}

// TestUnusualAccountNames: any valid UTF-8 name works, including
// separators the key layout uses (':'), newlines, braces and names that end
// like a period suffix.
func TestUnusualAccountNames(t *testing.T) {
	ctx := context.Background()
	names := []string{"key:a\nb", "ключ 🔑", "x:1:life", "x", "x:life", "{braces}", "tab\there"}
	var accounts []router.Account
	for i, n := range names {
		p := router.Period{}
		if i%2 == 1 {
			p = router.Period{Kind: router.FixedLength, Length: time.Hour}
		}
		accounts = append(accounts, router.Account{Name: n, Limit: 100, Period: p})
	}
	l, c, ns := newTestLedger(t, accounts)
	if err := l.Reserve(ctx, t0, router.Hold{ID: 1, Accounts: names, Amount: 40, Deadline: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := l.Settle(ctx, t0, 1, 30); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if b, err := l.Balance(ctx, t0, n); err != nil || b.Spent != 30 || b.Held != 0 {
			t.Errorf("%q: %+v %v", n, b, err)
		}
	}
	if got := len(keys(t, c, ns)); got != len(names)+1 { // + the tombstone
		t.Errorf("%d keys for %d accounts", got, len(names))
	}
	checkNoLeaks(t, c, ns)
}

// TestExactAtInt64Scale: limits are compared exactly where doubles cannot
// tell n from n+1, and spend saturates at MaxInt64 instead of failing.
func TestExactAtInt64Scale(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, []router.Account{{Name: "big", Limit: MaxUnits}})
	h := func(id uint64, amount int64) router.Hold {
		return router.Hold{ID: id, Accounts: []string{"big"}, Amount: amount, Deadline: t0.Add(time.Minute)}
	}
	for i, step := range []struct {
		hold router.Hold
		ok   bool
	}{
		{h(1, MaxUnits/2), true},
		{h(2, MaxUnits/2-1), true},
		{h(3, 2), false}, // one unit over: 2⁶² + 1 is not a double
		{h(4, 1), true},  // exactly at the limit
		{h(5, 0), true},
		{h(6, 1), false},
	} {
		err := l.Reserve(ctx, t0, step.hold)
		if step.ok != (err == nil) || (!step.ok && !errors.Is(err, router.ErrBudgetExhausted)) {
			t.Errorf("step %d (amount %d): %v", i, step.hold.Amount, err)
		}
	}
	if b, _ := l.Balance(ctx, t0, "big"); b.Held != MaxUnits || b.Remaining() != 0 {
		t.Errorf("held %d remaining %d, want %d and 0", b.Held, b.Remaining(), int64(MaxUnits))
	}
	for _, id := range []uint64{1, 2} {
		if err := l.Settle(ctx, t0, id, MaxUnits); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := l.Balance(ctx, t0, "big"); b.Spent != math.MaxInt64 {
		t.Errorf("spent %d after settling 2·2⁶², want MaxInt64 (saturated)", b.Spent)
	}
	for _, id := range []uint64{4, 5} {
		if err := l.Release(ctx, t0, id); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := l.Balance(ctx, t0, "big"); b.Held != 0 {
		t.Errorf("held %d at the end", b.Held)
	}
	checkNoLeaks(t, c, ns)
}
