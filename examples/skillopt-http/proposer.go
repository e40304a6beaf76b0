package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/budgetkit/budgetkit/skill"
)

// maxResponseBytes bounds how much of a chat-completions response is read.
const maxResponseBytes = 8 << 20

// ChatProposer is a skill.Proposer and skill.EpochHook backed by an
// OpenAI-compatible chat-completions endpoint. Each call sends one system
// and one user message and parses the first choice's content.
//
// Proposal.Cost and EpochUpdate.Cost are the call's usage.total_tokens
// (tokens, not money; zero when the server reports no usage), so a
// Config.MaxCost bounds tokens plus whatever the Evaluator reports as cost.
type ChatProposer struct {
	BaseURL     string       // e.g. https://api.openai.com/v1; requests go to BaseURL + "/chat/completions"
	Model       string       // the "model" field of every request
	Key         string       // sent as "Authorization: Bearer <Key>" when non-empty
	Temperature *float64     // the "temperature" field; nil leaves it to the server
	Client      *http.Client // nil means http.DefaultClient
	MaxTrace    int          // characters of each rollout trace put into the prompt; 0 means 2000, negative means no limit

	tokens atomic.Int64
	calls  atomic.Int64
}

// Tokens returns the total tokens the server reported over all calls.
func (p *ChatProposer) Tokens() int64 { return p.tokens.Load() }

// Calls returns the number of requests sent.
func (p *ChatProposer) Calls() int64 { return p.calls.Load() }

// Propose implements skill.Proposer: it renders req into a prompt, asks the
// model for a patch and parses the reply with skill.ParseProposal.
func (p *ChatProposer) Propose(ctx context.Context, req skill.Request) (skill.Proposal, error) {
	content, tokens, err := p.complete(ctx, proposeSystem, p.renderRequest(req))
	if err != nil {
		return skill.Proposal{}, err
	}
	prop, err := skill.ParseProposal([]byte(content))
	if err != nil {
		return skill.Proposal{}, fmt.Errorf("parsing the model's patch: %w", err)
	}
	prop.Cost = float64(tokens)
	return prop, nil
}

// EpochEnd implements skill.EpochHook: it shows the model the epoch-end
// comparison and asks for new guidance (the protected block's text) and
// optimizer memory.
func (p *ChatProposer) EpochEnd(ctx context.Context, req skill.EpochRequest) (skill.EpochUpdate, error) {
	content, tokens, err := p.complete(ctx, epochSystem, renderEpoch(req))
	if err != nil {
		return skill.EpochUpdate{}, err
	}
	u, err := parseEpochUpdate(content)
	if err != nil {
		return skill.EpochUpdate{}, err
	}
	u.Cost = float64(tokens)
	return u, nil
}

// chatMessage is one message of a chat-completions request or response.
type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatRequest is the body of a chat-completions request.
type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature *float64      `json:"temperature,omitempty"`
}

// chatResponse is the part of a chat-completions response this example reads.
type chatResponse struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage *struct {
		TotalTokens int64 `json:"total_tokens"`
	} `json:"usage"`
}

