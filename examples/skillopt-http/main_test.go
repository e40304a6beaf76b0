package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

// testRequest is a step's request with a non-empty buffer and memory.
func testRequest(t *testing.T) skill.Request {
	t.Helper()
	doc, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		t.Fatal(err)
	}
	return skill.Request{
		Document: doc,
		Epoch:    1,
		Step:     2,
		Call:     0,
		Calls:    2,
		Limits:   skill.Limits{Edits: 3, Lines: -1, Chars: 400, Length: -1},
		Rollouts: []skill.Result{
			{ID: "train-007", Hard: 0, Failure: "units: the answer broke an unstated convention", Trace: "task on units failed"},
			{ID: "train-011", Hard: 0, Failure: "dates: the answer broke an unstated convention", Trace: "task on dates failed"},
		},
		Buffer: skill.Buffer{{
			Step: 1, Decision: skill.DecisionReject, Failed: 5, Total: 8,
			Patterns:    []skill.FailurePattern{{Pattern: "units", Count: 3, IDs: []string{"train-001", "train-002", "train-003"}}},
			ScoreBefore: 0.3, ScoreAfter: 0.25,
			Rejected: []skill.Edit{{Op: skill.OpAppendSection, Target: "Rules", Content: "- Be helpful and accurate."}},
		}},
		Memory: "epoch 1: vague rules never helped",
	}
}

// chatServer returns a test server at /chat/completions that checks each
// request with check and answers with status and body.
func chatServer(t *testing.T, status int, body string, check func(t *testing.T, system, user string)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/chat/completions" {
			t.Errorf("path = %q, want /chat/completions", r.URL.Path)
		}
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
			t.Errorf("Authorization = %q, want Bearer test-key", got)
		}
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request body: %v", err)
		}
		if req.Model != "test-model" {
			t.Errorf("model = %q, want test-model", req.Model)
		}
		if req.Temperature == nil || *req.Temperature != 0.2 {
			t.Errorf("temperature = %v, want 0.2", req.Temperature)
		}
		if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
			t.Errorf("messages = %+v, want a system and a user message", req.Messages)
		} else if check != nil {
			check(t, req.Messages[0].Content, req.Messages[1].Content)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// completion returns a chat-completions response body with one choice.
func completion(t *testing.T, content string, tokens int) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"total_tokens": tokens},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testProposer returns a proposer for a chatServer at base.
func testProposer(base string) *ChatProposer {
	temp := 0.2
	return &ChatProposer{BaseURL: base, Model: "test-model", Key: "test-key", Temperature: &temp}
}

func TestChatProposerPropose(t *testing.T) {
	req := testRequest(t)
	checkPrompt := func(t *testing.T, system, user string) {
		for _, want := range []string{req.Document.Text(), req.Buffer.String(), req.Memory, "train-007", "units: the answer broke", "task on dates failed", "- Make at most 3 edits.", "at most 400 characters"} {
			if !strings.Contains(user, want) {
				t.Errorf("user message lacks %q:\n%s", want, user)
			}
		}
		if !strings.Contains(system, `"patch"`) || !strings.Contains(system, "append_section") {
			t.Errorf("system message lacks the reply format:\n%s", system)
		}
	}
	patch := "Here is the patch:\n```json\n" + `{"patch": {"reasoning": "unit failures", "edits": [
		{"op": "append_section", "target": "Rules", "content": "- Convert every quantity to SI units before computing."},
		{"op": "replace", "target": "- Answer the question that was asked.", "content": "- Answer exactly the question that was asked."}]}}` + "\n```\n"

	t.Run("fenced patch", func(t *testing.T) {
		srv := chatServer(t, http.StatusOK, completion(t, patch, 321), checkPrompt)
		p := testProposer(srv.URL + "/")
		got, err := p.Propose(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		want := []skill.Edit{
			{Op: skill.OpAppendSection, Target: "Rules", Content: "- Convert every quantity to SI units before computing."},
			{Op: skill.OpReplace, Target: "- Answer the question that was asked.", Content: "- Answer exactly the question that was asked."},
		}
		if got.Reasoning != "unit failures" || len(got.Edits) != len(want) {
			t.Fatalf("proposal = %+v", got)
		}
		for i := range want {
			if got.Edits[i] != want[i] {
				t.Errorf("edit %d = %+v, want %+v", i, got.Edits[i], want[i])
			}
		}
		if got.Cost != 321 || p.Tokens() != 321 || p.Calls() != 1 {
			t.Errorf("cost %v, tokens %d, calls %d; want 321, 321, 1", got.Cost, p.Tokens(), p.Calls())
		}
		if _, err := skill.Apply(req.Document, got.Edits); err != nil {
			t.Errorf("the parsed edits do not apply: %v", err)
		}
	})

	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string // in the error
		is     error
	}{
		{"server error", http.StatusInternalServerError, `{"error": {"message": "the model is overloaded"}}`, "500", nil},
		{"rate limit", http.StatusTooManyRequests, `{"error": {"message": "slow down"}}`, "slow down", nil},
		{"malformed JSON", http.StatusOK, `{"choices": [{"message": {"content": "{}"`, "malformed", nil},
		{"empty choices", http.StatusOK, `{"choices": [], "usage": {"total_tokens": 5}}`, "no choices", nil},
		{"null content", http.StatusOK, `{"choices": [{"message": {"role": "assistant", "content": null}}]}`, "no content", nil},
		{"not a patch", http.StatusOK, completion(t, "You should add a rule about units.", 10), "parsing", skill.ErrInvalid},
		{"unknown op", http.StatusOK, completion(t, `{"patch": {"edits": [{"op": "rewrite", "content": "x"}]}}`, 10), "rewrite", skill.ErrUnknownOp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := chatServer(t, tc.status, tc.body, checkPrompt)
			_, err := testProposer(srv.URL).Propose(context.Background(), req)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestChatProposerNoKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Header["Authorization"]; ok {
			t.Errorf("Authorization sent without a key: %q", h)
		}
		io.WriteString(w, completion(t, `{"patch": {"reasoning": "fine", "edits": []}}`, 0))
	}))
	defer srv.Close()
	p := &ChatProposer{BaseURL: srv.URL, Model: "m"}
	got, err := p.Propose(context.Background(), testRequest(t))
	if err != nil || len(got.Edits) != 0 || got.Cost != 0 {
		t.Fatalf("Propose = %+v, %v; want no edits, no cost, no error", got, err)
	}
}

