// Command trainer-sidecar makes budgetkit's rollout allocation, success-rate
// tracking and data-source curricula callable from Python trainers (verl,
// OpenRLHF, TRL) as a local HTTP/JSON service, in the style of OpenRLHF's
// remote reward server. A Go shared library loaded into the trainer is not an
// option there: Ray and DataLoader workers fork, and a Go runtime does not
// survive fork (golang/go#15538). client.py is a standard-library Python
// client and verl_sampler.py a verl curriculum sampler; README.md has the
// API table and the recipes.
//
// Without flags it runs a short demonstration — the service on a temporary
// Unix socket, one simulated training run driven through its HTTP API — and
// exits:
//
//	go run ./examples/trainer-sidecar
//
// With -serve it is the long-running service. It prints one handshake line
// on standard output,
//
//	BUDGETKIT 1 unix:/tmp/budgetkit-sidecar-…/sidecar.sock
//	BUDGETKIT 1 tcp:127.0.0.1:PORT
//
// then serves until SIGTERM or SIGINT (or, with -stdin-eof, until its
// standard input closes), finishing the requests in flight and writing the
// -snapshot file if one is named.
//
// Flags:
//
//	-serve             run the service (without it: the demonstration)
//	-listen ADDR       unix (a fresh socket in a private temporary directory,
//	                   the default), unix:/path, tcp (127.0.0.1:0) or
//	                   tcp:HOST:PORT
//	-allow-remote      allow -listen on an address other than loopback
//	-token-file PATH   require "Authorization: Bearer <token>" with the token
//	                   in PATH (or $BUDGETKIT_TOKEN); /healthz stays open
//	-snapshot PATH     load the service state from PATH on start if it exists,
//	                   write it there (atomically) on shutdown
//	-max-body BYTES    request-size limit (default 32 MiB; larger is 413);
//	                   POST /v1/restore accepts at least 1 GiB
//	-stdin-eof         shut down when standard input reaches end of file, so a
//	                   spawned service does not outlive its parent
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are the command's settings.
type options struct {
	serve       bool
	listen      string
	allowRemote bool
	token       string
	snapshot    string
	maxBody     int64
	stdinEOF    bool
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("trainer-sidecar: ")
	var o options
	var tokenFile string
	flag.BoolVar(&o.serve, "serve", false, "run the service (without it: a short demonstration)")
	flag.StringVar(&o.listen, "listen", "unix", "unix, unix:/path, tcp (127.0.0.1:0) or tcp:HOST:PORT")
	flag.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	flag.StringVar(&tokenFile, "token-file", "", "file holding the bearer token (default $BUDGETKIT_TOKEN)")
	flag.StringVar(&o.snapshot, "snapshot", "", "state file: loaded on start if present, written on shutdown")
	flag.Int64Var(&o.maxBody, "max-body", defaultMaxBody, "request-size limit in bytes")
	flag.BoolVar(&o.stdinEOF, "stdin-eof", false, "shut down when standard input closes")
	flag.Parse()
	o.token = os.Getenv("BUDGETKIT_TOKEN")
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			log.Fatal(err)
		}
		o.token = strings.TrimSpace(string(b))
		if o.token == "" {
			log.Fatalf("-token-file %s is empty", tokenFile)
		}
	}
	if !o.serve {
		if err := demo(os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.stdinEOF {
		ctx = stopOnEOF(ctx, os.Stdin)
	}
	if err := serve(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// stopOnEOF returns a context cancelled when r reaches end of file.
func stopOnEOF(ctx context.Context, r io.Reader) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		io.Copy(io.Discard, r)
		cancel()
	}()
	return ctx
}

// listener opens the listening socket of spec and returns it with the
// handshake address and a clean-up function.
func listener(spec string, allowRemote bool) (net.Listener, string, func(), error) {
	kind, addr, _ := strings.Cut(spec, ":")
	switch kind {
	case "unix":
		cleanup := func() {}
		if addr == "" {
			dir, err := os.MkdirTemp("", "budgetkit-sidecar-") // mode 0700
			if err != nil {
				return nil, "", nil, err
			}
			addr = filepath.Join(dir, "sidecar.sock")
			cleanup = func() { os.RemoveAll(dir) }
		}
		ln, err := net.Listen("unix", addr)
		if err != nil {
			cleanup()
			return nil, "", nil, err
		}
		if err := os.Chmod(addr, 0o600); err != nil {
			ln.Close()
			cleanup()
			return nil, "", nil, err
		}
		return ln, "unix:" + addr, cleanup, nil // closing ln unlinks the socket
	case "tcp":
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, "", nil, fmt.Errorf("-listen %s: %v", spec, err)
		}
		if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && !allowRemote {
			return nil, "", nil, fmt.Errorf("-listen %s: not a loopback address (pass -allow-remote to listen on it, and set a token)", spec)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", nil, err
		}
		return ln, "tcp:" + ln.Addr().String(), func() {}, nil
	}
	return nil, "", nil, fmt.Errorf("-listen %q: want unix, unix:/path, tcp or tcp:HOST:PORT", spec)
}

// serve runs the service until ctx is done.
func serve(ctx context.Context, o options, out io.Writer) error {
	srv := newServer(o.token, o.maxBody)
	if o.snapshot != "" {
		b, err := os.ReadFile(o.snapshot)
		switch {
		case err == nil:
			ids, err := srv.restoreBytes(b)
			if err != nil {
				return fmt.Errorf("-snapshot %s: %w", o.snapshot, err)
			}
			log.Printf("restored %d sessions from %s", len(ids), o.snapshot)
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	ln, addr, cleanup, err := listener(o.listen, o.allowRemote)
	if err != nil {
		return err
	}
	defer cleanup()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.Default()}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	fmt.Fprintf(out, "BUDGETKIT 1 %s\n", addr)
	if f, ok := out.(*os.File); ok {
		f.Sync()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Printf("shutdown: %v", err)
	}
	if o.snapshot != "" {
		if err := writeSnapshotFile(srv, o.snapshot); err != nil {
			return err
		}
		log.Printf("state written to %s", o.snapshot)
	}
	return nil
}

// writeSnapshotFile writes the service state to path atomically (a
// temporary file in the same directory, synced, then renamed).
func writeSnapshotFile(srv *server, path string) error {
	b, err := srv.snapshot(nil)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".sidecar-snapshot-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
