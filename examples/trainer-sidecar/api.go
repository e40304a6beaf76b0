package main

// api.go holds the wire types of the JSON API and their validation. Every
// validation error wraps errInvalid and names the field and its value.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
)

// Limits on requests (beyond the byte limit on bodies).
const (
	maxIDLen     = 256     // bytes of a session, prompt or source id
	maxSampleN   = 1 << 20 // sources drawn by one /v1/sources/sample call
	maxShards    = 1 << 16 // shards of one step
	maxStep      = 1 << 52 // steps are exact in a float64 (Python, JSON)
	maxRollouts  = 1 << 16 // min, max and divisor; budget.Allocate's time grows with Max
	maxBudget    = 1 << 53 // budgets are exact integers in a float64 up to here
	defaultShard = 1
)

// trackerSettings configure the per-prompt success tracker. Zero fields take
// the library's defaults (uniform prior, no decay, no window, one
// observation, no cap).
type trackerSettings struct {
	PriorAlpha      float64 `json:"prior_alpha,omitempty"`
	PriorBeta       float64 `json:"prior_beta,omitempty"`
	Decay           float64 `json:"decay,omitempty"`
	Window          int     `json:"window,omitempty"`
	MinObservations int     `json:"min_observations,omitempty"`
	MaxPrompts      int     `json:"max_prompts,omitempty"`
}

// curriculumSettings configure the data-source sampler; a session without
// arms has none.
type curriculumSettings struct {
	Method      string   `json:"method,omitempty"`
	Arms        []string `json:"arms,omitempty"`
	Window      int      `json:"window,omitempty"`
	Temperature float64  `json:"temperature,omitempty"`
	Epsilon     float64  `json:"epsilon,omitempty"`
}

// allocationSettings choose the allocation preset and its default bounds.
type allocationSettings struct {
	Preset string `json:"preset,omitempty"`
	Min    int    `json:"min,omitempty"`
	Max    int    `json:"max,omitempty"`
}

// sessionSettings are a session's settings, defaults filled in by normalize.
type sessionSettings struct {
	Tracker    trackerSettings    `json:"tracker"`
	Curriculum curriculumSettings `json:"curriculum"`
	Allocation allocationSettings `json:"allocation"`
	// Threshold: a reward at or above it is a success. Default 0.5, which
	// suits {0, 1} and {−1, 1} rewards.
	Threshold *float64 `json:"threshold,omitempty"`
	// Shards is the number of observe calls (shards) that make up one
	// training step. Default 1.
	Shards int `json:"shards,omitempty"`
}

// createSessionRequest is the body of POST /v1/sessions.
type createSessionRequest struct {
	// ID, when set, names the session; creating it again with the same
	// settings returns it (so the call is idempotent).
	ID string `json:"id,omitempty"`
	sessionSettings
}

type sessionResponse struct {
	Session       string             `json:"session"`
	Created       bool               `json:"created"`
	Settings      sessionSettings    `json:"settings"`
	Sources       []string           `json:"sources"`
	Probabilities map[string]float64 `json:"probabilities"`
}

// promptObservation is one prompt's rollouts in an observe call.
type promptObservation struct {
	ID      string    `json:"id"`
	Source  string    `json:"source,omitempty"`
	Rewards []float64 `json:"rewards"`
	Lengths []float64 `json:"lengths,omitempty"`
}

type observeRequest struct {
	Session string              `json:"session"`
	Step    int                 `json:"step"`
	Shard   int                 `json:"shard"`
	Prompts []promptObservation `json:"prompts"`
}

type observeResponse struct {
	Session string `json:"session"`
	Step    int    `json:"step"`
	Shard   int    `json:"shard"`
	// StepComplete reports that every shard of the step has arrived and the
	// curriculum has been updated.
	StepComplete  bool               `json:"step_complete"`
	Tracked       int                `json:"tracked"`
	Probabilities map[string]float64 `json:"probabilities"`
}

type allocateRequest struct {
	Session string    `json:"session"`
	IDs     []string  `json:"ids"`
	Budget  float64   `json:"budget"`
	Min     int       `json:"min"`
	Max     int       `json:"max"`
	Divisor int       `json:"divisor"`
	Exact   bool      `json:"exact"`
	Costs   []float64 `json:"costs,omitempty"`
}

