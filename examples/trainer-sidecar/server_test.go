package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// call sends one request straight to the server's handler.
func call(t testing.TB, s http.Handler, method, path, body string, hdr ...string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// mustOK calls and fails the test unless the status is 200.
func mustOK(t testing.TB, s http.Handler, method, path, body string) []byte {
	t.Helper()
	code, b := call(t, s, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s %s: %d %s", method, path, body, code, b)
	}
	return b
}

// goldenStep is one request of the golden conversation.
type goldenStep struct {
	name, method, path, body string
	status                   int
}

// goldenConversation exercises every endpoint, its success and its errors.
var goldenConversation = []goldenStep{
	{"healthz", "GET", "/healthz", "", 200},
	{"sessions-create", "POST", "/v1/sessions", `{"id":"run1","tracker":{"decay":0.9},"curriculum":{"method":"dump","arms":["math","code"]}}`, 200},
	{"sessions-again", "POST", "/v1/sessions", `{"id":"run1","tracker":{"decay":0.9},"curriculum":{"method":"DUMP","arms":["math","code"]}}`, 200},
	{"sessions-conflict", "POST", "/v1/sessions", `{"id":"run1","tracker":{"decay":0.5}}`, 409},
	{"sessions-generated-id", "POST", "/v1/sessions", `{"allocation":{"preset":"knapsack-rl"},"tracker":{"window":16}}`, 200},
	{"sessions-duet", "POST", "/v1/sessions", `{"id":"duet","allocation":{"preset":"duet"},"threshold":0}`, 200},
	{"sessions-unknown-field", "POST", "/v1/sessions", `{"trackr":{}}`, 400},
	{"sessions-bad-method", "POST", "/v1/sessions", `{"curriculum":{"method":"bandit","arms":["a"]}}`, 400},
	{"sessions-bad-preset", "POST", "/v1/sessions", `{"allocation":{"preset":"uniform"}}`, 400},
	{"sessions-bad-decay", "POST", "/v1/sessions", `{"tracker":{"decay":1.5}}`, 400},
	{"sessions-duplicate-arm", "POST", "/v1/sessions", `{"curriculum":{"arms":["a","a"]}}`, 400},
	{"sessions-wrong-type", "POST", "/v1/sessions", `{"shards":"two"}`, 400},
	{"sessions-malformed", "POST", "/v1/sessions", `{"id":`, 400},
	{"observe", "POST", "/v1/observe", `{"session":"run1","step":0,"shard":0,"prompts":[` +
		`{"id":"p1","source":"math","rewards":[1,0,1,1,0,0,1,0]},{"id":"p2","source":"code","rewards":[0,0,0,0]},` +
		`{"id":"p3","source":"math","rewards":[1,1,1,1,1,1,1,1]}]}`, 200},
	{"observe-replay", "POST", "/v1/observe", `{"session":"run1","step":0,"shard":0,"prompts":[{"id":"p1","source":"math","rewards":[1]}]}`, 409},
	{"observe-unknown-session", "POST", "/v1/observe", `{"session":"nope","step":1,"shard":0,"prompts":[]}`, 404},
	{"observe-bad-source", "POST", "/v1/observe", `{"session":"run1","step":1,"shard":0,"prompts":[{"id":"p1","source":"math","rewards":[1]},{"id":"p9","source":"poetry","rewards":[1]}]}`, 400},
	{"observe-bad-shard", "POST", "/v1/observe", `{"session":"run1","step":1,"shard":1,"prompts":[]}`, 400},
	{"observe-empty-rewards", "POST", "/v1/observe", `{"session":"run1","step":1,"shard":0,"prompts":[{"id":"p1","source":"math","rewards":[]}]}`, 400},
	{"observe-overflow", "POST", "/v1/observe", `{"session":"run1","step":1,"shard":0,"prompts":[{"id":"p1","source":"math","rewards":[1e400]}]}`, 400},
	{"observe-lengths-mismatch", "POST", "/v1/observe", `{"session":"duet","step":0,"shard":0,"prompts":[{"id":"q1","rewards":[1,0],"lengths":[100]}]}`, 400},
	{"observe-duet", "POST", "/v1/observe", `{"session":"duet","step":0,"shard":0,"prompts":[` +
		`{"id":"q1","rewards":[1,-1,1,-1],"lengths":[100,300,200,200]},{"id":"q2","rewards":[1,1,1,-1],"lengths":[1000,1200,800,1000]}]}`, 200},
	{"observe-knapsack-rl", "POST", "/v1/observe", `{"session":"s1","step":3,"shard":0,"prompts":[` +
		`{"id":"a","rewards":[1,0,0,0]},{"id":"b","rewards":[1,1,1,0]},{"id":"c","rewards":[0,0,0,0]},{"id":"d","rewards":[1,1,1,1]}]}`, 200},
	{"allocate", "POST", "/v1/allocate", `{"session":"run1","ids":["p1","p2","p3","new"],"budget":32,"divisor":8,"exact":true}`, 200},
	{"allocate-costs", "POST", "/v1/allocate", `{"session":"run1","ids":["p1","p2"],"budget":1000,"min":1,"max":16,"costs":[100,50]}`, 200},
	{"allocate-knapsack-rl", "POST", "/v1/allocate", `{"session":"s1","ids":["a","b","c","d","e"],"budget":40,"divisor":4}`, 200},
	{"allocate-knapsack-rl-indivisible", "POST", "/v1/allocate", `{"session":"s1","ids":["a","b"],"budget":10,"divisor":4}`, 400},
	{"allocate-duet", "POST", "/v1/allocate", `{"session":"duet","ids":["q1","q2","q3"],"budget":24,"divisor":4}`, 200},
	{"allocate-infeasible", "POST", "/v1/allocate", `{"session":"run1","ids":["p1","p2"],"budget":3,"min":2,"max":8}`, 400},
	{"allocate-bad-costs", "POST", "/v1/allocate", `{"session":"run1","ids":["p1","p2"],"budget":10,"costs":[1,-2]}`, 400},
	{"allocate-bad-budget", "POST", "/v1/allocate", `{"session":"run1","ids":["p1"],"budget":-1}`, 400},
	{"allocate-unknown-session", "POST", "/v1/allocate", `{"session":"nope","ids":[],"budget":1}`, 404},
	{"sample", "POST", "/v1/sources/sample", `{"session":"run1","step":1,"n":8,"seed":42}`, 200},
	{"sample-no-curriculum", "POST", "/v1/sources/sample", `{"session":"duet","step":1,"n":8,"seed":42}`, 400},
	{"sample-bad-n", "POST", "/v1/sources/sample", `{"session":"run1","step":1,"n":-1,"seed":42}`, 400},
	{"snapshot-one", "GET", "/v1/snapshot?session=duet", "", 200},
	{"snapshot-unknown", "GET", "/v1/snapshot?session=nope", "", 404},
	{"restore", "POST", "/v1/restore", "", 200}, // body: the snapshot-one response
	{"restore-corrupt", "POST", "/v1/restore", `{"kind":"trainer-sidecar.Service","version":2,"config":{},"state":{}}`, 400},
	{"not-found", "GET", "/v2/nothing", "", 404},
	{"method-not-allowed", "GET", "/v1/allocate", "", 405},
}

// TestGolden runs the golden conversation and compares each response with
// testdata/golden/NN-name.json (rewrite them with go test -update).
func TestGolden(t *testing.T) {
	s := newServer("", 0)
	var lastSnapshot string
	for i, st := range goldenConversation {
		body := st.body
		if st.name == "restore" {
			body = lastSnapshot
		}
		code, got := call(t, s, st.method, st.path, body)
		if code != st.status {
			t.Errorf("%s: status %d, want %d: %s", st.name, code, st.status, got)
		}
		if strings.HasPrefix(st.name, "snapshot") && code == http.StatusOK {
			lastSnapshot = string(got)
		}
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("%s: response is not JSON: %v: %s", st.name, err, got)
		}
		if code != http.StatusOK {
			checkErrorBody(t, st.name, code, got)
		}
		rec := map[string]any{"request": st.method + " " + st.path, "status": code, "response": v}
		if st.body != "" && st.name != "restore" {
			var in any
			if err := json.Unmarshal([]byte(st.body), &in); err == nil {
				rec["body"] = in
			} else {
				rec["body"] = st.body
			}
		}
		want, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", fmt.Sprintf("%02d-%s.json", i, st.name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(want, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update to create it)", st.name, err)
		}
		if diff := cmp.Diff(string(old), string(want)+"\n"); diff != "" {
			t.Errorf("%s: response differs from %s (-golden +got):\n%s", st.name, path, diff)
		}
	}
}

