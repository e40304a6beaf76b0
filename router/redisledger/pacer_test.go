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

// Pacer-level tests: separate router.Pacers, each with its own Redis
// connection pool and Ledger value, share one budget tree in Redis. Money
// is in whole units (PacerConfig.Unit = 1) so that every figure compares
// exactly.

const failOpenCap = 400

func pacerConfig(ledger router.Ledger, issuer uint32, mode router.LedgerFailure) router.PacerConfig {
	utc := func(k router.PeriodKind) router.Period { return router.Period{Kind: k, Location: time.UTC} }
	cfg := router.PacerConfig{
		Models:          []router.Model{{Name: "small"}, {Name: "medium"}, {Name: "large"}},
		Budget:          100_000,
		Horizon:         40_000,
		Period:          utc(router.Monthly),
		TTL:             time.Minute,
		Unit:            1,
		Ledger:          ledger,
		Issuer:          issuer,
		OnLedgerFailure: mode,
		FailOpenCap:     failOpenCap,
	}
	for tm := 0; tm < 4; tm++ {
		cfg.Tenants = append(cfg.Tenants, router.Tenant{Name: fmt.Sprintf("team:%d", tm), Budget: 30_000, Period: utc(router.Weekly), Requests: 10_000})
	}
	for k := 0; k < 16; k++ {
		cfg.Tenants = append(cfg.Tenants, router.Tenant{Name: fmt.Sprintf("key:%d", k), Parent: fmt.Sprintf("team:%d", k%4), Budget: 8_000, Period: utc(router.Daily)})
	}
	return cfg
}

// pacerTally is what the callers saw, per account path.
type pacerTally struct {
	mu                                                          sync.Mutex
	openSpent                                                   map[string]int64 // settled spend of reservations served fail-open (never in the ledger)
	lost                                                        map[string]int64 // settles whose reply was lost: in the ledger, not in the pacer
	routed, refused, closed, open, settled, released, abandoned atomic.Int64
	openCost                                                    []atomic.Int64 // per pacer: cost served fail-open
	// down and up are when Redis was stopped and began restarting (Unix ns), and
	// openDown the cost each pacer served fail-open by Decides that began
	// and ended while it was down (after a 50ms margin): one outage, as far
	// as any pacer can tell, since no ledger call can succeed then.
	down, up atomic.Int64
	openDown []atomic.Int64
}

func (pt *pacerTally) add(m map[string]int64, path []string, v int64) {
	pt.mu.Lock()
	for _, a := range path {
		m[a] += v
	}
	pt.mu.Unlock()
}

func keyPath(k int) []string {
	return []string{"global", fmt.Sprintf("team:%d", k%4), fmt.Sprintf("key:%d", k)}
}

// pending is a settle (settle = true) or release the ledger could not
// take yet.
type pending struct {
	id      uint64
	path    []string
	actual  float64
	settle  bool
	open    bool
	retried bool
}

// finish settles or releases f; false if the ledger is unavailable (f is
// to be retried later, as a gateway would in the background).
func (pt *pacerTally) finish(ctx context.Context, p *router.Pacer, now time.Time, f *pending) (bool, error) {
	var err error
	if f.settle {
		err = p.Settle(ctx, now, f.id, f.actual)
	} else {
		err = p.Release(ctx, now, f.id)
	}
	if errors.Is(err, router.ErrLedgerUnavailable) {
		f.retried = true
		return false, nil
	}
	if f.retried && errors.Is(err, router.ErrUnknownReservation) {
		// A failed attempt went through in Redis but its reply was lost:
		// the ledger has it, the pacer dropped it.
		if f.settle {
			pt.add(pt.lost, f.path, int64(f.actual))
		}
		err = nil
	}
	if err != nil {
		return false, fmt.Errorf("finishing %#x: %w", f.id, err)
	}
	if f.settle {
		pt.settled.Add(1)
		if f.open {
			pt.add(pt.openSpent, f.path, int64(f.actual))
		}
	} else {
		pt.released.Add(1)
	}
	return true, nil
}

