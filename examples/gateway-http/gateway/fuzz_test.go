package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/router"
)

// FuzzServeHTTP sends arbitrary bodies and API keys through the gateway:
// it answers with a known status, never panics, and leaves no reservation
// outstanding.
func FuzzServeHTTP(f *testing.F) {
	fleet := StartFleet(func(m int) bool { return m == 1 }, 0)
	defer fleet.Close()
	p, err := router.NewPacer(PacerConfig(fleet.Models), nil)
	if err != nil {
		f.Fatal(err)
	}
	g, err := New(Config{Models: fleet.Models, Pacer: p, Keys: Keys})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("sk-alice", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":50}`)
	f.Add("sk-carol", `{"messages":[{"role":"user","content":"hi"}],"stream":true}`)
	f.Add("sk-bob", `{"messages":[{"role":"user","content":"\u0000\r\n"}],"max_tokens":8192,"stream_options":7}`)
	f.Add("", `{}`)
	f.Add("sk-alice", `{"messages":[{"content":1}]}`)
	f.Fuzz(func(t *testing.T, key, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusBadGateway:
		default:
			t.Fatalf("status %d for key %q body %q: %s", rec.Code, key, body, rec.Body)
		}
		if s := p.Stats(time.Time{}); s.Outstanding != 0 {
			t.Fatalf("%d reservations outstanding after key %q body %q", s.Outstanding, key, body)
		}
	})
}