// checkErrorBody checks the {"error": {"code", "message"}} shape and the
// status a code maps to.
func checkErrorBody(t *testing.T, name string, code int, body []byte) {
	t.Helper()
	var e errorBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%s: error body %s does not have the error shape (%v)", name, body, err)
		return
	}
	for _, k := range errorKinds {
		if k.code == e.Error.Code && k.status != code {
			t.Errorf("%s: code %s with status %d, want %d", name, e.Error.Code, code, k.status)
		}
	}
}

// TestErrorMessagesNameTheField checks that 400s name the offending field.
func TestErrorMessagesNameTheField(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","curriculum":{"arms":["a","b"]}}`)
	for _, tc := range []struct{ path, body, field string }{
		{"/v1/sessions", `{"tracker":{"window":-3}}`, "tracker"},
		{"/v1/sessions", `{"threshold":"x"}`, "threshold"},
		{"/v1/sessions", `{"allocation":{"min":5,"max":2}}`, "allocation.max"},
		{"/v1/sessions", `{"id":"has space"}`, "id"},
		{"/v1/observe", `{"session":"r","step":-1,"shard":0,"prompts":[]}`, "step"},
		{"/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[{"id":"","source":"a","rewards":[1]}]}`, "prompts[0].id"},
		{"/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1,2],"lengths":[1,-1]}]}`, "prompts[0].lengths[1]"},
		{"/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"c","rewards":[1]}]}`, "prompts[0].source"},
		{"/v1/observe", `{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[true]}]}`, "prompts.rewards"},
		{"/v1/allocate", `{"session":"r","ids":["a",""],"budget":4}`, "ids[1]"},
		{"/v1/allocate", `{"session":"r","ids":["a"],"budget":4,"divisor":-2}`, "divisor"},
		{"/v1/allocate", `{"session":"r","ids":["a"],"budget":4,"max":4294967296}`, "max"},
		{"/v1/allocate", `{"session":"r","ids":["a"],"budget":1e300}`, "budget"},
		{"/v1/sessions", `{"allocation":{"max":4294967296}}`, "allocation.max"},
		{"/v1/allocate", `{"session":"r","ids":["a"],"budget":4,"costs":[1,2]}`, "costs"},
		{"/v1/allocate", `{"session":"r","ids":["a"],"budget":4,"extra":1}`, `extra`},
		{"/v1/sources/sample", `{"session":"r","step":0,"n":2,"seed":-1}`, "seed"},
	} {
		code, b := call(t, s, "POST", tc.path, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), tc.field) {
			t.Errorf("%s %s: %d %s; want 400 naming %s", tc.path, tc.body, code, b, tc.field)
		}
	}
}

func TestAuthAndLimits(t *testing.T) {
	s := newServer("secret", 256)
	if code, _ := call(t, s, "GET", "/healthz", ""); code != 200 {
		t.Errorf("healthz without token: %d, want 200", code)
	}
	if code, b := call(t, s, "POST", "/v1/sessions", `{}`); code != 401 || !strings.Contains(string(b), "unauthorized") {
		t.Errorf("no token: %d %s", code, b)
	}
	if code, _ := call(t, s, "POST", "/v1/sessions", `{}`, "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if code, b := call(t, s, "POST", "/v1/sessions", `{"id":"a"}`, "Authorization", "Bearer secret"); code != 200 {
		t.Errorf("right token: %d %s", code, b)
	}
	big := `{"session":"a","step":0,"shard":0,"prompts":[` + strings.Repeat(`{"id":"x","rewards":[1]},`, 20) + `{"id":"x","rewards":[1]}]}`
	code, b := call(t, s, "POST", "/v1/observe", big, "Authorization", "Bearer secret")
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "request_too_large") {
		t.Errorf("over the limit: %d %s", code, b)
	}
	// Chunked (no Content-Length): the limit is enforced while reading.
	req := httptest.NewRequest("POST", "/v1/observe", strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer secret")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked over the limit: %d %s", rec.Code, rec.Body)
	}
	// A snapshot larger than -max-body is still restored.
	code, snap := call(t, s, "GET", "/v1/snapshot", "", "Authorization", "Bearer secret")
	if code != 200 || len(snap) <= 256 {
		t.Fatalf("snapshot: %d, %d bytes (want 200, over the 256-byte limit)", code, len(snap))
	}
	if code, b := call(t, s, "POST", "/v1/restore", string(snap), "Authorization", "Bearer secret"); code != 200 {
		t.Errorf("restore over -max-body: %d %s", code, b)
	}
	// The refused observation changed nothing: step 0 is still open.
	code, b = call(t, s, "POST", "/v1/observe", `{"session":"a","step":0,"shard":0,"prompts":[]}`, "Authorization", "Bearer secret")
	if code != 200 {
		t.Errorf("step 0 after a refused body: %d %s", code, b)
	}
}

