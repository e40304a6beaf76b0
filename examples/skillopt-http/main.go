// Command skillopt-http runs SkillOpt (package skill) with an
// OpenAI-compatible chat-completions endpoint as the optimizer model: a
// ChatProposer (proposer.go) renders each step's request — the skill
// document, the step's edit limit, the minibatch of scored rollouts, the
// rejected-edit buffer, the optimizer memory and, on a retry, the refused
// proposal with its errors — into a prompt, POSTs it to
// {base}/chat/completions over net/http and parses the model's JSON patch;
// at each epoch end it asks the model for new guidance and memory. The
// frozen agent and its tasks are the simulated benchmark of
// internal/skillsim (60 training and 30 validation tasks), so only the
// optimizer model is real.
//
// Without an endpoint (no -base-url flag and no OPENAI_BASE_URL) it starts a
// local fake OpenAI-compatible server on 127.0.0.1 whose deterministic
// replies turn the failure topics it reads in the prompt into rules, and
// finishes in about a second without touching the network:
//
//	go run ./examples/skillopt-http
//
// Against a real endpoint:
//
//	OPENAI_API_KEY=... go run ./examples/skillopt-http -base-url https://api.openai.com/v1 -model gpt-4o-mini
//
// Flags (each falls back to its environment variable when not given):
//
//	-base-url     endpoint base URL, without /chat/completions (OPENAI_BASE_URL)
//	-model        model name (OPENAI_MODEL; default gpt-4o-mini)
//	-key          API key, sent as a Bearer token when set (OPENAI_API_KEY)
//	-timeout      timeout of one request (default 2m)
//	-temperature  sampling temperature; negative leaves it to the server (default -1)
//
// The run is small — 2 epochs of 3 steps, at most 40 optimizer calls — and
// reports the baseline and best validation scores, the decisions of the
// audit trail, the calls and tokens spent, and the final skill.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

// The run's size.
const (
	seed     = 1
	nTrain   = 60
	nVal     = 30
	epochs   = 2
	batch    = 20
	maxCalls = 40
)

// defaultModel is the model used when neither -model nor OPENAI_MODEL is set.
const defaultModel = "gpt-4o-mini"

// fakeKey is the API key the local fake server expects (a real key from the
// environment is never sent to it).
const fakeKey = "sk-local-fake"

// options are the command's settings after flags and environment.
type options struct {
	baseURL     string
	model       string
	key         string
	timeout     time.Duration
	temperature float64 // negative: not sent
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("skillopt-http: ")
	opts, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, opts, os.Stdout); err != nil {
		stop()
		log.Fatal(err)
	}
}

