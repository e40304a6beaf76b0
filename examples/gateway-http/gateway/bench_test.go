package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/budgetkit/budgetkit/router"
)

// BenchmarkServeHTTP measures the gateway's own overhead per request
// (routing, reserving, proxying to an in-process upstream, settling),
// with the handler called directly and budgets large enough never to run
// out.
func BenchmarkServeHTTP(b *testing.B) {
	fleet := StartFleet(nil, 0)
	defer fleet.Close()
	cfg := PacerConfig(fleet.Models)
	cfg.Budget, cfg.Horizon = 1e6, 1e7
	for i := range cfg.Tenants {
		cfg.Tenants[i].Budget = 1e6
	}
	p, err := router.NewPacer(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(Config{Models: fleet.Models, Pacer: p, Keys: Keys})
	if err != nil {
		b.Fatal(err)
	}
	for _, stream := range []bool{false, true} {
		body := `{"messages":[{"role":"user","content":"What does a budget pacer do?"}],"max_tokens":64}`
		name := "plain"
		if stream {
			body = strings.Replace(body, `"max_tokens"`, `"stream":true,"max_tokens"`, 1)
			name = "stream"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer sk-alice")
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
