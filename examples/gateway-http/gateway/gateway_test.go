package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// testGateway serves a gateway over a fresh fleet (fail decides 500s per
// model index) with the example's budgets, carol's set to carolBudget.
func testGateway(t *testing.T, fail func(int) bool, latency, tokenDelay time.Duration, carolBudget float64) (string, *Fleet, *router.Pacer) {
	t.Helper()
	fleet := StartFleet(fail, tokenDelay)
	t.Cleanup(fleet.Close)
	for _, u := range fleet.Upstreams {
		u.Latency = latency
	}
	cfg := PacerConfig(fleet.Models)
	for i := range cfg.Tenants {
		if cfg.Tenants[i].Name == "key:carol" {
			cfg.Tenants[i].Budget = carolBudget
		}
	}
	p, err := router.NewPacer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Models: fleet.Models, Pacer: p, Keys: Keys})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	return front.URL, fleet, p
}

func balance(t *testing.T, p *router.Pacer, account string) router.Balance {
	t.Helper()
	b, err := p.Ledger().Balance(context.Background(), time.Now(), account)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func usageCost(fleet *Fleet, model string, u *Usage) float64 {
	for _, m := range fleet.Models {
		if m.Name == model {
			return price(m, u.PromptTokens, u.CompletionTokens)
		}
	}
	return math.NaN()
}

func TestSettlesUsage(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run("stream="+strconv.FormatBool(stream), func(t *testing.T) {
			url, fleet, p := testGateway(t, nil, 0, 0, 0.002)
			res, err := Call(url, "sk-alice", "What is a budget pacer?", 200, stream)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusOK || res.Usage == nil || res.Model == "" {
				t.Fatalf("status %d model %q usage %v body %s", res.Status, res.Model, res.Usage, res.Body)
			}
			want := usageCost(fleet, res.Model, res.Usage)
			if math.Abs(res.Cost-want) > 1e-6 {
				t.Errorf("X-Budget-Cost %v, usage says %v", res.Cost, want)
			}
			// The ledger charged the usage's cost (not the reservation) on
			// the whole path, and holds nothing.
			for _, acct := range []string{"key:alice", "team:research", "global"} {
				b := balance(t, p, acct)
				if got := float64(b.Spent) * 1e-9; math.Abs(got-want) > 2e-9 || b.Held != 0 {
					t.Errorf("%s: spent $%v held %d, want $%v and 0", acct, got, b.Held, want)
				}
			}
			if res.Usage.CompletionTokens > 200 {
				t.Errorf("upstream wrote %d tokens over max_tokens", res.Usage.CompletionTokens)
			}
			if !stream {
				rem, err := strconv.ParseFloat(res.Remaining, 64)
				if err != nil || math.Abs(rem-(0.15-want)) > 2e-6 {
					t.Errorf("X-Budget-Remaining %q, want ≈ %v", res.Remaining, 0.15-want)
				}
			} else if n := strings.Count(string(res.Body), "chat.completion.chunk"); n != res.Usage.CompletionTokens+1 {
				t.Errorf("%d chunks relayed, want %d words + the usage chunk", n, res.Usage.CompletionTokens)
			}
		})
	}
}