// pacerWorker routes requests through p (ops of them, and on while
// running): predicted costs 5/20/60 units (the reservation), actual cost
// uniform in [0, reserved]; 70% settle, 15% release, 15% abandoned (they
// expire). Settles and releases that find the ledger unavailable are
// retried before each later request and at the end until the ledger
// answers.
func pacerWorker(ctx context.Context, p *router.Pacer, pi int, clock func() time.Time, pt *pacerTally, r *rand.Rand, ops int, work time.Duration, running *atomic.Bool) error {
	cost := []float64{5, 20, 60}
	quality := make([]float64, 3)
	var backlog []*pending
	flush := func() error {
		kept := backlog[:0]
		for _, f := range backlog {
			done, err := pt.finish(ctx, p, clock(), f)
			if err != nil {
				return err
			}
			if !done {
				kept = append(kept, f)
			}
		}
		backlog = kept
		return nil
	}
	for op := 0; op < ops || running.Load(); op++ {
		if err := flush(); err != nil {
			return err
		}
		k := r.IntN(16)
		path := keyPath(k)
		quality[0], quality[1], quality[2] = 0.3+0.4*r.Float64(), 0.5+0.3*r.Float64(), 0.9
		began := time.Now().UnixNano()
		ch, err := p.Decide(ctx, router.Query{Tenant: path[2], At: clock()}, quality, cost)
		ended := time.Now().UnixNano()
		switch {
		case errors.Is(err, router.ErrLedgerUnavailable):
			if !errors.Is(err, router.ErrRejected) || !ch.Rejected {
				return fmt.Errorf("fail-closed rejection %v / %+v", err, ch)
			}
			pt.closed.Add(1)
			time.Sleep(time.Millisecond)
			continue
		case errors.Is(err, router.ErrBudgetExhausted):
			pt.refused.Add(1)
			if work > 0 {
				time.Sleep(work)
			}
			continue
		case err != nil:
			return err
		}
		pt.routed.Add(1)
		open := ch.Reason == "ledger unavailable: served fail-open"
		if open {
			pt.open.Add(1)
			pt.openCost[pi].Add(int64(ch.Cost))
			if d, u := pt.down.Load(), pt.up.Load(); d > 0 && began > d+int64(50*time.Millisecond) && u == 0 && ended > began {
				pt.openDown[pi].Add(int64(ch.Cost))
			}
		}
		if work > 0 {
			time.Sleep(work)
		}
		outcome := r.IntN(100)
		if outcome >= 85 {
			pt.abandoned.Add(1)
			continue
		}
		f := &pending{id: ch.Reservation, path: path, actual: float64(r.IntN(int(ch.Cost) + 1)), settle: outcome < 70, open: open}
		done, err := pt.finish(ctx, p, clock(), f)
		if err != nil {
			return err
		}
		if !done {
			backlog = append(backlog, f)
		}
	}
	for len(backlog) > 0 {
		if err := flush(); err != nil {
			return err
		}
		if len(backlog) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// runPacers runs 8 pacers with 32 goroutines each, ops requests per
// goroutine and, if during is not nil, on until during returns; pacer i
// fails open if open(i).
func runPacers(t *testing.T, addr string, ops int, work time.Duration, open func(i int) bool, opts func(i int, o *redis.Options), during func(*pacerTally)) (*pacerTally, []*router.Pacer, *Ledger, *redis.Client, string, time.Time) {
	t.Helper()
	const pacers, workers = 8, 32
	ctx := context.Background()
	ns := testNamespace(t)
	base := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	clock := func() time.Time { return base.Add(time.Since(start)) }
	accounts, err := pacerConfig(nil, 1, router.FailClosed).LedgerAccounts()
	if err != nil {
		t.Fatal(err)
	}
	pt := &pacerTally{openSpent: map[string]int64{}, lost: map[string]int64{}, openCost: make([]atomic.Int64, pacers), openDown: make([]atomic.Int64, pacers)}
	ps := make([]*router.Pacer, pacers)
	var ledger0 *Ledger
	var client0 *redis.Client
	for i := range ps {
		o := &redis.Options{Addr: addr, PoolSize: workers}
		if opts != nil {
			opts(i, o)
		}
		c := redis.NewClient(o)
		t.Cleanup(func() { c.Close() })
		l, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		mode := router.FailClosed
		if open != nil && open(i) {
			mode = router.FailOpen
		}
		if ps[i], err = router.NewPacer(pacerConfig(l, uint32(i+1), mode), nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			ledger0, client0 = l, c
		}
	}
	var wg sync.WaitGroup
	var running atomic.Bool
	running.Store(during != nil)
	errs := make(chan error, pacers*workers)
	for i, p := range ps {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(w)))
				if err := pacerWorker(ctx, p, i, clock, pt, r, ops, work, &running); err != nil {
					errs <- err
				}
			}()
		}
	}
	if during != nil {
		during(pt)
		running.Store(false)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return pt, ps, ledger0, client0, ns, clock()
}

