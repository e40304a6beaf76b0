package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the default mode, which .ci/run's example loop runs without
// flags: it must finish by itself, having shown a replay refused.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := demo(&out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"BUDGETKIT 1 unix:", "shadow price", "already_applied"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// startServe runs serve in the background and returns its handshake
// address, a client for it, and a stop function that waits for serve.
func startServe(t *testing.T, o options) (string, *http.Client, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, o, pw)
		pw.Close()
	}()
	line, err := readLine(pr)
	if err != nil {
		cancel()
		t.Fatalf("no handshake: %v", <-errc)
	}
	go io.Copy(io.Discard, pr)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "BUDGETKIT 1 "))
	kind, rest, _ := strings.Cut(addr, ":")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, kind, rest)
		},
	}}
	return addr, hc, func() error { cancel(); return <-errc }
}

func post(t *testing.T, hc *http.Client, path, body string) (int, string) {
	t.Helper()
	resp, err := hc.Post("http://sidecar"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeLifecycle: the socket is private, the state file is written on
// shutdown and loaded on the next start, and a corrupt one stops the start.
func TestServeLifecycle(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	addr, hc, stop := startServe(t, options{listen: "unix", snapshot: state})
	sock := strings.TrimPrefix(addr, "unix:")
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s: %v, mode %v; want 0600", sock, err, fi.Mode().Perm())
	}
	if code, b := post(t, hc, "/v1/sessions", `{"id":"r","curriculum":{"arms":["a","b"]}}`); code != 200 {
		t.Fatalf("create: %d %s", code, b)
	}
	if code, b := post(t, hc, "/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1,0]}]}`); code != 200 {
		t.Fatalf("observe: %d %s", code, b)
	}
	_, draws := post(t, hc, "/v1/sources/sample", `{"session":"r","step":1,"n":8,"seed":3}`)
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket %s left behind: %v", sock, err)
	}
	_, hc, stop = startServe(t, options{listen: "unix", snapshot: state})
	if code, _ := post(t, hc, "/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[]}`); code != 409 {
		t.Errorf("replay after a restart: %d, want 409", code)
	}
	if _, again := post(t, hc, "/v1/sources/sample", `{"session":"r","step":1,"n":8,"seed":3}`); again != draws {
		t.Errorf("draws after a restart: %s, want %s", again, draws)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, []byte(`{"kind":"trainer-sidecar.Service"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := serve(context.Background(), options{listen: "unix", snapshot: state}, io.Discard); err == nil || !strings.Contains(err.Error(), "invalid snapshot") {
		t.Errorf("a corrupt state file: %v, want an invalid snapshot error", err)
	}
}

func TestListenAddresses(t *testing.T) {
	for _, spec := range []string{"tcp:0.0.0.0:0", "tcp:[::]:0", "tcp:example.com:80", "udp", "tcp:nonsense"} {
		if ln, _, _, err := listener(spec, false); err == nil {
			ln.Close()
			t.Errorf("-listen %s accepted without -allow-remote", spec)
		}
	}
	for _, spec := range []string{"tcp", "tcp:127.0.0.1:0", "tcp:localhost:0", "unix"} {
		ln, addr, cleanup, err := listener(spec, false)
		if err != nil {
			t.Errorf("-listen %s: %v", spec, err)
			continue
		}
		if kind, _, _ := strings.Cut(spec, ":"); !strings.HasPrefix(addr, kind+":") {
			t.Errorf("-listen %s: handshake address %s", spec, addr)
		}
		ln.Close()
		cleanup()
	}
}
