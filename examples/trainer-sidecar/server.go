package main

// server.go is the HTTP layer: routing, the bearer token, the body limit,
// JSON in and out, error bodies, and the service-wide snapshot.

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

// Snapshot envelope of the whole service (internal/snapshot's format).
const (
	snapshotKind    = "trainer-sidecar.Service"
	snapshotVersion = 1
)

// defaultMaxBody is the default request-size limit: 32 MiB, far above an
// observe call for 4,096 prompts × 64 rewards (about 3 MB of JSON).
// snapshotMaxBody is the least limit of POST /v1/restore: 1 GiB, a
// snapshot of about ten million tracked prompts.
const (
	defaultMaxBody  = 32 << 20
	snapshotMaxBody = 1 << 30
)

// server is the sidecar's HTTP service. It is safe for concurrent use:
// sessions are found under a read lock and each session has its own lock.
type server struct {
	token   string // bearer token; empty: none required
	maxBody int64
	metrics *metrics

	mu       sync.RWMutex
	sessions map[string]*session
	nextID   int
}

// newServer returns a server with no sessions.
func newServer(token string, maxBody int64) *server {
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	return &server{token: token, maxBody: maxBody, metrics: newMetrics(), sessions: map[string]*session{}, nextID: 1}
}

// route is one endpoint.
type route struct {
	method string
	path   string
	auth   bool
	fn     func(*server, *http.Request) (any, error)
}

var routes = []route{
	{http.MethodGet, "/healthz", false, (*server).healthz},
	{http.MethodPost, "/v1/sessions", true, (*server).createSession},
	{http.MethodPost, "/v1/observe", true, (*server).observe},
	{http.MethodPost, "/v1/allocate", true, (*server).allocate},
	{http.MethodPost, "/v1/sources/sample", true, (*server).sample},
	{http.MethodGet, "/v1/snapshot", true, (*server).snapshotHandler},
	{http.MethodPost, "/v1/restore", true, (*server).restore},
	{http.MethodGet, "/v1/metrics", true, nil}, // text, served by metricsHandler
}

// ServeHTTP dispatches a request, times it and counts it.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := "other"
	status := s.serve(w, r, &path)
	s.metrics.observe(path, status, time.Since(start))
}

