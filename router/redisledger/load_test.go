package redisledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
	"github.com/redis/go-redis/v9"
)

// tenants is a three-level tree: a monthly global budget, four weekly team
// budgets and sixteen daily key budgets, sized so that demand exceeds every
// level.
func tenants() (accounts []router.Account, path func(key int) []string) {
	utc := func(k router.PeriodKind) router.Period { return router.Period{Kind: k, Location: time.UTC} }
	accounts = append(accounts, router.Account{Name: "global", Limit: 100_000, Period: utc(router.Monthly)})
	for tm := 0; tm < 4; tm++ {
		accounts = append(accounts, router.Account{Name: fmt.Sprintf("team:%d", tm), Limit: 30_000, Period: utc(router.Weekly)})
	}
	for k := 0; k < 16; k++ {
		accounts = append(accounts, router.Account{Name: fmt.Sprintf("key:%d", k), Limit: 8_000, Period: utc(router.Daily)})
	}
	return accounts, func(k int) []string {
		return []string{"global", fmt.Sprintf("team:%d", k%4), fmt.Sprintf("key:%d", k)}
	}
}

// tally is what the callers know happened: the spend each account was
// charged, per the ledger's acknowledgements.
type tally struct {
	mu                                  sync.Mutex
	spent                               map[string]int64
	reserved, refused, settled, release atomic.Int64
	abandoned, unavailable, lateFinish  atomic.Int64
	abandonedIDs                        []uint64
}

func (ta *tally) charge(path []string, actual int64) {
	ta.mu.Lock()
	for _, a := range path {
		ta.spent[a] += actual
	}
	ta.mu.Unlock()
}

// worker runs ops requests against l: each reserves an upper bound on a
// key's path and then settles an actual ≤ it (70%), releases (15%) or
// abandons the hold to expire (15%). A settle or release that finds Redis
// unavailable is retried until Redis answers; ErrUnknownReservation on a
// retry means the failed attempt had gone through.
func worker(ctx context.Context, l *Ledger, clock func() time.Time, path func(int) []string, ta *tally, r *rand.Rand, idBase uint64, ops int, work time.Duration) error {
	for seq := uint64(0); seq < uint64(ops); seq++ {
		p := path(r.IntN(16))
		amount := 1 + r.Int64N(60)
		now := clock()
		outcome := r.IntN(100)
		ttl := time.Minute
		if outcome >= 85 {
			ttl = 50 * time.Millisecond
		}
		id := idBase | seq
		err := l.Reserve(ctx, now, router.Hold{ID: id, Accounts: p, Amount: amount, Deadline: now.Add(ttl)})
		switch {
		case errors.Is(err, router.ErrBudgetExhausted):
			ta.refused.Add(1)
			continue
		case errors.Is(err, router.ErrLedgerUnavailable):
			ta.unavailable.Add(1) // fail closed: the request is refused
			time.Sleep(time.Millisecond)
			continue
		case err != nil:
			return err
		}
		ta.reserved.Add(1)
		if work > 0 {
			time.Sleep(work)
		}
		if outcome >= 85 {
			ta.abandoned.Add(1)
			ta.mu.Lock()
			ta.abandonedIDs = append(ta.abandonedIDs, id)
			ta.mu.Unlock()
			continue
		}
		actual := r.Int64N(amount + 1)
		for retried := false; ; retried = true {
			if outcome < 70 {
				err = l.Settle(ctx, clock(), id, actual)
			} else {
				err = l.Release(ctx, clock(), id)
			}
			if errors.Is(err, router.ErrLedgerUnavailable) {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if retried {
				ta.lateFinish.Add(1)
			}
			if err != nil && !(retried && errors.Is(err, router.ErrUnknownReservation)) {
				return fmt.Errorf("finishing hold %d: %w", id, err)
			}
			break
		}
		if outcome < 70 {
			ta.settled.Add(1)
			ta.charge(p, actual)
		} else {
			ta.release.Add(1)
		}
	}
	return nil
}

// runReplicas runs replicas Ledgers (each with its own client and pool) on
// addr with workers goroutines each, and returns the tally and one ledger
// for the checks. during, if not nil, runs beside the workers.
func runReplicas(t *testing.T, addr, ns string, replicas, workers, ops int, work time.Duration, opts func(i int, o *redis.Options), during func()) (*tally, *Ledger, *redis.Client, func() time.Time) {
	t.Helper()
	ctx := context.Background()
	accounts, path := tenants()
	base := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	clock := func() time.Time { return base.Add(time.Since(start)) }
	ta := &tally{spent: map[string]int64{}}
	ledgers := make([]*Ledger, replicas)
	var clients []*redis.Client
	for i := range ledgers {
		o := &redis.Options{Addr: addr, PoolSize: workers}
		if opts != nil {
			opts(i, o)
		}
		c := redis.NewClient(o)
		clients = append(clients, c)
		t.Cleanup(func() { c.Close() })
		l, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		ledgers[i] = l
	}
	var wg sync.WaitGroup
	errs := make(chan error, replicas*workers)
	for i, l := range ledgers {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(w)))
				idBase := uint64(i)<<48 | uint64(w)<<32
				if err := worker(ctx, l, clock, path, ta, r, idBase, ops, work); err != nil {
					errs <- err
				}
			}()
		}
	}
	if during != nil {
		during()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return ta, ledgers[0], clients[0], clock
}

