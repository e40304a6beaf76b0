// Package gateway is the handler of the gateway-http example: an
// OpenAI-compatible reverse proxy that routes each chat completion to one of
// several upstream models with a router.Pacer, keeps every API key (tenant)
// within its budget, and settles the actual cost from the upstream's usage.
// It lives in its own package so that the example's two commands — the
// main module's (in-process ledger) and router/redisledger's (shared Redis
// ledger) — serve the same handler.
package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// Model is an upstream model behind the gateway.
type Model struct {
	// Name is the model's name; it must match the Pacer's model at the
	// same index.
	Name string
	// URL is the upstream's base URL (it serves /v1/chat/completions).
	URL string
	// InputPrice and OutputPrice are $ per million tokens.
	InputPrice, OutputPrice float64
	// Quality is the prior success probability the pacer weighs against
	// cost (in [0, 1]).
	Quality float64
}

// Config configures New. Zero fields mean the defaults.
type Config struct {
	// Models are the upstreams, in the order of the Pacer's models.
	Models []Model
	// Pacer routes and holds the budgets: its tenants are the Keys'
	// values, its ledger may be shared between gateway replicas.
	Pacer *router.Pacer
	// Unit is the Pacer's ledger unit in $ (PacerConfig.Unit; default
	// 10⁻⁹), used to report remaining budgets.
	Unit float64
	// Keys maps a bearer API key to its tenant.
	Keys map[string]string
	// Client calls the upstreams (default http.DefaultClient).
	Client *http.Client
	// DefaultMaxTokens is the max_tokens assumed when a request has none
	// (default 512); MaxTokens the largest accepted (default 8192).
	DefaultMaxTokens, MaxTokens int
}

// Gateway is the HTTP handler. It serves POST /v1/chat/completions:
//
//  1. The tenant is the API key's (Authorization: Bearer KEY); an unknown
//     key gets 401.
//  2. For each model it predicts an upper bound on the cost,
//     ĉ = (input tokens·InputPrice + max_tokens·OutputPrice)/10⁶, the input
//     tokens over-estimated as one per three bytes of content plus four
//     per message, and lets the Pacer choose and reserve it on the
//     tenant's budget path. A refusal is answered 429 with Retry-After and
//     a JSON error; an unavailable ledger (fail-closed) 503.
//  3. It forwards the request to the chosen upstream. If the upstream
//     fails (5xx or no connection) before answering, the reservation is
//     released and the next model the pacer chooses is tried, once.
//  4. It settles the cost computed from the upstream's usage: from the
//     response body, or — when streaming, where it asks the upstream for a
//     final usage chunk (stream_options.include_usage) — from that chunk,
//     relaying the events as they come. A stream that ends without usage
//     is settled at its reservation (the upper bound). If the client goes
//     away before the answer is complete, the reservation is released.
//     (Providers may bill a stream cut short; a stricter gateway would
//     settle the tokens relayed so far.)
//
// Responses carry X-Budget-Model, X-Budget-Reserved, X-Budget-Cost and
// X-Budget-Remaining (the tenant's budget left in $, per the ledger);
// streaming responses send X-Budget-Cost and X-Budget-Remaining-After as
// trailers, since the cost is known only at the end.
//
// Gateway is safe for concurrent use.
type Gateway struct {
	cfg    Config
	names  []string
	client *http.Client
}

