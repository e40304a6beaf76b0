package redisledger

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
	"github.com/redis/go-redis/v9"
)

// commandCounter counts the commands a client sends (one per round trip,
// pipelines aside).
type commandCounter struct{ n atomic.Int64 }

func (cc *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (cc *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		cc.n.Add(1)
		return next(ctx, cmd)
	}
}
func (cc *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		cc.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestTwoRoundTripsPerRequest: a request costs one Reserve and one Settle,
// one command each (EVALSHA), beyond the EVAL that reloads a script after
// NOSCRIPT.
func TestTwoRoundTripsPerRequest(t *testing.T) {
	ctx := context.Background()
	l, c, ns := newTestLedger(t, tree())
	cc := &commandCounter{}
	c.AddHook(cc)
	const n = 100
	for i := uint64(1); i <= n; i++ {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if err := l.Reserve(ctx, now, hold(i, 1, now, path1...)); err != nil {
			t.Fatal(err)
		}
		if err := l.Settle(ctx, now, i, 1); err != nil {
			t.Fatal(err)
		}
	}
	if got := cc.n.Load(); got != 2*n {
		t.Errorf("%d commands for %d requests, want %d", got, n, 2*n)
	}
	checkNoLeaks(t, c, ns)
}

// BenchmarkRoundTrips compares a request's ledger traffic (Reserve +
// Settle on a three-level path) with plain INCRBY round trips on the same
// server; ns/op of ReserveSettle over INCRBY is the cost in INCRBY round
// trips (2 would be ideal: the scripts' own work is small beside a round
// trip). Serial runs measure latency, Parallel ones throughput.
func BenchmarkRoundTrips(b *testing.B) {
	ctx := context.Background()
	c := newClient(b, sharedAddr)
	ns := testNamespace(b)
	l, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: tree()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for k := range keys(b, c, ns) {
			c.Del(ctx, k)
		}
	})
	big := []router.Account{{Name: "g", Limit: MaxUnits}, {Name: "t", Limit: MaxUnits, Period: router.Period{Kind: router.Daily, Location: time.UTC}}, {Name: "k", Limit: MaxUnits, Period: router.Period{Kind: router.Hourly, Location: time.UTC}}}
	for _, a := range big {
		if err := l.AddAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	path := []string{"g", "t", "k"}
	var id atomic.Uint64
	request := func() error {
		i := id.Add(1)
		if err := l.Reserve(ctx, t0, router.Hold{ID: i, Accounts: path, Amount: 10, Deadline: t0.Add(time.Minute)}); err != nil {
			return err
		}
		return l.Settle(ctx, t0, i, 7)
	}
	incr := func() error { return c.IncrBy(ctx, "{"+ns+"}:bench-incr", 1).Err() }
	// Interleaved: one INCRBY and one request per iteration, each timed, so
	// that both see the same machine load; "rt/request" is the ratio.
	b.Run("Interleaved", func(b *testing.B) {
		b.ReportAllocs()
		before := commandStats(b, c)
		var tIncr, tReq time.Duration
		for b.Loop() {
			s := time.Now()
			if err := incr(); err != nil {
				b.Fatal(err)
			}
			m := time.Now()
			if err := request(); err != nil {
				b.Fatal(err)
			}
			tIncr += m.Sub(s)
			tReq += time.Since(m)
		}
		b.ReportMetric(float64(tIncr.Nanoseconds())/float64(b.N), "ns/INCRBY")
		b.ReportMetric(float64(tReq.Nanoseconds())/float64(b.N), "ns/request")
		b.ReportMetric(float64(tReq)/float64(tIncr), "rt/request")
		after := commandStats(b, c)
		for _, cmd := range []string{"evalsha", "incrby"} {
			if n := after[cmd][0] - before[cmd][0]; n > 0 {
				b.ReportMetric((after[cmd][1]-before[cmd][1])/n, "server-µs/"+cmd)
			}
		}
	})
	for _, op := range []struct {
		name string
		f    func() error
	}{{"INCRBY", incr}, {"ReserveSettle", request}} {
		b.Run(op.name+"/Serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := op.f(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
		b.Run(op.name+"/Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op.f(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// commandStats reads INFO commandstats: command → {calls, µs}.
func commandStats(b *testing.B, c *redis.Client) map[string][2]float64 {
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string][2]float64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		cmd, found := strings.CutPrefix(name, "cmdstat_")
		if !ok || !found {
			continue
		}
		var v [2]float64
		for _, kv := range strings.Split(rest, ",") {
			k, x, _ := strings.Cut(kv, "=")
			f, _ := strconv.ParseFloat(x, 64)
			switch k {
			case "calls":
				v[0] = f
			case "usec":
				v[1] = f
			}
		}
		out[cmd] = v
	}
	return out
}