// parseOptions reads the flags in args; a flag not given falls back to its
// environment variable (looked up with getenv), then to its default.
func parseOptions(args []string, getenv func(string) string, errOut io.Writer) (options, error) {
	fs := flag.NewFlagSet("skillopt-http", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var o options
	// The environment is read after parsing, so that -h never prints a key.
	fs.StringVar(&o.baseURL, "base-url", "", "endpoint base URL without /chat/completions, e.g. https://api.openai.com/v1 (env OPENAI_BASE_URL; none: a local fake server)")
	fs.StringVar(&o.model, "model", "", "model name (env OPENAI_MODEL; default "+defaultModel+")")
	fs.StringVar(&o.key, "key", "", "API key, sent as a Bearer token (env OPENAI_API_KEY)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "timeout of one request")
	fs.Float64Var(&o.temperature, "temperature", -1, "sampling temperature; negative leaves it to the server")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	fallback := func(v *string, env, def string) {
		if *v == "" {
			*v = getenv(env)
		}
		if *v == "" {
			*v = def
		}
	}
	fallback(&o.baseURL, "OPENAI_BASE_URL", "")
	fallback(&o.model, "OPENAI_MODEL", defaultModel)
	fallback(&o.key, "OPENAI_API_KEY", "")
	if o.timeout <= 0 {
		return options{}, fmt.Errorf("-timeout %v: must be positive", o.timeout)
	}
	if math.IsNaN(o.temperature) || math.IsInf(o.temperature, 0) {
		return options{}, fmt.Errorf("-temperature %v: must be finite", o.temperature)
	}
	return o, nil
}

// run optimises the simulated benchmark's skill with the configured
// endpoint (or the local fake server), prints the report to w and returns
// the outcome.
func run(ctx context.Context, opts options, w io.Writer) (skill.Summary, error) {
	prop := &ChatProposer{BaseURL: opts.baseURL, Model: opts.model, Key: opts.key, Client: &http.Client{Timeout: opts.timeout}}
	if opts.temperature >= 0 {
		t := opts.temperature
		prop.Temperature = &t
	}
	if opts.baseURL == "" {
		base, stop, err := startFake()
		if err != nil {
			return skill.Summary{}, err
		}
		defer stop()
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil // loopback only, whatever the proxy environment says
		prop.BaseURL, prop.Key = base, fakeKey
		prop.Client = &http.Client{Timeout: opts.timeout, Transport: tr}
		fmt.Fprintf(w, "No endpoint configured (-base-url or OPENAI_BASE_URL): using the local fake OpenAI-compatible server at %s.\n", base)
	} else {
		fmt.Fprintf(w, "Endpoint %s, model %s.\n", prop.BaseURL, prop.Model)
	}

	bench := skillsim.NewBench(seed, nTrain, nVal)
	o, out, err := optimize(ctx, bench, prop)
	if o != nil {
		report(w, o, out, prop, bench)
	}
	return out, err
}

// optimize runs SkillOpt on skillsim.Initial with bench as the agent and
// prop as the optimizer model.
func optimize(ctx context.Context, bench *skillsim.Bench, prop *ChatProposer) (*skill.Optimizer, skill.Summary, error) {
	doc, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		return nil, skill.Summary{}, err
	}
	o, err := skill.NewOptimizer(doc, bench.Train, bench.Val, skill.OptimizerConfig{
		Epochs:           epochs,
		BatchSize:        batch,
		MaxProposerCalls: maxCalls,
		Seed:             seed,
	})
	if err != nil {
		return nil, skill.Summary{}, err
	}
	out, err := o.Run(ctx, bench, prop)
	return o, out, err
}

// report prints the audit trail, the scores and counters, and the best
// skill.
func report(w io.Writer, o *skill.Optimizer, out skill.Summary, prop *ChatProposer, bench *skillsim.Bench) {
	fmt.Fprintln(w)
	decisions := map[skill.Decision]int{}
	var failedCalls int
	var firstErr string
	for r := range o.Records() {
		decisions[r.Decision]++
		for _, c := range r.Calls {
			if c.Err != "" {
				failedCalls++
				if firstErr == "" {
					firstErr = c.Err
				}
			}
		}
		if r.HookErr != "" {
			failedCalls++
			if firstErr == "" {
				firstErr = r.HookErr
			}
		}
		switch r.Kind {
		case skill.KindStep:
			fmt.Fprintf(w, "epoch %d step %d: %d/%d rollouts failed, %d calls, applied %d: %s", r.Epoch, r.Step, r.Failed, r.Total, len(r.Calls), len(r.Applied), r.Decision)
			if r.Decision == skill.DecisionAccept || r.Decision == skill.DecisionNewBest || r.Decision == skill.DecisionReject {
				fmt.Fprintf(w, " (%.3f → %.3f)", r.ScoreBefore, r.ScoreAfter)
			}
		case skill.KindSlow:
			fmt.Fprintf(w, "epoch %d end: slow update %s", r.Epoch, r.Decision)
			if r.Update != nil && r.Update.Guidance != "" {
				fmt.Fprintf(w, ", guidance %q", r.Update.Guidance)
			}
		case skill.KindBaseline:
			fmt.Fprintf(w, "baseline: %.3f", r.ScoreAfter)
		default:
			fmt.Fprintf(w, "%s: %s", r.Kind, r.Decision)
			if r.Kind == skill.KindFinal && r.Before != r.After && r.Decision != skill.DecisionFailed {
				fmt.Fprintf(w, " (last document %.3f, best %.3f)", r.ScoreAfter, r.ScoreBefore)
			}
		}
		if r.Reason != "" {
			fmt.Fprintf(w, " — %s", r.Reason)
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w)
	fmt.Fprintf(w, "baseline score  %.3f (%d validation tasks)\n", out.Baseline, len(bench.Val))
	fmt.Fprintf(w, "best score      %.3f (step %d)\n", out.BestScore, out.BestStep)
	fmt.Fprintf(w, "stop            %s\n", out.Stop)
	var ds []string
	for _, d := range slices.Sorted(maps.Keys(decisions)) {
		ds = append(ds, fmt.Sprintf("%s %d", d, decisions[d]))
	}
	fmt.Fprintf(w, "decisions       %s\n", strings.Join(ds, ", "))
	fmt.Fprintf(w, "proposer calls  %d of %d (%d HTTP requests, %d tokens)\n", out.ProposerCalls, maxCalls, prop.Calls(), prop.Tokens())
	if failedCalls > 0 {
		fmt.Fprintf(w, "failed calls    %d, the first: %s\n", failedCalls, firstErr)
	}
	fmt.Fprintf(w, "evaluations     %d task runs\n", out.EvalUnits)
	if m := o.Memory(); m != "" {
		fmt.Fprintf(w, "optimizer memory:\n%s", indent(m))
	}
	fmt.Fprintf(w, "\nbest skill:\n%s", indent(out.Best.Text()))
}

// indent prefixes every non-empty line of s with a tab and ends it with a
// newline.
func indent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.TrimRight(s, "\n") + "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("\t")
		}
		b.WriteString(line)
	}
	return b.String()
}

