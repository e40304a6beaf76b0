package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// The benchmarks put the handlers (JSON decoding, validation, the session's
// bookkeeping, JSON encoding) beside the library calls they wrap, for the
// issue's sizes: allocate over 512 prompts, observe 512 prompts × 16 rewards.
const (
	benchPrompts = 512
	benchRollout = 16
)

// benchSession returns a server with a session "b" (DUMP over four sources)
// that has seen every prompt once, and the session itself.
func benchSession(b *testing.B) (*server, *session) {
	s := newServer("", 0)
	mustOK(b, s, "POST", "/v1/sessions", `{"id":"b","tracker":{"decay":0.9},"curriculum":{"arms":["s0","s1","s2","s3"]}}`)
	mustOK(b, s, "POST", "/v1/observe", observeBody(0))
	ss, err := s.session("b")
	if err != nil {
		b.Fatal(err)
	}
	return s, ss
}

// benchPromptObs are the prompts of one observe call; prompt i succeeds on
// rollouts j with (i+j) mod 16 < i mod 17.
func benchPromptObs() []promptObservation {
	ps := make([]promptObservation, benchPrompts)
	for i := range ps {
		r := make([]float64, benchRollout)
		for j := range r {
			if (i+j)%benchRollout < i%17 {
				r[j] = 1
			}
		}
		ps[i] = promptObservation{ID: fmt.Sprintf("prompt-%d", i), Source: fmt.Sprintf("s%d", i%4), Rewards: r}
	}
	return ps
}

func observeBody(step int) string {
	b, _ := json.Marshal(observeRequest{Session: "b", Step: step, Prompts: benchPromptObs()})
	return string(b)
}

func allocateBody() string {
	ids := make([]string, benchPrompts)
	for i := range ids {
		ids[i] = fmt.Sprintf("prompt-%d", i)
	}
	b, _ := json.Marshal(allocateRequest{Session: "b", IDs: ids, Budget: 8 * benchPrompts, Divisor: 16, Exact: true})
	return string(b)
}

// BenchmarkAllocate512 compares POST /v1/allocate through the handler with
// the library calls alone (posteriors, BetaKnapsack items, budget.Allocate).
func BenchmarkAllocate512(b *testing.B) {
	body := allocateBody()
	b.Run("handler", func(b *testing.B) {
		s, _ := benchSession(b)
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/v1/allocate", strings.NewReader(body))
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("unix-socket", func(b *testing.B) {
		hc, stop := benchSocket(b)
		defer stop()
		b.ReportAllocs()
		for b.Loop() {
			benchPost(b, hc, "/v1/allocate", body)
		}
	})
	b.Run("library", func(b *testing.B) {
		_, ss := benchSession(b)
		var req allocateRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			b.Fatal(err)
		}
		in, err := req.validate()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ss.eng.allocate(in, ss.meanLength); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkObserve512x16 compares POST /v1/observe through the handler (a
// fresh step each call) with the library calls alone (ObserveRewards per
// prompt, GRPO advantages, the curriculum update).
func BenchmarkObserve512x16(b *testing.B) {
	head, tail, _ := strings.Cut(observeBody(0), `"step":0,`)
	b.Run("handler", func(b *testing.B) {
		s, _ := benchSession(b)
		b.ReportAllocs()
		step := 1
		for b.Loop() {
			body := head + `"step":` + strconv.Itoa(step) + "," + tail
			req := httptest.NewRequest(http.MethodPost, "/v1/observe", strings.NewReader(body))
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
			step++
		}
	})
	b.Run("unix-socket", func(b *testing.B) {
		hc, stop := benchSocket(b)
		defer stop()
		b.ReportAllocs()
		step := 1
		for b.Loop() {
			benchPost(b, hc, "/v1/observe", head+`"step":`+strconv.Itoa(step)+","+tail)
			step++
		}
	})
	b.Run("library", func(b *testing.B) {
		_, ss := benchSession(b)
		ps := benchPromptObs()
		thr := *ss.settings.Threshold
		b.ReportAllocs()
		step := 1
		for b.Loop() {
			values := map[string][]float64{}
			for _, p := range ps {
				if err := ss.eng.observeRewards(p.ID, p.Rewards, thr); err != nil {
					b.Fatal(err)
				}
				values[p.Source] = appendFeedback(values[p.Source], p.Rewards, thr, false)
			}
			if err := ss.eng.updateSources(step, values); err != nil {
				b.Fatal(err)
			}
			step++
		}
	})
}

// benchSocket serves a fresh service (with session "b", as benchSession) on
// a temporary Unix socket and returns a keep-alive client for it.
func benchSocket(b *testing.B) (*http.Client, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, options{listen: "unix"}, pw)
		pw.Close()
	}()
	line, err := readLine(pr)
	if err != nil {
		cancel()
		b.Fatalf("no handshake: %v", <-errc)
	}
	go io.Copy(io.Discard, pr)
	sock := strings.TrimSpace(strings.TrimPrefix(line, "BUDGETKIT 1 unix:"))
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	benchPost(b, hc, "/v1/sessions", `{"id":"b","tracker":{"decay":0.9},"curriculum":{"arms":["s0","s1","s2","s3"]}}`)
	benchPost(b, hc, "/v1/observe", observeBody(0))
	return hc, func() {
		cancel()
		if err := <-errc; err != nil {
			b.Error(err)
		}
	}
}

func benchPost(b *testing.B, hc *http.Client, path, body string) {
	resp, err := hc.Post("http://sidecar"+path, "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %s", path, resp.Status)
	}
}