// New validates cfg and returns the handler.
func New(cfg Config) (*Gateway, error) {
	if len(cfg.Models) == 0 {
		return nil, errors.New("gateway: Config.Models is empty")
	}
	if cfg.Pacer == nil {
		return nil, errors.New("gateway: Config.Pacer is nil")
	}
	if len(cfg.Keys) == 0 {
		return nil, errors.New("gateway: Config.Keys is empty")
	}
	g := &Gateway{cfg: cfg, client: cfg.Client}
	for i, m := range cfg.Models {
		if _, err := url.Parse(m.URL); err != nil || m.URL == "" {
			return nil, fmt.Errorf("gateway: Models[%d].URL = %q: %v", i, m.URL, err)
		}
		for _, p := range []float64{m.InputPrice, m.OutputPrice} {
			if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 {
				return nil, fmt.Errorf("gateway: Models[%d] price %v (must be finite and ≥ 0)", i, p)
			}
		}
		if !(m.Quality >= 0 && m.Quality <= 1) {
			return nil, fmt.Errorf("gateway: Models[%d].Quality = %v (must be in [0, 1])", i, m.Quality)
		}
		g.names = append(g.names, m.Name)
	}
	if g.client == nil {
		g.client = http.DefaultClient
	}
	if g.cfg.Unit == 0 {
		g.cfg.Unit = 1e-9
	}
	if g.cfg.DefaultMaxTokens == 0 {
		g.cfg.DefaultMaxTokens = 512
	}
	if g.cfg.MaxTokens == 0 {
		g.cfg.MaxTokens = 8192
	}
	return g, nil
}

// errUpstream marks an upstream failure before any byte reached the client:
// the request may go to another model.
var errUpstream = errors.New("upstream failed")

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "not_found", "unknown endpoint "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "use POST")
		return
	}
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tenant, known := g.cfg.Keys[strings.TrimSpace(key)]
	if !ok || !known {
		writeError(w, http.StatusUnauthorized, "invalid_api_key", "missing or unknown API key")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return // the client went away
	}
	var req chatRequest
	var fields map[string]any
	if err := json.Unmarshal(raw, &req); err != nil || json.Unmarshal(raw, &fields) != nil || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "the body must be a chat completion request with messages")
		return
	}
	maxTok := req.MaxTokens
	if maxTok == 0 {
		maxTok = g.cfg.DefaultMaxTokens
	}
	if maxTok < 0 || maxTok > g.cfg.MaxTokens {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("max_tokens = %d (must be in [1, %d])", req.MaxTokens, g.cfg.MaxTokens))
		return
	}
	inTok := 0
	for _, m := range req.Messages {
		inTok += (len(m.Content)+2)/3 + 4
	}
	n := len(g.cfg.Models)
	quality, cost := make([]float64, n), make([]float64, n)
	for i, m := range g.cfg.Models {
		quality[i] = m.Quality
		cost[i] = price(m, inTok, maxTok)
	}
	fields["max_tokens"] = maxTok
	if req.Stream {
		fields["stream_options"] = map[string]any{"include_usage": true}
	}
	failed := -1
	for attempt := 0; attempt < 2; attempt++ {
		now := time.Now()
		ch, err := g.cfg.Pacer.Decide(r.Context(), router.Query{Tenant: tenant, At: now, InputTokens: inTok}, quality, cost)
		if err != nil {
			g.refuse(w, r, tenant, err)
			return
		}
		if ch.Index == failed {
			// Only the model that just failed fits: give up.
			g.cfg.Pacer.Release(context.WithoutCancel(r.Context()), time.Now(), ch.Reservation)
			break
		}
		fields["model"] = ch.Model
		body, _ := json.Marshal(fields)
		err = g.forward(w, r, tenant, ch, body, req.Stream)
		if !errors.Is(err, errUpstream) {
			return
		}
		failed = ch.Index
		quality[failed] = -1e6 // try another model
	}
	writeError(w, http.StatusBadGateway, "upstream_error", "the upstream models failed")
}

// price is a model's cost in $ for the given token counts.
func price(m Model, in, out int) float64 {
	return (float64(in)*m.InputPrice + float64(out)*m.OutputPrice) / 1e6
}

