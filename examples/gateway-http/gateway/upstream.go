package gateway

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Upstream is a fake OpenAI-compatible model server for demos and tests
// (serve it with net/http/httptest). It answers POST /v1/chat/completions
// with a canned answer whose length depends on the prompt, capped at
// max_tokens, and reports usage as OpenAI does: prompt_tokens ≈ one per
// four bytes of message content, completion_tokens = the words it wrote.
// With "stream": true it sends server-sent events, one word per chunk
// (TokenDelay apart), a final chunk with usage when stream_options.
// include_usage is set, and "data: [DONE]".
//
// Upstream is safe for concurrent use.
type Upstream struct {
	// Name is reported in the responses' "model" field.
	Name string
	// Latency is the pause before answering and TokenDelay the pause
	// between streamed chunks (default none).
	Latency, TokenDelay time.Duration
	// Fail, if set and true for a request, makes the upstream answer 500
	// without billing anything (an overloaded or broken model).
	Fail func() bool

	calls, failures atomic.Int64
}

// Calls returns how many requests the upstream received and how many it
// failed on purpose.
func (u *Upstream) Calls() (calls, failures int64) { return u.calls.Load(), u.failures.Load() }

// chatRequest is the part of an OpenAI chat completion request the gateway
// and the fake upstreams read.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens     int  `json:"max_tokens"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
}

// Usage is OpenAI's usage object.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "not_found", "unknown endpoint "+r.URL.Path)
		return
	}
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if u.Latency > 0 {
		select {
		case <-time.After(u.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if u.Fail != nil && u.Fail() {
		u.failures.Add(1)
		writeError(w, http.StatusInternalServerError, "server_error", u.Name+" is overloaded")
		return
	}
	prompt := 0
	h := fnv.New64a()
	for _, m := range req.Messages {
		prompt += (len(m.Content) + 3) / 4
		h.Write([]byte(m.Content))
	}
	// An answer of 20–220 words, cut at max_tokens.
	n := 20 + int(h.Sum64()%201)
	if req.MaxTokens > 0 && n > req.MaxTokens {
		n = req.MaxTokens
	}
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	usage := Usage{PromptTokens: prompt, CompletionTokens: n, TotalTokens: prompt + n}
	id := fmt.Sprintf("chatcmpl-%s-%x", u.Name, h.Sum64())
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "model": u.Name,
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]string{"role": "assistant", "content": strings.Join(words, " ")}}},
			"usage": usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if fl != nil {
			fl.Flush()
		}
		return r.Context().Err() == nil
	}
	for i, word := range words {
		if i > 0 && u.TokenDelay > 0 {
			select {
			case <-time.After(u.TokenDelay):
			case <-r.Context().Done():
				return
			}
		}
		if !send(map[string]any{"id": id, "object": "chat.completion.chunk", "model": u.Name,
			"choices": []map[string]any{{"index": 0, "delta": map[string]string{"content": word + " "}}}}) {
			return
		}
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		if !send(map[string]any{"id": id, "object": "chat.completion.chunk", "model": u.Name,
			"choices": []any{}, "usage": usage}) {
			return
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

// writeError writes an OpenAI-style JSON error.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": typ}})
}