// checkPacerBooks advances past every TTL and checks, for every account,
// that the ledger's spend is what the pacers recorded (minus what they
// served fail-open, plus settles whose reply was lost), within the limit,
// with nothing held, no reservation outstanding and no key leaked.
func checkPacerBooks(t *testing.T, pt *pacerTally, ps []*router.Pacer, l *Ledger, c *redis.Client, ns string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	later := now.Add(2 * time.Minute)
	if _, err := l.Expire(ctx, later); err != nil {
		t.Fatal(err)
	}
	accounts, _ := pacerConfig(nil, 1, router.FailClosed).LedgerAccounts()
	var expired int
	for _, p := range ps {
		s := p.Stats(later)
		if s.Outstanding != 0 {
			t.Errorf("pacer: %d reservations outstanding after every TTL", s.Outstanding)
		}
		expired += s.Expired
	}
	for _, a := range accounts {
		b, err := l.Balance(ctx, now, a.Name)
		if err != nil {
			t.Fatal(err)
		}
		tenant := a.Name
		if tenant == "global" {
			tenant = ""
		}
		var pacers int64
		for _, p := range ps {
			s, err := p.TenantStats(now, tenant)
			if err != nil {
				t.Fatal(err)
			}
			pacers += int64(s.Spent)
		}
		want := pacers - pt.openSpent[a.Name] + pt.lost[a.Name]
		if b.Spent != want || b.Held != 0 {
			t.Errorf("%s: ledger spent %d held %d; pacers recorded %d − %d fail-open + %d lost replies = %d", a.Name, b.Spent, b.Held, pacers, pt.openSpent[a.Name], pt.lost[a.Name], want)
		}
		if b.Spent > a.Limit {
			t.Errorf("%s: spent %d > limit %d", a.Name, b.Spent, a.Limit)
		}
		if total := b.Spent + pt.openSpent[a.Name]; total > a.Limit+int64(len(ps))*failOpenCap {
			t.Errorf("%s: ledger + fail-open spend %d > limit %d + %d pacers × cap %d", a.Name, total, a.Limit, len(ps), failOpenCap)
		}
	}
	if n := pt.routed.Load(); n != pt.settled.Load()+pt.released.Load()+pt.abandoned.Load() {
		t.Errorf("%d routed ≠ %d settled + %d released + %d abandoned", n, pt.settled.Load(), pt.released.Load(), pt.abandoned.Load())
	}
	if int64(expired) < pt.abandoned.Load() {
		t.Errorf("pacers expired %d reservations, %d were abandoned", expired, pt.abandoned.Load())
	}
	// FailOpenCap bounds what a pacer serves between two answers of the
	// ledger. Stale pooled connections can fail again after the restart,
	// starting a new episode, so the bound is checked while Redis was down.
	for i := range pt.openDown {
		if v := pt.openDown[i].Load(); v > failOpenCap {
			t.Errorf("pacer %d served %d fail-open while Redis was down, cap %d", i, v, failOpenCap)
		}
	}
	g, _ := l.Balance(ctx, now, "global")
	t.Logf("routed %d (settled %d, released %d, abandoned→expired %d), refused %d, fail-closed %d, fail-open %d; global spent %d of %d",
		pt.routed.Load(), pt.settled.Load(), pt.released.Load(), pt.abandoned.Load(), pt.refused.Load(), pt.closed.Load(), pt.open.Load(), g.Spent, g.Limit)
	checkNoLeaks(t, c, ns)
}

// TestPacersShareRedisLedger: 8 pacers × 32 goroutines, tenant budgets on
// three levels with periods, one Redis.
func TestPacersShareRedisLedger(t *testing.T) {
	pt, ps, l, c, ns, now := runPacers(t, sharedAddr, 120, 0, nil, nil, nil)
	t.Cleanup(func() {
		for k := range keys(t, c, ns) {
			c.Del(context.Background(), k)
		}
	})
	if pt.refused.Load() == 0 {
		t.Errorf("no request refused: the budgets did not bind")
	}
	checkPacerBooks(t, pt, ps, l, c, ns, now)
}

// TestPacersThroughOutage kills Redis mid-run and restarts it (AOF, fsync
// always). Half the pacers fail closed (ErrLedgerUnavailable), half fail
// open up to FailOpenCap; afterwards nothing is counted twice and the
// reservations made before the outage settle, release or expire.
func TestPacersThroughOutage(t *testing.T) {
	s := ownServer(t, true)
	opts := func(i int, o *redis.Options) {
		o.DialTimeout = 100 * time.Millisecond
		if i%4 < 2 {
			o.MaxRetries = -1 // pacers 0, 1, 4, 5 never retry; the others use go-redis's retries
		}
	}
	outage := func(pt *pacerTally) {
		time.Sleep(300 * time.Millisecond)
		s.stop()
		pt.down.Store(time.Now().UnixNano())
		time.Sleep(time.Second)
		pt.up.Store(time.Now().UnixNano()) // from here on the ledger may answer
		if err := s.start(); err != nil {
			t.Error(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	pt, ps, l, c, ns, now := runPacers(t, s.addr, 0, 3*time.Millisecond, func(i int) bool { return i%2 == 1 }, opts, outage)
	if pt.closed.Load() == 0 {
		t.Errorf("no fail-closed rejection during the outage")
	}
	var down int64
	for i := range pt.openDown {
		down += pt.openDown[i].Load()
	}
	if pt.open.Load() == 0 || down == 0 {
		t.Errorf("nothing served fail-open during the outage")
	}
	checkPacerBooks(t, pt, ps, l, c, ns, now)
}