// startFake starts the local fake chat-completions server on 127.0.0.1 and
// returns its base URL and a function that stops it.
func startFake() (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("starting the local fake server: %w", err)
	}
	srv := &http.Server{Handler: fakeHandler(fakeKey), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return "http://" + ln.Addr().String() + "/v1", func() {
		_ = srv.Close()
		<-done
	}, nil
}

// fakeHandler is a fake OpenAI-compatible chat-completions endpoint at
// POST /v1/chat/completions that requires the Bearer token key. Its replies
// are deterministic functions of the prompt: for a step it proposes, as an
// append_section edit to "Rules", the benchmark rule of every failure topic
// it reads in the rollouts that the document lacks (up to the step's edit
// limit); for an epoch-end review it returns guidance naming the topics
// that kept failing and memory that adds a line of counts.
func fakeHandler(key string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			fakeError(w, http.StatusUnauthorized, "invalid_api_key", "missing or wrong API key")
			return
		}
		var req chatRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, maxResponseBytes))
		if err := dec.Decode(&req); err != nil {
			fakeError(w, http.StatusBadRequest, "invalid_request_error", "malformed JSON body: "+err.Error())
			return
		}
		var system, user string
		for _, m := range req.Messages {
			switch m.Role {
			case "system":
				system += m.Content
			case "user":
				user += m.Content
			}
		}
		if req.Model == "" || user == "" {
			fakeError(w, http.StatusBadRequest, "invalid_request_error", "model and a user message are required")
			return
		}
		var reply string
		if strings.HasPrefix(user, epochHeading) {
			reply = fakeEpoch(user)
		} else {
			reply = fakePatch(user)
		}
		prompt, completion := approxTokens(system)+approxTokens(user), approxTokens(reply)
		resp := map[string]any{
			"id":      "chatcmpl-fake",
			"object":  "chat.completion",
			"created": 0,
			"model":   req.Model,
			"choices": []any{map[string]any{
				"index":         0,
				"message":       map[string]any{"role": "assistant", "content": reply},
				"finish_reason": "stop",
			}},
			"usage": map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
	return mux
}

// fakeError writes an error in the OpenAI API's shape.
func fakeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ}})
}

// approxTokens estimates a text's tokens at four characters each.
func approxTokens(s string) int { return (len(s) + 3) / 4 }

