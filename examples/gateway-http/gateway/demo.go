package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// Fleet is the example's upstream models: fake OpenAI-compatible servers
// started in-process with httptest, each with its own price.
type Fleet struct {
	Upstreams []*Upstream
	Servers   []*httptest.Server
	Models    []Model
}

// StartFleet starts three upstreams — small, medium and large — with the
// prices of common small, mid-size and frontier models; fail, if not nil,
// is called with a model's index on each request to decide whether it
// answers 500.
func StartFleet(fail func(model int) bool, tokenDelay time.Duration) *Fleet {
	f := &Fleet{}
	specs := []Model{
		{Name: "small", InputPrice: 0.15, OutputPrice: 0.60, Quality: 0.55},
		{Name: "medium", InputPrice: 1.00, OutputPrice: 4.00, Quality: 0.75},
		{Name: "large", InputPrice: 5.00, OutputPrice: 15.0, Quality: 0.90},
	}
	for i, m := range specs {
		u := &Upstream{Name: m.Name, TokenDelay: tokenDelay}
		if fail != nil {
			u.Fail = func() bool { return fail(i) }
		}
		s := httptest.NewServer(u)
		m.URL = s.URL
		f.Upstreams = append(f.Upstreams, u)
		f.Servers = append(f.Servers, s)
		f.Models = append(f.Models, m)
	}
	return f
}

// Close stops the upstreams.
func (f *Fleet) Close() {
	for _, s := range f.Servers {
		s.Close()
	}
}

// Keys are the example's API keys and their tenants.
var Keys = map[string]string{
	"sk-alice": "key:alice",
	"sk-bob":   "key:bob",
	"sk-carol": "key:carol",
}

// PacerConfig is the example's budget tree, reset daily (UTC): $0.40 in
// all; team:research $0.25 shared by alice's and bob's keys ($0.15 each);
// carol's key $0.002 directly under the root (the demo exhausts it).
func PacerConfig(models []Model) router.PacerConfig {
	day := router.Period{Kind: router.Daily, Location: time.UTC}
	cfg := router.PacerConfig{
		Budget:  0.40,
		Horizon: 400,
		Period:  day,
		TTL:     2 * time.Minute,
		Tenants: []router.Tenant{
			{Name: "team:research", Budget: 0.25, Period: day, Requests: 250},
			{Name: "key:alice", Parent: "team:research", Budget: 0.15, Period: day, Requests: 120},
			{Name: "key:bob", Parent: "team:research", Budget: 0.15, Period: day, Requests: 120},
			{Name: "key:carol", Budget: 0.002, Period: day, Requests: 40},
		},
	}
	for _, m := range models {
		cfg.Models = append(cfg.Models, router.Model{Name: m.Name, InputPrice: m.InputPrice, OutputPrice: m.OutputPrice})
	}
	return cfg
}

// NewLedgerFunc makes a shared ledger at addr holding accounts (the
// router/redisledger command passes one; the main module's has none).
type NewLedgerFunc func(ctx context.Context, addr string, accounts []router.Account) (router.Ledger, error)