// forward sends body to ch's upstream and relays the answer, settling or
// releasing ch's reservation. It returns errUpstream (after releasing) when
// the upstream failed before anything was written to the client.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, tenant string, ch router.Choice, body []byte, stream bool) error {
	m := g.cfg.Models[ch.Index]
	// The reservation is finished even if the client's request context
	// is cancelled.
	bg := context.WithoutCancel(r.Context())
	release := func() { g.cfg.Pacer.Release(bg, time.Now(), ch.Reservation) }
	up, err := http.NewRequestWithContext(r.Context(), http.MethodPost, strings.TrimSuffix(m.URL, "/")+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		release()
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return err
	}
	up.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(up)
	if err != nil {
		release()
		if r.Context().Err() != nil {
			return r.Context().Err() // the client went away
		}
		return errUpstream
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		release()
		return errUpstream
	}
	h := w.Header()
	h.Set("X-Budget-Model", ch.Model)
	h.Set("X-Budget-Reserved", dollars(ch.Cost))
	if resp.StatusCode != http.StatusOK {
		// The upstream refused the request itself (4xx): nothing was
		// generated, nothing is spent.
		release()
		h.Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		return nil
	}
	if !stream {
		data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if err != nil {
			release() // cut off, most likely because the client went away
			return err
		}
		var out struct {
			Usage *Usage `json:"usage"`
		}
		actual := ch.Cost // no usage: settle the upper bound
		if json.Unmarshal(data, &out) == nil && out.Usage != nil {
			actual = price(m, out.Usage.PromptTokens, out.Usage.CompletionTokens)
		}
		if err := g.cfg.Pacer.Settle(bg, time.Now(), ch.Reservation, actual); err != nil {
			h.Set("X-Budget-Settle-Error", err.Error())
		}
		h.Set("X-Budget-Cost", dollars(actual))
		h.Set("X-Budget-Remaining", g.remaining(bg, tenant))
		h.Set("Content-Type", "application/json")
		w.Write(data)
		return nil
	}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Budget-Remaining", g.remaining(bg, tenant)) // before settling: this request's reservation counted
	h.Set("Trailer", "X-Budget-Cost, X-Budget-Remaining-After")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	var usage *Usage
	clientGone := false
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			if data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data: ")); ok && !bytes.Equal(data, []byte("[DONE]")) {
				var chunk struct {
					Usage *Usage `json:"usage"`
				}
				if json.Unmarshal(data, &chunk) == nil && chunk.Usage != nil {
					usage = chunk.Usage
				}
			}
			if _, werr := w.Write(line); werr != nil {
				clientGone = true
				break
			}
			if len(bytes.TrimSpace(line)) == 0 && fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			break
		}
	}
	if r.Context().Err() != nil {
		clientGone = true
	}
	switch {
	case usage != nil:
		actual := price(m, usage.PromptTokens, usage.CompletionTokens)
		g.cfg.Pacer.Settle(bg, time.Now(), ch.Reservation, actual)
		h.Set("X-Budget-Cost", dollars(actual))
	case clientGone:
		release()
	default:
		g.cfg.Pacer.Settle(bg, time.Now(), ch.Reservation, ch.Cost)
		h.Set("X-Budget-Cost", dollars(ch.Cost))
	}
	h.Set("X-Budget-Remaining-After", g.remaining(bg, tenant))
	return nil
}

// remaining is the tenant's budget left, in $, per the ledger.
func (g *Gateway) remaining(ctx context.Context, tenant string) string {
	b, err := g.cfg.Pacer.Ledger().Balance(ctx, time.Now(), tenant)
	if err != nil {
		return "unknown"
	}
	return dollars(float64(b.Remaining()) * g.cfg.Unit)
}

// refuse answers a request the pacer did not admit.
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, tenant string, err error) {
	switch {
	case errors.Is(err, router.ErrLedgerUnavailable):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "ledger_unavailable", "the budget ledger is unavailable; try again shortly")
	case errors.Is(err, router.ErrBudgetExhausted):
		// Retry when in-flight reservations may have been released, or
		// when the tenant's budget period ends.
		retry := 60
		if b, berr := g.cfg.Pacer.Ledger().Balance(r.Context(), time.Now(), tenant); berr == nil {
			w.Header().Set("X-Budget-Remaining", dollars(float64(b.Remaining())*g.cfg.Unit))
			switch {
			case b.Held > 0:
				retry = 1
			case !b.End.IsZero():
				retry = max(1, int(math.Ceil(time.Until(b.End).Seconds())))
			}
		}
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		writeError(w, http.StatusTooManyRequests, "budget_exhausted", fmt.Sprintf("the budget of %q is exhausted: %v", tenant, err))
	default:
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
	}
}

// dollars formats an amount of money.
func dollars(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