// TestFailedCallChangesNothing compares snapshots before and after refused
// calls.
func TestFailedCallChangesNothing(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","shards":2,"tracker":{"window":4},"curriculum":{"method":"sec","arms":["a","b"]}}`)
	mustOK(t, s, "POST", "/v1/observe", `{"session":"r","step":0,"shard":1,"prompts":[{"id":"x","source":"a","rewards":[1,0]}]}`)
	before := mustOK(t, s, "GET", "/v1/snapshot", "")
	for _, body := range []string{
		// valid first prompt, invalid second: nothing of it may land
		`{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1]},{"id":"y","source":"z","rewards":[1]}]}`,
		`{"session":"r","step":0,"shard":1,"prompts":[{"id":"x","source":"a","rewards":[1]}]}`, // replay
		`{"session":"r","step":0,"shard":2,"prompts":[{"id":"x","source":"a","rewards":[1]}]}`, // bad shard
		`{"session":"r","step":1,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1],"lengths":[-1]}]}`,
	} {
		if code, _ := call(t, s, "POST", "/v1/observe", body); code == 200 {
			t.Fatalf("%s: accepted", body)
		}
	}
	for _, body := range []string{
		`{"session":"r","ids":["x","y"],"budget":3,"min":2,"max":4}`,
		`{"session":"r","ids":["x","y"],"budget":9,"exact":true,"divisor":2,"min":2,"max":4}`,
	} {
		if code, _ := call(t, s, "POST", "/v1/allocate", body); code == 200 {
			t.Fatalf("%s: accepted", body)
		}
	}
	if code, _ := call(t, s, "POST", "/v1/restore", string(before[:len(before)/2])); code != 400 {
		t.Fatalf("a truncated snapshot was accepted")
	}
	after := mustOK(t, s, "GET", "/v1/snapshot", "")
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("refused calls changed the state (-before +after):\n%s", diff)
	}
}

