package redisledger

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/examples/gateway-http/gateway"
	"github.com/budgetkit/budgetkit/router"
	"github.com/redis/go-redis/v9"
)

// TestGatewayReplicasShareRedis runs two replicas of the gateway example
// (two pacers, each with its own Redis pool and Ledger) in front of the
// same upstreams: the keys' budgets hold across both, carol's is exhausted
// (429) on both, and the ledger's books equal what the gateways reported.
func TestGatewayReplicasShareRedis(t *testing.T) {
	ctx := context.Background()
	fleet := gateway.StartFleet(nil, 0)
	defer fleet.Close()
	ns := testNamespace(t)
	cfg := gateway.PacerConfig(fleet.Models)
	accounts, err := cfg.LedgerAccounts()
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	var ledger *Ledger
	var client *redis.Client
	for i := 0; i < 2; i++ {
		c := newClient(t, sharedAddr)
		l, err := New(ctx, Config{Client: c, Namespace: ns, Accounts: accounts})
		if err != nil {
			t.Fatal(err)
		}
		rc := cfg
		rc.Ledger, rc.Issuer = l, uint32(i+1)
		p, err := router.NewPacer(rc, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := gateway.New(gateway.Config{Models: fleet.Models, Pacer: p, Keys: gateway.Keys})
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewServer(g)
		defer s.Close()
		urls = append(urls, s.URL)
		ledger, client = l, c
	}
	t.Cleanup(func() {
		for k := range keys(t, client, ns) {
			client.Del(ctx, k)
		}
	})
	var mu sync.Mutex
	spent := map[string]float64{}
	limited := map[int]int{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				replica := (w + i) % 2
				key := []string{"sk-alice", "sk-bob", "sk-carol"}[(w+i)%3]
				res, err := gateway.Call(urls[replica], key, "How do budgets work across replicas?", 300, i%3 == 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				switch res.Status {
				case http.StatusOK:
					// The usage's cost, exactly as the gateway computes it.
					for _, m := range fleet.Models {
						if m.Name == res.Model {
							spent[gateway.Keys[key]] += (float64(res.Usage.PromptTokens)*m.InputPrice + float64(res.Usage.CompletionTokens)*m.OutputPrice) / 1e6
						}
					}
				case http.StatusTooManyRequests:
					limited[replica]++
				default:
					t.Errorf("status %d: %s", res.Status, res.Body)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if limited[0] == 0 || limited[1] == 0 {
		t.Errorf("429s per replica %v: carol's shared budget should run out on both", limited)
	}
	now := time.Now()
	for _, a := range accounts {
		b, err := ledger.Balance(ctx, now, a.Name)
		if err != nil {
			t.Fatal(err)
		}
		if b.Spent > b.Limit || b.Held != 0 {
			t.Errorf("%s: %+v", a.Name, b)
		}
		// Each settle rounds up to a whole nano-dollar.
		if want, ok := spent[a.Name]; ok && (float64(b.Spent)*1e-9 < want-1e-12 || float64(b.Spent)*1e-9 > want+200e-9) {
			t.Errorf("%s: ledger spent $%.6f, the gateways reported $%.6f", a.Name, float64(b.Spent)*1e-9, want)
		}
	}
	checkNoLeaks(t, client, ns)
}

// TestGatewayRedisDown: with Redis gone the gateway (fail-closed, the
// default) answers 503 with Retry-After, and serves again once Redis is
// back.
func TestGatewayRedisDown(t *testing.T) {
	ctx := context.Background()
	s := ownServer(t, true)
	fleet := gateway.StartFleet(nil, 0)
	defer fleet.Close()
	cfg := gateway.PacerConfig(fleet.Models)
	accounts, _ := cfg.LedgerAccounts()
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	l, err := New(ctx, Config{Client: c, Accounts: accounts})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Ledger = l
	p, err := router.NewPacer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(gateway.Config{Models: fleet.Models, Pacer: p, Keys: gateway.Keys})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(g)
	defer front.Close()
	call := func() gateway.Result {
		res, err := gateway.Call(front.URL, "sk-bob", "hello", 64, false)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := call(); res.Status != http.StatusOK {
		t.Fatalf("status %d before the outage", res.Status)
	}
	s.stop()
	if res := call(); res.Status != http.StatusServiceUnavailable || res.RetryAfter == "" {
		t.Errorf("Redis down: status %d Retry-After %q, want 503 with Retry-After", res.Status, res.RetryAfter)
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	if res := call(); res.Status != http.StatusOK {
		t.Errorf("status %d after Redis came back", res.Status)
	}
	if b, _ := l.Balance(ctx, time.Now(), "key:bob"); b.Held != 0 || b.Spent == 0 {
		t.Errorf("bob %+v", b)
	}
}