// checkBooks expires what is left and asserts that every account's spend
// equals what the callers were told was charged (nothing lost, nothing
// counted twice), stays within its limit, and nothing is held or leaked.
func checkBooks(t *testing.T, l *Ledger, c *redis.Client, ns string, ta *tally, now time.Time) {
	t.Helper()
	ctx := context.Background()
	// Abandoned holds are released at their deadlines (by Reserves in
	// passing or by this Expire), and can no longer be settled.
	if _, err := l.Expire(ctx, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, id := range ta.abandonedIDs {
		if err := l.Settle(ctx, now, id, 1); !errors.Is(err, router.ErrUnknownReservation) {
			t.Fatalf("abandoned hold %d: settle after expiry = %v", id, err)
		}
	}
	accounts, _ := tenants()
	var total int64
	for _, a := range accounts {
		b, err := l.Balance(ctx, now, a.Name)
		if err != nil {
			t.Fatal(err)
		}
		if b.Held != 0 {
			t.Errorf("%s: held %d after every hold finished or expired", a.Name, b.Held)
		}
		if b.Spent > b.Limit {
			t.Errorf("%s: spent %d > limit %d", a.Name, b.Spent, b.Limit)
		}
		if b.Spent != ta.spent[a.Name] {
			t.Errorf("%s: ledger spent %d, callers were charged %d", a.Name, b.Spent, ta.spent[a.Name])
		}
		if a.Name == "global" {
			total = b.Spent
		}
	}
	if n := ta.reserved.Load(); n != ta.settled.Load()+ta.release.Load()+ta.abandoned.Load() {
		t.Errorf("%d reserved ≠ %d settled + %d released + %d expired", n, ta.settled.Load(), ta.release.Load(), ta.abandoned.Load())
	}
	t.Logf("reserved %d (settled %d, released %d, expired %d), refused %d, unavailable %d, finished after an outage %d; global spent %d of 100000",
		ta.reserved.Load(), ta.settled.Load(), ta.release.Load(), ta.abandoned.Load(), ta.refused.Load(), ta.unavailable.Load(), ta.lateFinish.Load(), total)
	checkNoLeaks(t, c, ns)
}

// TestReplicasUnderLoad: 8 replicas, each with its own connection pool and
// 32 goroutines, share one Redis ledger with tenant budgets.
func TestReplicasUnderLoad(t *testing.T) {
	ns := testNamespace(t)
	ta, l, c, clock := runReplicas(t, sharedAddr, ns, 8, 32, 150, 0, nil, nil)
	t.Cleanup(func() {
		for k := range keys(t, c, ns) {
			c.Del(context.Background(), k)
		}
	})
	if ta.refused.Load() == 0 {
		t.Errorf("no request was refused: the budgets did not bind")
	}
	checkBooks(t, l, c, ns, ta, clock())
}

// TestReplicasThroughOutage stops Redis (SIGKILL) mid-run and restarts it
// (with an append-only file, fsync always, as a production ledger must run):
// Reserves during the outage fail closed with ErrLedgerUnavailable; holds
// made before the outage settle or expire afterwards; nothing is counted
// twice, including settles whose reply was lost when the server died.
func TestReplicasThroughOutage(t *testing.T) {
	s := ownServer(t, true)
	ns := testNamespace(t)
	opts := func(i int, o *redis.Options) {
		o.DialTimeout = 100 * time.Millisecond
		if i%2 == 0 {
			o.MaxRetries = -1 // half the replicas never retry, half use go-redis's retries
		}
	}
	outage := func() {
		time.Sleep(300 * time.Millisecond)
		s.stop()
		time.Sleep(400 * time.Millisecond)
		if err := s.start(); err != nil {
			t.Error(err)
		}
	}
	ta, l, c, clock := runReplicas(t, s.addr, ns, 8, 32, 120, 3*time.Millisecond, opts, outage)
	if ta.unavailable.Load() == 0 {
		t.Errorf("no Reserve saw the outage")
	}
	if ta.lateFinish.Load() == 0 {
		t.Errorf("no hold made before the outage was finished after it")
	}
	checkBooks(t, l, c, ns, ta, clock())
}