// TestShards checks the per-(step, shard) protocol: a step's curriculum
// update waits for every shard, a later step closes an incomplete one, and
// late or repeated shards are refused.
func TestShards(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","shards":3,"curriculum":{"arms":["a","b"]}}`)
	obs := func(step, shard int, src string) (int, observeResponse) {
		body := fmt.Sprintf(`{"session":"r","step":%d,"shard":%d,"prompts":[{"id":"%s%d","source":"%s","rewards":[1,0,0,1]}]}`, step, shard, src, step, src)
		code, b := call(t, s, "POST", "/v1/observe", body)
		var r observeResponse
		json.Unmarshal(b, &r)
		return code, r
	}
	uniform := map[string]float64{"a": 0.5, "b": 0.5}
	for shard := range 2 {
		code, r := obs(0, shard, "a")
		if code != 200 || r.StepComplete || !cmp.Equal(r.Probabilities, uniform) {
			t.Fatalf("step 0 shard %d: %d %+v (want incomplete, probabilities unchanged)", shard, code, r)
		}
	}
	if code, _ := obs(0, 1, "a"); code != 409 {
		t.Errorf("repeated shard: %d, want 409", code)
	}
	code, r := obs(0, 2, "a")
	if code != 200 || !r.StepComplete || cmp.Equal(r.Probabilities, uniform) {
		t.Fatalf("last shard of step 0: %d %+v (want complete, probabilities updated)", code, r)
	}
	for shard := range 3 {
		if code, _ := obs(0, shard, "a"); code != 409 {
			t.Errorf("shard %d of the closed step 0: %d, want 409", shard, code)
		}
	}
	// Step 1 gets one shard; step 2 starting closes it.
	if code, r := obs(1, 0, "b"); code != 200 || r.StepComplete {
		t.Fatalf("step 1 shard 0: %d %+v", code, r)
	}
	if code, _ := obs(2, 1, "b"); code != 200 {
		t.Fatalf("step 2 shard 1: %d", code)
	}
	if code, _ := obs(1, 1, "b"); code != 409 {
		t.Errorf("late shard of the closed step 1: %d, want 409", code)
	}
}