func (s *server) serve(w http.ResponseWriter, r *http.Request, label *string) int {
	i := slices.IndexFunc(routes, func(rt route) bool { return rt.path == r.URL.Path })
	if i < 0 {
		return writeError(w, fmt.Errorf("%w: %s", errNotFound, r.URL.Path))
	}
	rt := routes[i]
	*label = rt.path
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		return writeError(w, fmt.Errorf("%w: %s %s (use %s)", errMethod, r.Method, rt.path, rt.method))
	}
	if rt.auth && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="budgetkit"`)
		return writeError(w, fmt.Errorf("%w: missing or wrong bearer token", errUnauthorized))
	}
	limit := s.maxBody
	if rt.path == "/v1/restore" {
		// A snapshot holds every tracked prompt (about 100 bytes each); it
		// gets at least snapshotMaxBody.
		limit = max(limit, snapshotMaxBody)
	}
	if r.ContentLength > limit {
		return writeError(w, fmt.Errorf("%w: request body of %d bytes exceeds %d", errTooLarge, r.ContentLength, limit))
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if rt.fn == nil {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		s.writeMetrics(w)
		return http.StatusOK
	}
	v, err := rt.fn(s, r)
	if err != nil {
		return writeError(w, err)
	}
	if raw, ok := v.(json.RawMessage); ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(raw)
		w.Write([]byte("\n"))
		return http.StatusOK
	}
	return writeJSON(w, http.StatusOK, v)
}

// authorized checks the bearer token in constant time.
func (s *server) authorized(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || h[:len(prefix)] != prefix {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(s.token)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return writeError(w, fmt.Errorf("encoding the response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return status
}

// writeError writes {"error": {"code", "message"}} with err's status.
func writeError(w http.ResponseWriter, err error) int {
	status, code := classify(err)
	var body errorBody
	body.Error.Code, body.Error.Message = code, err.Error()
	b, _ := json.Marshal(body) // a struct of two strings always encodes
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return status
}

// readBody reads the whole (size-limited) body, in one allocation when the
// length is announced.
func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(r.Body)
	b := buf.Bytes()
	if err != nil {
		if mbe, ok := err.(*http.MaxBytesError); ok {
			return nil, fmt.Errorf("%w: request body exceeds %d bytes", errTooLarge, mbe.Limit)
		}
		return nil, invalidf("request body: %v", err)
	}
	return b, nil
}

// decodeRequest reads and decodes a JSON body.
func decodeRequest(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(b, v)
}

func (s *server) session(id string) (*session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", errUnknownSession, id)
	}
	return ss, nil
}

func (s *server) healthz(*http.Request) (any, error) {
	s.mu.RLock()
	n := len(s.sessions)
	s.mu.RUnlock()
	return map[string]any{"status": "ok", "sessions": n}, nil
}

func (s *server) createSession(r *http.Request) (any, error) {
	var req createSessionRequest
	if err := decodeRequest(r, &req); err != nil {
		return nil, err
	}
	if req.ID != "" {
		if err := validSessionID("id", req.ID); err != nil {
			return nil, err
		}
	}
	norm, err := req.sessionSettings.normalize()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := req.ID
	if old, ok := s.sessions[id]; ok && id != "" {
		a, _ := json.Marshal(old.settings)
		b, _ := json.Marshal(norm)
		if string(a) != string(b) {
			return nil, fmt.Errorf("%w: %q has settings %s", errSessionExists, id, a)
		}
		return s.sessionResponse(old, false), nil
	}
	if id == "" {
		for id == "" || s.sessions[id] != nil {
			id = "s" + strconv.Itoa(s.nextID)
			s.nextID++
		}
	}
	ss, err := newSession(id, norm)
	if err != nil {
		return nil, err
	}
	s.sessions[id] = ss
	return s.sessionResponse(ss, true), nil
}

func (s *server) sessionResponse(ss *session, created bool) sessionResponse {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	src := ss.eng.sources()
	if src == nil {
		src = []string{}
	}
	return sessionResponse{Session: ss.id, Created: created, Settings: ss.settings, Sources: src, Probabilities: ss.probabilities()}
}

func (s *server) observe(r *http.Request) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var req observeRequest
	if !fastObserve(b, &req) {
		req = observeRequest{}
		if err := decodeBytes(b, &req); err != nil {
			return nil, err
		}
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	ss, err := s.session(req.Session)
	if err != nil {
		return nil, err
	}
	return ss.observe(&req)
}

func (s *server) allocate(r *http.Request) (any, error) {
	var req allocateRequest
	if err := decodeRequest(r, &req); err != nil {
		return nil, err
	}
	in, err := req.validate()
	if err != nil {
		return nil, err
	}
	ss, err := s.session(req.Session)
	if err != nil {
		return nil, err
	}
	return ss.allocate(in)
}

func (s *server) sample(r *http.Request) (any, error) {
	var req sampleRequest
	if err := decodeRequest(r, &req); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	ss, err := s.session(req.Session)
	if err != nil {
		return nil, err
	}
	return ss.sample(&req)
}

// serviceState is the state of the snapshot envelope.
type serviceState struct {
	NextID   int            `json:"next_id"`
	Sessions []sessionState `json:"sessions"`
}

// snapshotHandler returns every session, or only ?session=ID.
func (s *server) snapshotHandler(r *http.Request) (any, error) {
	var only []string
	if id := r.URL.Query().Get("session"); id != "" {
		if _, err := s.session(id); err != nil {
			return nil, err
		}
		only = []string{id}
	}
	b, err := s.snapshot(only)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// snapshot returns the named sessions (all when ids is nil) as versioned
// JSON, sessions in id order.
func (s *server) snapshot(ids []string) ([]byte, error) {
	s.mu.RLock()
	st := serviceState{NextID: s.nextID, Sessions: []sessionState{}}
	var list []*session
	for id, ss := range s.sessions {
		if ids == nil || slices.Contains(ids, id) {
			list = append(list, ss)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b *session) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	for _, ss := range list {
		one, err := ss.state()
		if err != nil {
			return nil, err
		}
		st.Sessions = append(st.Sessions, one)
	}
	return snapshot.Marshal(snapshotKind, snapshotVersion, struct{}{}, st)
}

func (s *server) restore(r *http.Request) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	ids, err := s.restoreBytes(b)
	if err != nil {
		return nil, err
	}
	return restoreResponse{Sessions: ids}, nil
}

// restoreBytes replaces (or creates) every session in the snapshot, all or
// nothing; sessions not in it are left alone.
func (s *server) restoreBytes(b []byte) ([]string, error) {
	var st serviceState
	if err := snapshot.Unmarshal(b, snapshotKind, snapshotVersion, struct{}{}, &st); err != nil {
		return nil, fmt.Errorf("%w: %v", errSnapshotData, err)
	}
	if st.NextID < 1 {
		return nil, fmt.Errorf("%w: next_id = %d (must be ≥ 1)", errSnapshotData, st.NextID)
	}
	built := make([]*session, 0, len(st.Sessions))
	ids := make([]string, 0, len(st.Sessions))
	for i, one := range st.Sessions {
		if slices.Contains(ids, one.ID) {
			return nil, fmt.Errorf("%w: sessions[%d].id = %q (duplicate)", errSnapshotData, i, one.ID)
		}
		ss, err := sessionFromState(one)
		if err != nil {
			return nil, err
		}
		built = append(built, ss)
		ids = append(ids, one.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range built {
		s.sessions[ss.id] = ss
	}
	s.nextID = max(s.nextID, st.NextID)
	return ids, nil
}