func TestRenderRetry(t *testing.T) {
	req := testRequest(t)
	req.Limits = skill.Limits{Edits: -1, Lines: -1, Chars: -1, Length: -1}
	req.Retry = &skill.Retry{
		Attempt:  1,
		Previous: skill.Proposal{Reasoning: "r", Edits: []skill.Edit{{Op: skill.OpInsertAfter, Target: "## Rule list", Content: "- Write dates as YYYY-MM-DD."}}},
		Errors:   []string{`edit 0: skill: target not found (nearest line: "## Rules")`},
	}
	p := &ChatProposer{MaxTrace: 5}
	req.Rollouts[0].Trace = "abcdefghij"
	user := p.renderRequest(req)
	for _, want := range []string{"refused (retry 1)", `"target":"## Rule list"`, `nearest line: "## Rules"`, "- Any number of edits.", "abcde …[truncated]"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %q:\n%s", want, user)
		}
	}
	if strings.Contains(user, "abcdef") {
		t.Errorf("trace not truncated:\n%s", user)
	}
}

func TestChatProposerEpochEnd(t *testing.T) {
	prev, _ := skill.NewDocument(skillsim.Initial)
	curr, _ := skill.NewDocument(skillsim.Initial + "- Write dates as YYYY-MM-DD.\n")
	req := skill.EpochRequest{
		Epoch:    2,
		Previous: prev,
		Current:  curr,
		Pairs: []skill.Pair{
			{ID: "train-001", Category: skill.Improved, Previous: skill.Result{ID: "train-001", Failure: "dates: x"}, Current: skill.Result{ID: "train-001", Hard: 1}},
			{ID: "train-002", Category: skill.PersistFail, Previous: skill.Result{ID: "train-002", Failure: "units: x"}, Current: skill.Result{ID: "train-002", Failure: "units: x"}},
		},
		Guidance: "Check conventions first.",
		Memory:   "epoch 1: rules helped",
	}
	reply := "```json\n{\"guidance\": \"Check units first.\", \"memory\": \"epoch 2: units persist\"}\n```"
	srv := chatServer(t, http.StatusOK, completion(t, reply, 77), func(t *testing.T, system, user string) {
		for _, want := range []string{"improved 1", "persistent_fail 1", "train-002: persistent_fail", "failed: units: x", req.Guidance, req.Memory, "+- Write dates as YYYY-MM-DD."} {
			if !strings.Contains(user, want) {
				t.Errorf("user message lacks %q:\n%s", want, user)
			}
		}
		if !strings.Contains(system, `"guidance"`) {
			t.Errorf("system message lacks the reply format:\n%s", system)
		}
	})
	u, err := testProposer(srv.URL).EpochEnd(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if u.Guidance != "Check units first." || u.Memory != "epoch 2: units persist" || u.Cost != 77 {
		t.Errorf("update = %+v", u)
	}
}

func TestParseEpochUpdate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    skill.EpochUpdate
		wantErr bool
	}{
		{in: `{"guidance": "g", "memory": "m"}`, want: skill.EpochUpdate{Guidance: "g", Memory: "m"}},
		{in: "Sure.\n```json\n{\"guidance\": \" g \"}\n```\nDone.", want: skill.EpochUpdate{Guidance: "g"}},
		{in: "```\n{\"memory\": \"m\"}\n```", want: skill.EpochUpdate{Memory: "m"}},
		{in: `{"guidance": "g", "notes": "n"}`, wantErr: true},
		{in: `{"guidance": "g"} {"memory": "m"}`, wantErr: true},
		{in: `{"guidance": "g"}}`, wantErr: true},
		{in: `{"guidance": 3}`, wantErr: true},
		{in: `{}`, wantErr: true},
		{in: `["g"]`, wantErr: true},
		{in: `guidance: g`, wantErr: true},
	} {
		got, err := parseEpochUpdate(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseEpochUpdate(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestCancelAbortsSlowRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server notice the client going away
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handler
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := testProposer(srv.URL).Propose(ctx, testRequest(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the cancelled request took %v", d)
	}

	// The whole run stops with the context's error, mid-call.
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	o, _, err := optimize(ctx, skillsim.NewBench(seed, nTrain, nVal), testProposer(srv.URL))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("optimize: error = %v, want one wrapping context.DeadlineExceeded", err)
	}
	if task := o.Next(); task.Kind != skill.TaskPropose {
		t.Errorf("pending task after the cancel = %v, want the interrupted proposal", task.Kind)
	}
}

func TestFakeServerRejectsWrongKey(t *testing.T) {
	base, stop, err := startFake()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, err = (&ChatProposer{BaseURL: base, Model: "m", Key: "wrong"}).Propose(context.Background(), testRequest(t))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("error = %v, want a 401", err)
	}
}

func TestFakeServerProposes(t *testing.T) {
	base, stop, err := startFake()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p := &ChatProposer{BaseURL: base, Model: "m", Key: fakeKey}
	req := testRequest(t)
	req.Limits.Edits = 1
	got, err := p.Propose(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := skill.Edit{Op: skill.OpAppendSection, Target: "Rules", Content: "- Convert every quantity to SI units before computing."}
	if len(got.Edits) != 1 || got.Edits[0] != want || got.Cost <= 0 {
		t.Errorf("proposal = %+v, want %+v (the edit limit is 1) and a positive cost", got, want)
	}
}

func TestRunWithFakeServer(t *testing.T) {
	opts, err := parseOptions(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	out, err := run(context.Background(), opts, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "local fake") {
		t.Errorf("output does not say it uses the local fake server:\n%s", buf.String())
	}
	if out.BestScore < out.Baseline {
		t.Errorf("best score %v < baseline %v", out.BestScore, out.Baseline)
	}
	switch out.Stop {
	case skill.StopDone, skill.StopProposerBudget, skill.StopEvalBudget, skill.StopCostBudget, skill.StopWallTime:
	default:
		t.Errorf("stop = %q, want done or a budget stop", out.Stop)
	}
	if out.ProposerCalls == 0 || out.ProposerCalls > maxCalls {
		t.Errorf("proposer calls = %d, want 1..%d", out.ProposerCalls, maxCalls)
	}
	if !strings.Contains(buf.String(), "best skill:") {
		t.Errorf("output lacks the final skill:\n%s", buf.String())
	}
}

func TestParseOptions(t *testing.T) {
	env := map[string]string{"OPENAI_BASE_URL": "http://env.example/v1", "OPENAI_MODEL": "env-model", "OPENAI_API_KEY": "env-key"}
	getenv := func(k string) string { return env[k] }

	o, err := parseOptions(nil, getenv, io.Discard)
	if err != nil || o.baseURL != "http://env.example/v1" || o.model != "env-model" || o.key != "env-key" || o.temperature >= 0 {
		t.Errorf("from the environment: %+v, %v", o, err)
	}
	o, err = parseOptions([]string{"-base-url", "http://flag.example/v1", "-model", "flag-model", "-key", "flag-key", "-timeout", "5s", "-temperature", "0.5"}, getenv, io.Discard)
	if err != nil || o.baseURL != "http://flag.example/v1" || o.model != "flag-model" || o.key != "flag-key" || o.timeout != 5*time.Second || o.temperature != 0.5 {
		t.Errorf("flags over the environment: %+v, %v", o, err)
	}
	o, err = parseOptions(nil, func(string) string { return "" }, io.Discard)
	if err != nil || o.baseURL != "" || o.model != defaultModel || o.key != "" {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	if _, err := parseOptions([]string{"-h"}, getenv, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	for _, args := range [][]string{{"-timeout", "0s"}, {"extra"}, {"-temperature", "NaN"}} {
		if _, err := parseOptions(args, getenv, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