// complete sends one chat-completions request and returns the first
// choice's content and the reported total tokens.
func (p *ChatProposer) complete(ctx context.Context, system, user string) (string, int64, error) {
	body, err := json.Marshal(chatRequest{
		Model:       p.Model,
		Messages:    []chatMessage{{Role: "system", Content: system}, {Role: "user", Content: user}},
		Temperature: p.Temperature,
	})
	if err != nil {
		return "", 0, fmt.Errorf("chat completions: encoding the request: %w", err)
	}
	url := strings.TrimRight(p.BaseURL, "/") + "/chat/completions"
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("chat completions: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if p.Key != "" {
		hreq.Header.Set("Authorization", "Bearer "+p.Key)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	p.calls.Add(1)
	resp, err := client.Do(hreq)
	if err != nil {
		return "", 0, fmt.Errorf("chat completions: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return "", 0, fmt.Errorf("chat completions: reading the response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", 0, fmt.Errorf("chat completions: %s: %s", resp.Status, excerpt(raw, 300))
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return "", 0, fmt.Errorf("chat completions: malformed response JSON (%v): %s", err, excerpt(raw, 120))
	}
	var tokens int64
	if cr.Usage != nil && cr.Usage.TotalTokens > 0 {
		tokens = cr.Usage.TotalTokens
		p.tokens.Add(tokens)
	}
	if len(cr.Choices) == 0 {
		return "", tokens, errors.New("chat completions: the response has no choices")
	}
	c := cr.Choices[0].Message.Content
	if c == nil || strings.TrimSpace(*c) == "" {
		return "", tokens, errors.New("chat completions: the first choice has no content")
	}
	return *c, tokens, nil
}

// excerpt returns the start of b as one line of at most n bytes (cut at a
// rune boundary).
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty body)"
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// truncate returns s cut to at most n characters (n < 0: no limit).
func truncate(s string, n int) string {
	if n < 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + " …[truncated]"
}

// Prompt markers. The fake server in main.go finds its way through a
// prompt by them.
const (
	docOpen      = "<skill_document>"
	docClose     = "</skill_document>"
	memOpen      = "<optimizer_memory>"
	memClose     = "</optimizer_memory>"
	maxEditsLine = "- Make at most %d edits."
	failureLine  = "Failure: "
	epochHeading = "# Epoch-end review"
	currentLine  = "  current: "
)

// proposeSystem is the system message of a step's call.
const proposeSystem = `You optimise a skill document: Markdown rules, procedures and patterns that a frozen AI agent reads before it works on a task. You are shown the current document and scored rollouts of the agent using it. Propose a few small, general edits that would fix the failure patterns (or, for successes, preserve what works) on unseen tasks of the same kind. Do not write task-specific answers into the skill.

Every edit is applied strictly: "target" must be exact text that occurs exactly once in the document (for "append_section" it is a section title, e.g. "Rules"; "append" needs no target). Text between <!-- SLOW_UPDATE_START --> and <!-- SLOW_UPDATE_END --> is protected and must not be edited. An edit proposal is kept only if the edited document scores better on a held-out validation set.

Reply with JSON only, in this format:
{"patch": {"reasoning": "<why these edits>", "edits": [{"op": "append" | "insert_after" | "insert_before" | "append_section" | "replace" | "delete", "target": "<exact text of the document>", "content": "<markdown>"}]}}
Return "edits": [] if no change is warranted.`

// epochSystem is the system message of the epoch-end call.
const epochSystem = `You review one epoch of optimising a skill document that a frozen AI agent reads. You are shown the same training tasks run with the previous epoch's final document and with the current one, sorted into improved, regressed, persistent_fail and stable_success. Write (1) guidance: a short block of general advice that will be placed in the skill's protected section, addressing what keeps failing and what regressed, and (2) memory: concise notes for the optimizer (not shown to the agent) about which kinds of edits helped or hurt, to carry into the next epoch.

Reply with JSON only: {"guidance": "<markdown>", "memory": "<notes>"}. Use an empty string to leave either unchanged. The guidance must not contain the markers <!-- SLOW_UPDATE_START --> or <!-- SLOW_UPDATE_END -->.`

// renderRequest renders a step's request as the user message.
func (p *ChatProposer) renderRequest(req skill.Request) string {
	maxTrace := p.MaxTrace
	if maxTrace == 0 {
		maxTrace = 2000
	}
	var b strings.Builder
	kind := "failures"
	if req.Successes {
		kind = "successes"
	}
	fmt.Fprintf(&b, "# Skill optimisation: epoch %d, step %d, call %d of %d\n\n", req.Epoch, req.Step, req.Call+1, req.Calls)
	fmt.Fprintf(&b, "The rollouts below are %s of the agent using the current skill document.\n\n", kind)

	b.WriteString("## Current skill document\n\n")
	writeDocument(&b, req.Document)

	b.WriteString("## Limits of this step\n\n")
	lim := req.Limits
	if lim.Edits >= 0 {
		fmt.Fprintf(&b, maxEditsLine+"\n", lim.Edits)
	} else {
		b.WriteString("- Any number of edits.\n")
	}
	if lim.Lines >= 0 {
		fmt.Fprintf(&b, "- Add plus remove at most %d lines.\n", lim.Lines)
	}
	if lim.Chars >= 0 {
		fmt.Fprintf(&b, "- Add plus remove at most %d characters.\n", lim.Chars)
	}
	if lim.Length >= 0 {
		fmt.Fprintf(&b, "- The edited document must have at most %d characters.\n", lim.Length)
	}
	b.WriteString("Edits beyond these limits are dropped, so put the most important first.\n\n")

	fmt.Fprintf(&b, "## Rollouts (%d)\n", len(req.Rollouts))
	for i, r := range req.Rollouts {
		status := "succeeded"
		if r.Failed() {
			status = "failed"
		}
		fmt.Fprintf(&b, "\n### %d. %s: hard score %g (%s)\n", i+1, r.ID, r.Hard, status)
		if r.Failure != "" {
			b.WriteString(failureLine + r.Failure + "\n")
		}
		if r.Trace != "" {
			b.WriteString("Trace:\n" + truncate(r.Trace, maxTrace) + "\n")
		}
	}
	b.WriteString("\n")

	b.WriteString("## Previous steps\n\n")
	if s := req.Buffer.String(); s != "" {
		b.WriteString(s + "\n\n")
	} else {
		b.WriteString("(none yet in this epoch)\n\n")
	}

	if req.Memory != "" {
		b.WriteString("## Optimizer memory (notes from earlier epochs)\n\n")
		b.WriteString(memOpen + "\n" + req.Memory + "\n" + memClose + "\n\n")
	}

	if r := req.Retry; r != nil {
		fmt.Fprintf(&b, "## Your previous answer was refused (retry %d)\n\n", r.Attempt)
		prev, err := json.Marshal(map[string]any{"patch": r.Previous})
		if err == nil {
			b.WriteString("Previous answer:\n" + string(prev) + "\n\n")
		}
		b.WriteString("Errors:\n")
		for _, e := range r.Errors {
			b.WriteString("- " + e + "\n")
		}
		b.WriteString("\nFix these: copy targets exactly from the document, make each match exactly once, keep out of the protected block, or choose different edits.\n\n")
	}

	b.WriteString(`Reply with the JSON patch only: {"patch": {"reasoning": "...", "edits": [...]}}.` + "\n")
	return b.String()
}

// renderEpoch renders the epoch-end request as the user message.
func renderEpoch(req skill.EpochRequest) string {
	var b strings.Builder
	c := req.Counts()
	fmt.Fprintf(&b, "%s after epoch %d\n\n", epochHeading, req.Epoch)
	fmt.Fprintf(&b, "The same %d training tasks were run with the previous epoch's final document and with the current one.\n", len(req.Pairs))
	fmt.Fprintf(&b, "Counts: %s %d, %s %d, %s %d, %s %d.\n\n",
		skill.Improved, c[skill.Improved], skill.Regressed, c[skill.Regressed],
		skill.PersistFail, c[skill.PersistFail], skill.StableSuccess, c[skill.StableSuccess])

	b.WriteString("## Tasks\n")
	outcome := func(r skill.Result) string {
		if !r.Failed() {
			return "succeeded"
		}
		if r.Failure == "" {
			return "failed"
		}
		return "failed: " + r.Failure
	}
	for _, pr := range req.Pairs {
		fmt.Fprintf(&b, "\n- %s: %s\n", pr.ID, pr.Category)
		fmt.Fprintf(&b, "  previous: %s\n", outcome(pr.Previous))
		fmt.Fprintf(&b, "%s%s\n", currentLine, outcome(pr.Current))
	}
	b.WriteString("\n")

	if d := skill.Diff(req.Previous, req.Current); d != "" {
		b.WriteString("## Changes this epoch (unified diff)\n\n" + d + "\n\n")
	}

	b.WriteString("## Current skill document\n\n")
	writeDocument(&b, req.Current)

	b.WriteString("## Current guidance\n\n")
	if req.Guidance != "" {
		b.WriteString(req.Guidance + "\n\n")
	} else {
		b.WriteString("(none yet)\n\n")
	}

	b.WriteString("## Optimizer memory\n\n")
	b.WriteString(memOpen + "\n" + req.Memory + "\n" + memClose + "\n\n")

	b.WriteString(`Reply with JSON only: {"guidance": "...", "memory": "..."}.` + "\n")
	return b.String()
}

// parseEpochUpdate parses an epoch-end reply {"guidance": …, "memory": …},
// optionally inside a ``` code fence. It is strict otherwise: unknown
// fields, trailing data, non-string values and an object with neither field
// are errors.
func parseEpochUpdate(reply string) (skill.EpochUpdate, error) {
	body := strings.TrimSpace(unfence(reply))
	if !strings.HasPrefix(body, "{") {
		return skill.EpochUpdate{}, fmt.Errorf("parsing the model's epoch update: not a JSON object: %s", excerpt([]byte(body), 80))
	}
	var v struct {
		Guidance *string `json:"guidance"`
		Memory   *string `json:"memory"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return skill.EpochUpdate{}, fmt.Errorf("parsing the model's epoch update: %w", err)
	}
	if strings.TrimSpace(body[dec.InputOffset():]) != "" {
		return skill.EpochUpdate{}, errors.New("parsing the model's epoch update: trailing data after the JSON object")
	}
	if v.Guidance == nil && v.Memory == nil {
		return skill.EpochUpdate{}, errors.New(`parsing the model's epoch update: neither "guidance" nor "memory" given`)
	}
	var u skill.EpochUpdate
	if v.Guidance != nil {
		u.Guidance = strings.TrimSpace(*v.Guidance)
	}
	if v.Memory != nil {
		u.Memory = strings.TrimSpace(*v.Memory)
	}
	return u, nil
}

// unfence returns the body of the first ``` code fence in s, its info
// string (e.g. json) dropped, or s itself if it has no fence.
func unfence(s string) string {
	_, after, ok := strings.Cut(s, "```")
	if !ok {
		return s
	}
	body, _, _ := strings.Cut(after, "```")
	first, rest, multiline := strings.Cut(body, "\n")
	if multiline && strings.TrimLeft(first, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ \t") == "" {
		return rest // the first line is an info string
	}
	return body
}

// writeDocument writes doc between the document markers, ending its last
// line.
func writeDocument(b *strings.Builder, doc skill.Document) {
	b.WriteString(docOpen + "\n" + doc.Text())
	if !strings.HasSuffix(doc.Text(), "\n") {
		b.WriteString("\n")
	}
	b.WriteString(docClose + "\n\n")
}
