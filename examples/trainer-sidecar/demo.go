package main

// demo.go is the default mode: the service on a temporary Unix socket and a
// simulated trainer driving it through the HTTP API for a few steps, the
// way client.py does from Python.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
)

// demoSources are the simulated data sources and their prompts' true
// success rates.
var demoSources = []struct {
	name  string
	rates []float64
}{
	{"easy", []float64{0.95, 0.9, 1, 0.85, 0.97, 1, 0.92, 0.88}},
	{"medium", []float64{0.5, 0.35, 0.6, 0.45, 0.3, 0.55, 0.4, 0.65}},
	{"hard", []float64{0, 0.02, 0.05, 0, 0.1, 0.03, 0, 0.08}},
}

// demo runs the demonstration and writes its report to out.
func demo(out io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, options{listen: "unix"}, pw)
		pw.Close()
	}()
	line, err := readLine(pr)
	if err != nil {
		return fmt.Errorf("reading the handshake: %w", <-errc)
	}
	go io.Copy(io.Discard, pr)
	fmt.Fprintln(out, "handshake:", strings.Replace(line, "\n", "", 1))
	sock, ok := strings.CutPrefix(strings.TrimSpace(line), "BUDGETKIT 1 unix:")
	if !ok {
		return fmt.Errorf("unexpected handshake %q", line)
	}
	c := &demoClient{http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}}
	if err := demoRun(c, out); err != nil {
		return err
	}
	cancel()
	return <-errc
}

func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		if _, err := r.Read(buf); err != nil {
			return b.String(), err
		}
		b.WriteByte(buf[0])
		if buf[0] == '\n' {
			return b.String(), nil
		}
	}
}

// demoClient posts JSON to the service.
type demoClient struct{ http *http.Client }

func (c *demoClient) post(path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.http.Post("http://sidecar"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

// demoRun simulates five training steps of 12 prompts (budget 8 rollouts
// each on average, totals divisible by 8 workers): each step draws sources,
// picks prompts, allocates rollouts, simulates their rewards and reports
// them.
func demoRun(c *demoClient, out io.Writer) error {
	const (
		steps   = 5
		batch   = 12
		perStep = 8
		workers = 8
		seed    = 7
	)
	arms := make([]string, len(demoSources))
	for i, s := range demoSources {
		arms[i] = s.name
	}
	var sess sessionResponse
	if err := c.post("/v1/sessions", map[string]any{
		"id":         "demo",
		"tracker":    map[string]any{"decay": 0.9},
		"curriculum": map[string]any{"method": "dump", "arms": arms},
	}, &sess); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	next := make([]int, len(demoSources)) // round-robin cursor within each source
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tsources drawn (e/m/h)\trollouts (e/m/h)\tper prompt\tmixed groups\tshadow price\tp(easy)\tp(medium)\tp(hard)\t")
	for step := range steps {
		var drawn sampleResponse
		if err := c.post("/v1/sources/sample", map[string]any{"session": sess.Session, "step": step, "n": batch, "seed": seed}, &drawn); err != nil {
			return err
		}
		ids := make([]string, batch)
		rates := make([]float64, batch)
		var byDrawn [3]int
		for k, a := range drawn.Indices {
			j := next[a] % len(demoSources[a].rates)
			next[a]++
			ids[k] = fmt.Sprintf("%s-%d", demoSources[a].name, j)
			rates[k] = demoSources[a].rates[j]
			byDrawn[a]++
		}
		var alloc allocateResponse
		if err := c.post("/v1/allocate", map[string]any{
			"session": sess.Session, "ids": ids, "budget": perStep * batch, "divisor": workers, "exact": true,
		}, &alloc); err != nil {
			return err
		}
		var byRollouts [3]int
		lo, hi := alloc.Counts[0], alloc.Counts[0]
		mixed := 0
		prompts := make([]promptObservation, batch)
		for k, n := range alloc.Counts {
			rewards := make([]float64, n)
			wins := 0
			for j := range rewards {
				if rng.Float64() < rates[k] {
					rewards[j], wins = 1, wins+1
				}
			}
			if wins > 0 && wins < n {
				mixed++
			}
			byRollouts[drawn.Indices[k]] += n
			lo, hi = min(lo, n), max(hi, n)
			prompts[k] = promptObservation{ID: ids[k], Source: drawn.Sources[k], Rewards: rewards}
		}
		var obs observeResponse
		if err := c.post("/v1/observe", observeRequest{Session: sess.Session, Step: step, Shard: 0, Prompts: prompts}, &obs); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%d/%d/%d\t%d/%d/%d\t%d–%d\t%d of %d\t%.3g\t%.3f\t%.3f\t%.3f\t\n", step,
			byDrawn[0], byDrawn[1], byDrawn[2], byRollouts[0], byRollouts[1], byRollouts[2], lo, hi, mixed, batch,
			alloc.ShadowPrice, obs.Probabilities["easy"], obs.Probabilities["medium"], obs.Probabilities["hard"])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A replayed step is refused rather than counted twice.
	err := c.post("/v1/observe", observeRequest{Session: sess.Session, Step: steps - 1, Prompts: []promptObservation{{ID: "easy-0", Source: "easy", Rewards: []float64{1}}}}, &observeResponse{})
	fmt.Fprintf(out, "replaying step %d: %v\n", steps-1, err)
	if err == nil || !strings.Contains(err.Error(), "already_applied") {
		return fmt.Errorf("replay was not refused")
	}
	return nil
}