// TestAllocateDivisible checks Σ counts mod divisor = 0 for every preset.
func TestAllocateDivisible(t *testing.T) {
	s := newServer("", 0)
	for _, p := range []string{presetBetaKnapsack, presetKnapsackRL, presetDUET} {
		mustOK(t, s, "POST", "/v1/sessions", fmt.Sprintf(`{"id":"%s","allocation":{"preset":"%s"}}`, p, p))
		var prompts []string
		for i := range 40 {
			rewards := make([]string, 8)
			for j := range rewards {
				rewards[j] = "0"
				if j < i%9 {
					rewards[j] = "1"
				}
			}
			prompts = append(prompts, fmt.Sprintf(`{"id":"p%d","rewards":[%s],"lengths":[%s]}`, i, strings.Join(rewards, ","), strings.Repeat(fmt.Sprintf("%d,", 100+37*i), 7)+"100"))
		}
		mustOK(t, s, "POST", "/v1/observe", fmt.Sprintf(`{"session":"%s","step":0,"shard":0,"prompts":[%s]}`, p, strings.Join(prompts, ",")))
		for m := 1; m <= 40; m += 3 {
			for _, d := range []int{1, 3, 4, 8} {
				ids := make([]string, m)
				for i := range ids {
					ids[i] = fmt.Sprintf(`"p%d"`, (i*7)%45) // some unseen
				}
				budget := 8 * m
				if p == presetKnapsackRL {
					budget -= budget % d
				}
				body := fmt.Sprintf(`{"session":"%s","ids":[%s],"budget":%d,"divisor":%d}`, p, strings.Join(ids, ","), budget, d)
				code, b := call(t, s, "POST", "/v1/allocate", body)
				if code != 200 {
					t.Errorf("%s: %d %s", body, code, b)
					continue
				}
				var r allocateResponse
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatal(err)
				}
				sum := 0
				for _, c := range r.Counts {
					sum += c
				}
				if len(r.Counts) != m || sum%d != 0 {
					t.Errorf("%s: counts %v (Σ %d) not divisible by %d", body, r.Counts, sum, d)
				}
				if p != presetDUET && float64(sum) > float64(budget) {
					t.Errorf("%s: Σ counts %d over the budget", body, sum)
				}
			}
		}
	}
}