// Main is the example's command line: by default a short self-contained
// demo that prints a table; -listen ADDR serves the gateway; -redis ADDR
// keeps the budgets in Redis (when newLedger is not nil).
func Main(args []string, stdout io.Writer, newLedger NewLedgerFunc) error {
	fs := flag.NewFlagSet("gateway-http", flag.ContinueOnError)
	listen := fs.String("listen", "", "serve the gateway on this address (e.g. :8080) until interrupted")
	redisAddr := fs.String("redis", "", "keep the budgets in Redis at this address (host:port)")
	requests := fs.Int("n", 40, "demo: requests per API key")
	seed := fs.Uint64("seed", 1, "demo: random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(*seed, 13))
	var mu sync.Mutex
	// The medium model fails one request in five.
	fleet := StartFleet(func(m int) bool {
		mu.Lock()
		defer mu.Unlock()
		return m == 1 && r.Float64() < 0.2
	}, 0)
	defer fleet.Close()
	cfg := PacerConfig(fleet.Models)
	if *redisAddr != "" {
		if newLedger == nil {
			return errors.New("-redis: this build has no Redis ledger; run the router/redisledger module's command instead:\n\tcd router/redisledger && go run ./examples/gateway-http -redis " + *redisAddr)
		}
		accounts, err := cfg.LedgerAccounts()
		if err != nil {
			return err
		}
		if cfg.Ledger, err = newLedger(ctx, *redisAddr, accounts); err != nil {
			return err
		}
	}
	p, err := router.NewPacer(cfg, nil)
	if err != nil {
		return err
	}
	g, err := New(Config{Models: fleet.Models, Pacer: p, Keys: Keys})
	if err != nil {
		return err
	}
	if *listen != "" {
		srv := &http.Server{Addr: *listen, Handler: g}
		fmt.Fprintf(stdout, "gateway on %s; keys %v\n", *listen, sortedKeys())
		fmt.Fprintf(stdout, "try: curl -s localhost%s/v1/chat/completions -H 'Authorization: Bearer sk-alice' -d '{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":100}' -i\n", *listen)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		go func() { <-stop; srv.Shutdown(ctx) }()
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	front := httptest.NewServer(g)
	defer front.Close()
	return demo(stdout, front.URL, fleet, p, *requests, *seed)
}

func sortedKeys() []string {
	var ks []string
	for k := range Keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// tenantRow is one line of the demo's table.
type tenantRow struct {
	requests, ok, limited, failed, streamed int
	cost                                    float64
}

// demo sends n requests per key through the gateway at url (8 at a time,
// every third one streaming) and prints what each tenant got and what each
// model served.
func demo(w io.Writer, url string, fleet *Fleet, p *router.Pacer, n int, seed uint64) error {
	rows := map[string]*tenantRow{}
	served := map[string]int{}
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	r := rand.New(rand.NewPCG(seed, 7))
	var firstErr error
	for i := 0; i < n; i++ {
		for _, key := range sortedKeys() {
			prompt := strings.Repeat("Explain budget pacing for LLM gateways. ", 1+r.IntN(12))
			stream := i%3 == 2
			maxTok := 128 + 64*r.IntN(7)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				res, err := Call(url, key, prompt, maxTok, stream)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					return
				}
				row := rows[key]
				if row == nil {
					row = &tenantRow{}
					rows[key] = row
				}
				row.requests++
				switch res.Status {
				case http.StatusOK:
					row.ok++
					row.cost += res.Cost
					served[res.Model]++
					if stream {
						row.streamed++
					}
				case http.StatusTooManyRequests:
					row.limited++
				default:
					row.failed++
				}
			}()
		}
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	ctx := context.Background()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "API key\ttenant\trequests\t200\t(streamed)\t429\t5xx\tspent $\tbudget $\tleft $\t")
	for _, key := range sortedKeys() {
		row := rows[key]
		if row == nil {
			row = &tenantRow{}
		}
		b, _ := p.Ledger().Balance(ctx, time.Now(), Keys[key])
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t\n", key, Keys[key], row.requests, row.ok, row.streamed, row.limited, row.failed,
			row.cost, float64(b.Limit)*1e-9, float64(b.Remaining())*1e-9)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\t$/M in\t$/M out\tcalls\t500s (retried)\tserved\t")
	for i, m := range fleet.Models {
		calls, fails := fleet.Upstreams[i].Calls()
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%d\t%d\t\n", m.Name, m.InputPrice, m.OutputPrice, calls, fails, served[m.Name])
	}
	tw.Flush()
	for _, acct := range []string{"global", "team:research"} {
		b, _ := p.Ledger().Balance(ctx, time.Now(), acct)
		fmt.Fprintf(w, "%s: spent $%.4f of $%.2f, held $%.4f\n", acct, float64(b.Spent)*1e-9, float64(b.Limit)*1e-9, float64(b.Held)*1e-9)
	}
	return nil
}

// Result is what a client saw of one call through the gateway.
type Result struct {
	Status     int
	Model      string
	Cost       float64 // X-Budget-Cost (trailer when streaming)
	Remaining  string  // X-Budget-Remaining
	RetryAfter string
	Body       []byte // the body, or the concatenated SSE data lines
	Usage      *Usage
}

// Call sends one chat completion through the gateway at url with API key.
func Call(url, key, prompt string, maxTokens int, stream bool) (Result, error) {
	body, _ := json.Marshal(map[string]any{
		"model":      "auto",
		"messages":   []map[string]string{{"role": "user", "content": prompt}},
		"max_tokens": maxTokens,
		"stream":     stream,
	})
	req, err := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	res := Result{Status: resp.StatusCode, Model: resp.Header.Get("X-Budget-Model"), Remaining: resp.Header.Get("X-Budget-Remaining"), RetryAfter: resp.Header.Get("Retry-After")}
	if !stream || resp.StatusCode != http.StatusOK {
		res.Body, err = io.ReadAll(resp.Body)
		if err != nil {
			return res, err
		}
		var out struct {
			Usage *Usage `json:"usage"`
		}
		if json.Unmarshal(res.Body, &out) == nil {
			res.Usage = out.Usage
		}
		res.Cost, _ = strconv.ParseFloat(resp.Header.Get("X-Budget-Cost"), 64)
		return res, nil
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		res.Body = append(append(res.Body, data...), '\n')
		var chunk struct {
			Usage *Usage `json:"usage"`
		}
		if json.Unmarshal([]byte(data), &chunk) == nil && chunk.Usage != nil {
			res.Usage = chunk.Usage
		}
	}
	if err := sc.Err(); err != nil {
		return res, err
	}
	res.Cost, _ = strconv.ParseFloat(resp.Trailer.Get("X-Budget-Cost"), 64)
	return res, nil
}