// between returns the text between the first open and the next close in s.
func between(s, open, close string) string {
	_, after, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, close)
	return strings.TrimSpace(in)
}

// fakePatch answers a step's prompt with a fenced JSON patch.
func fakePatch(prompt string) string {
	doc := between(prompt, docOpen, docClose)
	limit := -1
	var topics []string
	for line := range strings.Lines(prompt) {
		line = strings.TrimRight(line, "\r\n")
		var n int
		if _, err := fmt.Sscanf(line, maxEditsLine, &n); err == nil {
			limit = n
		}
		if f, ok := strings.CutPrefix(line, failureLine); ok {
			t, _, _ := strings.Cut(f, ":")
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(topics, t) {
				topics = append(topics, t)
			}
		}
	}
	edits := []skill.Edit{}
	var missing, covered []string
	for _, t := range topics {
		i := slices.IndexFunc(skillsim.Rules, func(r skillsim.Rule) bool { return r.Topic == t })
		switch {
		case i < 0:
		case strings.Contains(doc, skillsim.Rules[i].Text):
			covered = append(covered, t)
		case limit < 0 || len(edits) < limit:
			missing = append(missing, t)
			edits = append(edits, skill.Edit{Op: skill.OpAppendSection, Target: "Rules", Content: skillsim.Rules[i].Text})
		}
	}
	var why []string
	switch {
	case len(topics) == 0:
		why = append(why, "These rollouts succeeded; the skill already serves them, so no change is needed.")
	case len(missing) > 0:
		why = append(why, fmt.Sprintf("The failures on %s break conventions the skill never states; adding each as a general rule.", strings.Join(missing, ", ")))
	}
	if len(covered) > 0 {
		why = append(why, fmt.Sprintf("The rules for %s are already in the skill; those failures look like noise.", strings.Join(covered, ", ")))
	}
	if len(why) == 0 {
		why = append(why, "No failure pattern maps to a rule I can state.")
	}
	patch := map[string]any{"patch": map[string]any{"reasoning": strings.Join(why, " "), "edits": edits}}
	b, _ := json.MarshalIndent(patch, "", "  ")
	return "Here is my patch.\n\n```json\n" + string(b) + "\n```\n"
}

// fakeEpoch answers an epoch-end prompt with fenced guidance and memory.
func fakeEpoch(prompt string) string {
	counts := map[skill.Category]int{}
	var persistent []string
	var epoch int
	var cat skill.Category
	fmt.Sscanf(prompt, epochHeading+" after epoch %d", &epoch)
	_, tasks, _ := strings.Cut(prompt, "\n## Tasks\n")
	tasks, _, _ = strings.Cut(tasks, "\n## ")
	for line := range strings.Lines(tasks) {
		line = strings.TrimRight(line, "\r\n")
		if rest, ok := strings.CutPrefix(line, "- "); ok {
			_, c, _ := strings.Cut(rest, ": ")
			switch cat = skill.Category(c); cat {
			case skill.Improved, skill.Regressed, skill.PersistFail, skill.StableSuccess:
				counts[cat]++
			}
			continue
		}
		if f, ok := strings.CutPrefix(line, currentLine+"failed: "); ok && cat == skill.PersistFail {
			t, _, _ := strings.Cut(f, ":")
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(persistent, t) {
				persistent = append(persistent, t)
			}
		}
	}
	guidance := "No task kept failing last epoch: keep following the rules above."
	if len(persistent) > 0 {
		guidance = "Tasks on " + strings.Join(persistent, ", ") + " kept failing last epoch: check the conventions for those first."
	}
	memory := fmt.Sprintf("epoch %d: %d improved, %d regressed, %d persistent failures", epoch, counts[skill.Improved], counts[skill.Regressed], counts[skill.PersistFail])
	if old := between(prompt, memOpen, memClose); old != "" {
		memory = old + "\n" + memory
	}
	b, _ := json.MarshalIndent(map[string]string{"guidance": guidance, "memory": memory}, "", "  ")
	return "```json\n" + string(b) + "\n```"
}