type allocateResponse struct {
	Counts      []int   `json:"counts"`
	Spent       float64 `json:"spent"`
	ShadowPrice float64 `json:"shadow_price"`
}

type sampleRequest struct {
	Session string `json:"session"`
	Step    int    `json:"step"`
	N       int    `json:"n"`
	Seed    uint64 `json:"seed"`
}

type sampleResponse struct {
	Sources []string `json:"sources"`
	Indices []int    `json:"indices"`
}

type restoreResponse struct {
	Sessions []string `json:"sessions"`
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// decode reads one JSON value into v, refusing unknown fields and trailing
// data. Errors wrap errInvalid and name the field when encoding/json does.
func decode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidf("request body: trailing data after the JSON value")
	}
	return nil
}

// decodeBytes is decode over a byte slice.
func decodeBytes(b []byte, v any) error { return decode(bytes.NewReader(b), v) }

func decodeErr(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: request body exceeds %d bytes", errTooLarge, mbe.Limit)
	case errors.As(err, &te):
		// Fields of the embedded settings are reported with the Go type's
		// name in front; the wire has none.
		field := strings.TrimPrefix(te.Field, "sessionSettings.")
		if field == "" {
			field = "request body"
		}
		return invalidf("%s: got JSON %s, want %s", field, te.Value, te.Type)
	case errors.As(err, &se):
		return invalidf("request body: malformed JSON at byte %d: %v", se.Offset, err)
	case errors.Is(err, io.EOF):
		return invalidf("request body: empty (want a JSON object)")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("request body: truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalidf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return invalidf("request body: %v", err)
}

// idProblem says what is wrong with a session, prompt or source id ("" if
// nothing), so that loops format a field name only on error.
func idProblem(id string) string {
	if id == "" {
		return "is empty"
	}
	if len(id) > maxIDLen {
		return fmt.Sprintf("has %d bytes (at most %d)", len(id), maxIDLen)
	}
	return ""
}

// validID checks a session, prompt or source id.
func validID(field, id string) error {
	if p := idProblem(id); p != "" {
		return invalidf("%s %s", field, p)
	}
	return nil
}

// validSessionID also restricts session ids to [A-Za-z0-9._-], so they can
// appear in metrics labels and URLs unquoted.
func validSessionID(field, id string) error {
	if err := validID(field, id); err != nil {
		return err
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return invalidf("%s = %q (only letters, digits, '.', '_' and '-')", field, id)
		}
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// normalize validates s and fills in the service's defaults (the library's
// own defaults are filled in by the library and reported by it).
func (s sessionSettings) normalize() (sessionSettings, error) {
	out := s
	out.Curriculum.Arms = append([]string(nil), s.Curriculum.Arms...)
	if out.Threshold == nil {
		t := 0.5
		out.Threshold = &t
	} else {
		t := *s.Threshold
		out.Threshold = &t
	}
	if !finite(*out.Threshold) {
		return out, invalidf("threshold = %v (must be finite)", *out.Threshold)
	}
	if out.Shards == 0 {
		out.Shards = defaultShard
	}
	if out.Shards < 0 || out.Shards > maxShards {
		return out, invalidf("shards = %d (must be in [1, %d])", out.Shards, maxShards)
	}
	if out.Allocation.Preset == "" {
		out.Allocation.Preset = presetBetaKnapsack
	}
	if out.Allocation.Min < 0 || out.Allocation.Max < 0 || out.Allocation.Min > maxRollouts || out.Allocation.Max > maxRollouts {
		return out, invalidf("allocation.min = %d, allocation.max = %d (must be in [0, 65536])", out.Allocation.Min, out.Allocation.Max)
	}
	if out.Allocation.Max != 0 && out.Allocation.Max < out.Allocation.Min {
		return out, invalidf("allocation.max = %d < allocation.min = %d", out.Allocation.Max, out.Allocation.Min)
	}
	seen := make(map[string]bool, len(out.Curriculum.Arms))
	for i, a := range out.Curriculum.Arms {
		if err := validID(fmt.Sprintf("curriculum.arms[%d]", i), a); err != nil {
			return out, err
		}
		if seen[a] {
			return out, invalidf("curriculum.arms[%d] = %q (duplicate)", i, a)
		}
		seen[a] = true
	}
	if len(out.Curriculum.Arms) == 0 && (out.Curriculum.Method != "" || out.Curriculum.Window != 0 || out.Curriculum.Temperature != 0 || out.Curriculum.Epsilon != 0) {
		return out, invalidf("curriculum.arms is empty but other curriculum fields are set")
	}
	if len(out.Curriculum.Arms) > 0 {
		_, name, err := parseMethod(out.Curriculum.Method)
		if err != nil {
			return out, err
		}
		out.Curriculum.Method = name
	}
	return out, nil
}

// validate checks an observe request's fields (the session's own checks —
// known sources, shard range — come later).
func (r *observeRequest) validate() error {
	if err := validSessionID("session", r.Session); err != nil {
		return err
	}
	if r.Step < 0 || r.Step > maxStep {
		return invalidf("step = %d (must be in [0, 2^52])", r.Step)
	}
	if r.Shard < 0 {
		return invalidf("shard = %d (must be ≥ 0)", r.Shard)
	}
	for i := range r.Prompts {
		p := &r.Prompts[i]
		if pr := idProblem(p.ID); pr != "" {
			return invalidf("prompts[%d].id %s", i, pr)
		}
		if len(p.Rewards) == 0 {
			return invalidf("prompts[%d].rewards is empty", i)
		}
		// JSON cannot carry NaN or ±Inf, but overflowing literals are
		// refused by the decoder; this guards other callers.
		for j, x := range p.Rewards {
			if !finite(x) {
				return invalidf("prompts[%d].rewards[%d] = %v (must be finite)", i, j, x)
			}
		}
		if p.Lengths != nil {
			if len(p.Lengths) != len(p.Rewards) {
				return invalidf("prompts[%d].lengths has %d values, rewards %d", i, len(p.Lengths), len(p.Rewards))
			}
			for j, x := range p.Lengths {
				if !finite(x) || x < 0 {
					return invalidf("prompts[%d].lengths[%d] = %v (must be finite and ≥ 0)", i, j, x)
				}
			}
		}
	}
	return nil
}

// validate checks an allocate request and converts it.
func (r *allocateRequest) validate() (allocInput, error) {
	if err := validSessionID("session", r.Session); err != nil {
		return allocInput{}, err
	}
	for i, id := range r.IDs {
		if pr := idProblem(id); pr != "" {
			return allocInput{}, invalidf("ids[%d] %s", i, pr)
		}
	}
	if !finite(r.Budget) || r.Budget < 0 || r.Budget > maxBudget {
		return allocInput{}, invalidf("budget = %v (must be in [0, 2^53])", r.Budget)
	}
	if r.Min < 0 || r.Max < 0 || r.Min > maxRollouts || r.Max > maxRollouts {
		return allocInput{}, invalidf("min = %d, max = %d (must be in [0, 65536])", r.Min, r.Max)
	}
	if r.Max != 0 && r.Max < r.Min {
		return allocInput{}, invalidf("max = %d < min = %d", r.Max, r.Min)
	}
	if r.Divisor < 0 || r.Divisor > maxRollouts {
		return allocInput{}, invalidf("divisor = %d (must be in [0, 65536]; 0 and 1 mean none)", r.Divisor)
	}
	if r.Costs != nil {
		if len(r.Costs) != len(r.IDs) {
			return allocInput{}, invalidf("costs has %d values, ids %d", len(r.Costs), len(r.IDs))
		}
		for i, c := range r.Costs {
			if !finite(c) || c <= 0 {
				return allocInput{}, invalidf("costs[%d] = %v (must be finite and > 0)", i, c)
			}
		}
	}
	return allocInput{ids: r.IDs, budget: r.Budget, min: r.Min, max: r.Max, divisor: r.Divisor, exact: r.Exact, costs: r.Costs}, nil
}

func (r *sampleRequest) validate() error {
	if err := validSessionID("session", r.Session); err != nil {
		return err
	}
	if r.Step < 0 || r.Step > maxStep {
		return invalidf("step = %d (must be in [0, 2^52])", r.Step)
	}
	if r.N < 0 || r.N > maxSampleN {
		return invalidf("n = %d (must be in [0, %d])", r.N, maxSampleN)
	}
	return nil
}