// TestRestoreContinuesIdentically: a service restored from a snapshot gives
// the same allocations and draws as the original, and refuses replays.
func TestRestoreContinuesIdentically(t *testing.T) {
	a := newServer("", 0)
	mustOK(t, a, "POST", "/v1/sessions", `{"id":"r","tracker":{"decay":0.8,"window":8},"curriculum":{"method":"thompson","arms":["x","y","z"]}}`)
	step := func(s http.Handler, n int) string {
		src := []string{"x", "y", "z"}[n%3]
		return fmt.Sprintf(`{"session":"r","step":%d,"shard":0,"prompts":[{"id":"p%d","source":"%s","rewards":[1,0,%d]},{"id":"q","source":"y","rewards":[0,0,1]}]}`, n, n%4, src, n%2)
	}
	for n := range 5 {
		mustOK(t, a, "POST", "/v1/observe", step(a, n))
	}
	snap := mustOK(t, a, "GET", "/v1/snapshot", "")
	b := newServer("", 0)
	mustOK(t, b, "POST", "/v1/restore", string(snap))
	if got := mustOK(t, b, "GET", "/v1/snapshot", ""); !bytes.Equal(got, snap) {
		t.Fatalf("snapshot of the restored service differs:\n%s\n%s", got, snap)
	}
	for _, s := range []http.Handler{a, b} {
		if code, _ := call(t, s, "POST", "/v1/observe", step(s, 4)); code != 409 {
			t.Errorf("replayed step 4: %d, want 409", code)
		}
	}
	for n := 5; n < 9; n++ {
		ra := mustOK(t, a, "POST", "/v1/observe", step(a, n))
		rb := mustOK(t, b, "POST", "/v1/observe", step(b, n))
		if !bytes.Equal(ra, rb) {
			t.Errorf("step %d: %s vs %s", n, ra, rb)
		}
		for _, req := range []struct{ path, body string }{
			{"/v1/allocate", `{"session":"r","ids":["p0","p1","p2","p3","q","new"],"budget":48,"divisor":8,"exact":true}`},
			{"/v1/sources/sample", fmt.Sprintf(`{"session":"r","step":%d,"n":16,"seed":9}`, n)},
		} {
			ra, rb := mustOK(t, a, "POST", req.path, req.body), mustOK(t, b, "POST", req.path, req.body)
			if !bytes.Equal(ra, rb) {
				t.Errorf("step %d %s: %s vs %s", n, req.path, ra, rb)
			}
		}
	}
}

func TestRestoreRefusesBadState(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","shards":2,"curriculum":{"arms":["a","b"]}}`)
	mustOK(t, s, "POST", "/v1/observe", `{"session":"r","step":3,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1,0]}]}`)
	good := string(mustOK(t, s, "GET", "/v1/snapshot", ""))
	for _, tc := range []struct{ old, new string }{
		{`"last_step":-1`, `"last_step":-2`},
		{`"last_step":-1`, `"last_step":3`}, // pending step not after it
		{`"shards":[0]`, `"shards":[5]`},
		{`"shards":[0]`, `"shards":[0,1]`}, // a complete step cannot be pending
		{`"values":{"a":`, `"values":{"c":`},
		{`"next_id":1`, `"next_id":0`},
		{`"id":"r"`, `"id":"r r"`},
		{`"arms":["a","b"]`, `"arms":["a","c"]`}, // sampler snapshot of other arms
		{`"shards":2`, `"shards":-1`},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		if bad == good {
			t.Fatalf("%s not found in %s", tc.old, good)
		}
		if code, b := call(t, s, "POST", "/v1/restore", bad); code != 400 || !strings.Contains(string(b), "invalid_snapshot") {
			t.Errorf("%s → %s: %d %s", tc.old, tc.new, code, b)
		}
	}
	if got := string(mustOK(t, s, "GET", "/v1/snapshot", "")); got != good {
		t.Errorf("refused restores changed the state")
	}
}

// TestConcurrent runs sessions' calls in parallel (meaningful under -race).
func TestConcurrent(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","shards":4,"curriculum":{"arms":["a","b"]}}`)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step := range 20 {
				body := fmt.Sprintf(`{"session":"r","step":%d,"shard":%d,"prompts":[{"id":"p%d","source":"a","rewards":[1,0,1]}]}`, step, w, w)
				if code, b := call(t, s, "POST", "/v1/observe", body); code != 200 && code != 409 {
					t.Errorf("observe: %d %s", code, b)
				}
				call(t, s, "POST", "/v1/allocate", `{"session":"r","ids":["p0","p1","p2","p3"],"budget":32,"divisor":4}`)
				call(t, s, "POST", "/v1/sources/sample", fmt.Sprintf(`{"session":"r","step":%d,"n":4,"seed":1}`, step))
				call(t, s, "GET", "/v1/metrics", "")
				call(t, s, "GET", "/v1/snapshot", "")
			}
		}()
	}
	wg.Wait()
}

