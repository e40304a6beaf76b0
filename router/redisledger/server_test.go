package redisledger

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// These tests need a real Redis. With BUDGETKIT_REDIS_ADDR=host:port they
// use that server (under namespaces of their own, deleting nothing else);
// otherwise TestMain starts redis-server (Debian package redis-server) on a
// free loopback port, with persistence off in a temporary directory, and
// stops it at the end. Without either, the package's tests are skipped with
// a message — unless BUDGETKIT_REDIS_REQUIRED is set (as CI should), which
// makes that a failure. The outage tests always start a redis-server of
// their own, since they stop and restart it.

const howToRun = "install redis-server (apt-get install redis-server) or set BUDGETKIT_REDIS_ADDR=host:port to run the redisledger tests"

// sharedAddr is the Redis the tests use.
var sharedAddr string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// quiet drops go-redis's log lines (dial failures during the outage tests
// are expected).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func runMain(m *testing.M) int {
	redis.SetLogger(quiet{})
	if a := os.Getenv("BUDGETKIT_REDIS_ADDR"); a != "" {
		sharedAddr = a
		return m.Run()
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("BUDGETKIT_REDIS_REQUIRED") != "" {
			fmt.Println("FAIL: BUDGETKIT_REDIS_REQUIRED is set but redis-server is not on PATH:", howToRun)
			return 1
		}
		fmt.Println("SKIP: redis-server is not on PATH:", howToRun)
		return 0
	}
	dir, err := os.MkdirTemp("", "redisledger-test-")
	if err != nil {
		fmt.Println("redisledger tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := startServer(dir, false)
	if err != nil {
		fmt.Println("redisledger tests: starting redis-server:", err)
		return 1
	}
	defer s.stop()
	sharedAddr = s.addr
	// Examples read the address from the environment, as users would.
	os.Setenv("BUDGETKIT_REDIS_ADDR", s.addr)
	defer os.Unsetenv("BUDGETKIT_REDIS_ADDR")
	return m.Run()
}

// server is a redis-server process the tests control.
type server struct {
	addr, dir string
	persist   bool
	cmd       *exec.Cmd
	done      chan struct{}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer starts redis-server on a free loopback port with its files
// in dir. persist turns on the append-only file with an fsync per write, so
// that a killed and restarted server keeps every acknowledged write.
func startServer(dir string, persist bool) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{addr: addr, dir: dir, persist: persist}
	return s, s.start()
}

func (s *server) start() error {
	_, port, _ := net.SplitHostPort(s.addr)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--dir", s.dir, "--daemonize", "no", "--logfile", "", "--loglevel", "warning"}
	if s.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command("redis-server", args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited: %s", out.String())
		default:
		}
		if c.Ping(context.Background()).Err() == nil {
			return nil
		}
	}
	s.stop()
	return fmt.Errorf("redis-server did not answer on %s: %s", s.addr, out.String())
}

// stop kills the server (SIGKILL: no graceful save) and waits for it.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

var nsSeq atomic.Int64

// testNamespace returns a namespace no other test uses.
func testNamespace(t testing.TB) string {
	return fmt.Sprintf("bk-test-%d-%d", os.Getpid(), nsSeq.Add(1))
}

// newClient returns a client of the shared server with a pool of its own,
// closed at the end of the test.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 32})
	t.Cleanup(func() { c.Close() })
	return c
}

// ownServer starts a redis-server only this test uses (persist as for
// startServer), stopped at the end of the test; it skips the test when
// redis-server is not on PATH.
func ownServer(t *testing.T, persist bool) *server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("BUDGETKIT_REDIS_REQUIRED") != "" {
			t.Fatal("BUDGETKIT_REDIS_REQUIRED is set; this test stops and restarts Redis and needs redis-server on PATH")
		}
		t.Skip("this test stops and restarts Redis and needs redis-server on PATH: " + howToRun)
	}
	s, err := startServer(t.TempDir(), persist)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s
}

// keys lists every key of namespace ns with its TTL (-1: none).
func keys(t testing.TB, c *redis.Client, ns string) map[string]time.Duration {
	t.Helper()
	ctx := context.Background()
	out := map[string]time.Duration{}
	iter := c.Scan(ctx, 0, "{"+ns+"}:*", 1000).Iterator()
	for iter.Next(ctx) {
		ttl, err := c.PTTL(ctx, iter.Val()).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl == -2 {
			continue // expired between SCAN and PTTL
		}
		out[iter.Val()] = ttl
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNoLeaks asserts that only account keys remain under ns (no holds,
// no deadline set), and that every one of them expires unless it belongs
// to a Lifetime account; finished holds' tombstones may remain for
// ReplayWindow.
func checkNoLeaks(t testing.TB, c *redis.Client, ns string) {
	t.Helper()
	for k, ttl := range keys(t, c, ns) {
		switch {
		case strings.HasPrefix(k, "{"+ns+"}:a:") && strings.HasSuffix(k, ":life"):
			if ttl != -1 {
				t.Errorf("lifetime key %s has TTL %v", k, ttl)
			}
		case strings.HasPrefix(k, "{"+ns+"}:a:"):
			if ttl <= 0 {
				t.Errorf("period key %s has no TTL (%v)", k, ttl)
			}
		case strings.HasPrefix(k, "{"+ns+"}:h:") && ttl > 0 && ttl <= ReplayWindow:
			// a finished hold's tombstone, gone within ReplayWindow
			if v, _ := c.Get(context.Background(), k).Result(); !strings.HasPrefix(v, "~") {
				t.Errorf("live hold %s", k)
			}
		default:
			t.Errorf("leaked key %s (TTL %v)", k, ttl)
		}
	}
}