func TestUpstream5xxTriesNextModelOnce(t *testing.T) {
	// With no spend yet the pacer's price is 0, so it picks the best model
	// (large) first; large fails, so the request goes to medium.
	url, fleet, p := testGateway(t, func(m int) bool { return m == 2 }, 0, 0, 0.002)
	res, err := Call(url, "sk-bob", "hello", 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK || res.Model != "medium" {
		t.Fatalf("status %d from %q, want 200 from medium (%s)", res.Status, res.Model, res.Body)
	}
	calls := func(m int) int64 { c, _ := fleet.Upstreams[m].Calls(); return c }
	if calls(2) != 1 || calls(1) != 1 || calls(0) != 0 {
		t.Errorf("upstream calls small/medium/large = %d/%d/%d, want 0/1/1", calls(0), calls(1), calls(2))
	}
	b := balance(t, p, "key:bob")
	if b.Held != 0 || math.Abs(float64(b.Spent)*1e-9-usageCost(fleet, "medium", res.Usage)) > 2e-9 {
		t.Errorf("bob: %+v after a retried request", b)
	}

	// Every model failing: two attempts, then 502, and nothing spent.
	url, fleet, p = testGateway(t, func(int) bool { return true }, 0, 0, 0.002)
	res, err = Call(url, "sk-bob", "hello", 100, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusBadGateway {
		t.Errorf("status %d, want 502", res.Status)
	}
	var total int64
	for m := range fleet.Upstreams {
		c, _ := fleet.Upstreams[m].Calls()
		total += c
	}
	if total != 2 {
		t.Errorf("%d upstream calls, want 2 (one retry)", total)
	}
	if b := balance(t, p, "global"); b.Spent != 0 || b.Held != 0 {
		t.Errorf("global %+v after two upstream failures", b)
	}
}

func TestBudgetExhausted429(t *testing.T) {
	url, _, p := testGateway(t, nil, 0, 0, 0.0005)
	var got429 Result
	for i := 0; i < 100; i++ {
		res, err := Call(url, "sk-carol", strings.Repeat("a long question ", 20), 400, i%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == http.StatusTooManyRequests {
			got429 = res
			break
		}
		if res.Status != http.StatusOK {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
	}
	if got429.Status == 0 {
		t.Fatal("no 429 after 100 requests on a $0.0005 budget")
	}
	if n, err := strconv.Atoi(got429.RetryAfter); err != nil || n < 1 {
		t.Errorf("Retry-After %q", got429.RetryAfter)
	}
	var body struct {
		Error struct{ Type, Message string }
	}
	if err := json.Unmarshal(got429.Body, &body); err != nil || body.Error.Type != "budget_exhausted" {
		t.Errorf("429 body %s", got429.Body)
	}
	if got429.Remaining == "" {
		t.Errorf("no X-Budget-Remaining on the 429")
	}
	if b := balance(t, p, "key:carol"); b.Spent > b.Limit || b.Held != 0 {
		t.Errorf("carol %+v", b)
	}
	// Other keys are not affected.
	if res, _ := Call(url, "sk-alice", "hi", 50, false); res.Status != http.StatusOK {
		t.Errorf("alice got %d", res.Status)
	}
}

func TestClientDisconnectReleases(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run("stream="+strconv.FormatBool(stream), func(t *testing.T) {
			// Slow upstreams: 300ms before answering a plain request, 20ms
			// per streamed word.
			latency, delay := 300*time.Millisecond, time.Duration(0)
			if stream {
				latency, delay = 0, 20*time.Millisecond
			}
			url, _, p := testGateway(t, nil, latency, delay, 0.002)
			ctx, cancel := context.WithCancel(context.Background())
			body, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": "tell me a long story"}}, "max_tokens": 200, "stream": stream})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer sk-alice")
			done, gotFirst, proceed := make(chan struct{}), make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				defer resp.Body.Close()
				bufio.NewReader(resp.Body).ReadString('\n') // the first event
				close(gotFirst)
				<-proceed
			}()
			// The reservation is held while the request is in flight; then
			// the client goes away (mid-stream when streaming).
			if stream {
				<-gotFirst
			}
			waitFor(t, func() bool { return balance(t, p, "key:alice").Held > 0 })
			cancel()
			close(proceed)
			<-done
			waitFor(t, func() bool { b := balance(t, p, "key:alice"); return b.Held == 0 })
			if b := balance(t, p, "key:alice"); b.Spent != 0 {
				t.Errorf("spent %d after the client went away, want 0 (released)", b.Spent)
			}
			if s := p.Stats(time.Time{}); s.Released != 1 || s.Outstanding != 0 {
				t.Errorf("pacer: released %d outstanding %d, want 1 and 0", s.Released, s.Outstanding)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached within 5s")
}

func TestBadRequests(t *testing.T) {
	url, _, _ := testGateway(t, nil, 0, 0, 0.002)
	for _, c := range []struct {
		key, body string
		want      int
	}{
		{"", `{"messages":[{"role":"user","content":"x"}]}`, http.StatusUnauthorized},
		{"sk-mallory", `{"messages":[{"role":"user","content":"x"}]}`, http.StatusUnauthorized},
		{"sk-alice", `{"messages":`, http.StatusBadRequest},
		{"sk-alice", `{"messages":[]}`, http.StatusBadRequest},
		{"sk-alice", `{"messages":[{"role":"user","content":"x"}],"max_tokens":-1}`, http.StatusBadRequest},
		{"sk-alice", `{"messages":[{"role":"user","content":"x"}],"max_tokens":100000}`, http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(c.body))
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("key %q body %s: status %d, want %d", c.key, c.body, resp.StatusCode, c.want)
		}
	}
	if resp, err := http.Get(url + "/v1/chat/completions"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp.StatusCode, err)
	}
}

func TestMainDemo(t *testing.T) {
	var out bytes.Buffer
	if err := Main([]string{"-n", "6"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sk-alice", "sk-carol", "medium", "global: spent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if err := Main([]string{"-redis", "localhost:1"}, &out, nil); err == nil || !strings.Contains(err.Error(), "router/redisledger") {
		t.Errorf("-redis without a Redis build: %v", err)
	}
}