func TestMetrics(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","curriculum":{"arms":["a","b \"quoted\""]}}`)
	mustOK(t, s, "POST", "/v1/allocate", `{"session":"r","ids":["x","y"],"budget":16}`)
	call(t, s, "POST", "/v1/allocate", `{"session":"nope","ids":[],"budget":1}`)
	code, b := call(t, s, "GET", "/v1/metrics", "")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	text := string(b)
	for _, want := range []string{
		`budgetkit_requests_total{path="/v1/allocate",code="200"} 1`,
		`budgetkit_requests_total{path="/v1/allocate",code="404"} 1`,
		`budgetkit_request_duration_seconds_count{path="/v1/allocate"} 2`,
		`budgetkit_request_duration_seconds_bucket{path="/v1/allocate",le="+Inf"} 2`,
		`budgetkit_tracked_prompts{session="r"} 0`,
		`budgetkit_source_probability{session="r",source="a"} 0.5`,
		`budgetkit_source_probability{session="r",source="b \"quoted\""} 0.5`,
		"# TYPE budgetkit_shadow_price gauge",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s:\n%s", want, text)
		}
	}
	if !strings.Contains(text, `budgetkit_shadow_price{session="r"} `) {
		t.Errorf("no shadow price line")
	}
}

// FuzzRequest feeds arbitrary bodies to every endpoint: the answer is a
// known status with a JSON body, never a 500 or a panic.
func FuzzRequest(f *testing.F) {
	for i, st := range goldenConversation {
		f.Add(uint8(i%len(routes)), []byte(st.body))
	}
	f.Add(uint8(2), []byte(`{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1e308,-1e308],"lengths":[1e308,0]}]}`))
	f.Add(uint8(3), []byte(`{"session":"r","ids":["x"],"budget":1e308,"max":9223372036854775807}`))
	f.Add(uint8(3), []byte(`{"session":"k","ids":["x"],"budget":9007199254740993,"divisor":9223372036854775807}`))
	f.Add(uint8(4), []byte(`{"session":"r","step":4503599627370496,"n":1,"seed":18446744073709551615}`))
	// A real snapshot, for the fuzzer to mutate into near-valid ones.
	s := newServer("", 0)
	mustOK(f, s, "POST", "/v1/sessions", `{"id":"r","shards":2,"tracker":{"window":4},"curriculum":{"method":"sw-ucb","arms":["a","b"]}}`)
	mustOK(f, s, "POST", "/v1/observe", `{"session":"r","step":2,"shard":1,"prompts":[{"id":"x","source":"a","rewards":[1,0],"lengths":[3,4]}]}`)
	restore := slices.IndexFunc(routes, func(rt route) bool { return rt.path == "/v1/restore" })
	f.Add(uint8(restore), mustOK(f, s, "GET", "/v1/snapshot", ""))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		s := newServer("", 1<<16)
		mustOK(t, s, "POST", "/v1/sessions", `{"id":"r","curriculum":{"arms":["a","b"]}}`)
		mustOK(t, s, "POST", "/v1/sessions", `{"id":"k","allocation":{"preset":"knapsack-rl","max":4}}`)
		mustOK(t, s, "POST", "/v1/sessions", `{"id":"d","allocation":{"preset":"duet"}}`)
		rt := routes[int(route)%len(routes)]
		code, b := call(t, s, rt.method, rt.path, string(body))
		switch code {
		case 200:
			if !json.Valid(b) && rt.path != "/v1/metrics" {
				t.Fatalf("200 with invalid JSON %s", b)
			}
		case 400, 404, 409, 413:
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" {
				t.Fatalf("status %d with body %s", code, b)
			}
		default:
			t.Fatalf("%s %s %q: status %d %s", rt.method, rt.path, body, code, b)
		}
		// The state still snapshots and restores.
		snap := mustOK(t, s, "GET", "/v1/snapshot", "")
		mustOK(t, newServer("", 0), "POST", "/v1/restore", string(snap))
	})
}

// TestRestoreMidStep: a snapshot taken between the shards of a step carries
// the step in progress; both services finish it identically and refuse the
// shard already received.
func TestRestoreMidStep(t *testing.T) {
	a := newServer("", 0)
	mustOK(t, a, "POST", "/v1/sessions", `{"id":"r","shards":2,"allocation":{"preset":"duet"},"curriculum":{"method":"exp3","arms":["a","b"]}}`)
	mustOK(t, a, "POST", "/v1/observe", `{"session":"r","step":3,"shard":1,"prompts":[{"id":"x","source":"a","rewards":[1,0,1],"lengths":[10,20,30]}]}`)
	snap := mustOK(t, a, "GET", "/v1/snapshot", "")
	b := newServer("", 0)
	mustOK(t, b, "POST", "/v1/restore", string(snap))
	for _, s := range []http.Handler{a, b} {
		if code, _ := call(t, s, "POST", "/v1/observe", `{"session":"r","step":3,"shard":1,"prompts":[]}`); code != 409 {
			t.Errorf("shard 1 again: %d, want 409", code)
		}
	}
	last := `{"session":"r","step":3,"shard":0,"prompts":[{"id":"y","source":"b","rewards":[0,0,1],"lengths":[5,5,5]}]}`
	ra, rb := mustOK(t, a, "POST", "/v1/observe", last), mustOK(t, b, "POST", "/v1/observe", last)
	if !bytes.Equal(ra, rb) || !strings.Contains(string(ra), `"step_complete":true`) {
		t.Errorf("finishing step 3: %s vs %s", ra, rb)
	}
	alloc := `{"session":"r","ids":["x","y","z"],"budget":24,"divisor":4}`
	if ra, rb := mustOK(t, a, "POST", "/v1/allocate", alloc), mustOK(t, b, "POST", "/v1/allocate", alloc); !bytes.Equal(ra, rb) {
		t.Errorf("DUET from restored lengths: %s vs %s", ra, rb)
	}
}

// TestAllocateLargeBounds: bounds up to the 65,536 limit still allocate the
// whole budget. (budget.Allocate silently allocates nothing above Min once
// Max reaches 2^31, and its time grows with Max: 0.5 ms at 2^16, 260 ms at
// 2^24 for two prompts; so the service refuses larger bounds.)
func TestAllocateLargeBounds(t *testing.T) {
	s := newServer("", 0)
	mustOK(t, s, "POST", "/v1/sessions", `{"id":"r"}`)
	for _, body := range []string{
		`{"session":"r","ids":["a","b"],"budget":100,"min":0,"max":65536}`,
		`{"session":"r","ids":["a","b"],"budget":100,"min":0,"max":65536,"exact":true,"divisor":4}`,
		`{"session":"r","ids":["a","b"],"budget":1e5,"min":1,"max":65536}`,
	} {
		var r allocateResponse
		if err := json.Unmarshal(mustOK(t, s, "POST", "/v1/allocate", body), &r); err != nil {
			t.Fatal(err)
		}
		var req allocateRequest
		json.Unmarshal([]byte(body), &req)
		if r.Spent != req.Budget || r.Counts[0] != r.Counts[1] {
			t.Errorf("%s: %+v (want the whole budget, split evenly)", body, r)
		}
	}
}

// TestAllocateMinOnly: a minimum alone takes the preset's maximum.
func TestAllocateMinOnly(t *testing.T) {
	s := newServer("", 0)
	for _, p := range []string{presetBetaKnapsack, presetKnapsackRL, presetDUET} {
		mustOK(t, s, "POST", "/v1/sessions", fmt.Sprintf(`{"id":"%s","allocation":{"preset":"%s"}}`, p, p))
		var r allocateResponse
		body := fmt.Sprintf(`{"session":"%s","ids":["a","b","c","d"],"budget":32,"min":3,"exact":true}`, p)
		if err := json.Unmarshal(mustOK(t, s, "POST", "/v1/allocate", body), &r); err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Counts {
			if c < 3 {
				t.Errorf("%s: counts %v below the minimum 3", p, r.Counts)
			}
		}
	}
}
