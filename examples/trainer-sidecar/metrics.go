package main

// metrics.go serves GET /v1/metrics in the Prometheus text format (version
// 0.0.4): request counts and latency histograms per endpoint, and per
// session the last shadow price, the source probabilities and the number of
// tracked prompts.

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

// metrics counts requests. It is safe for concurrent use.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram
}

type requestKey struct {
	path   string
	status int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, latency: map[string]*histogram{}}
}

// observe records one request.
func (m *metrics) observe(path string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{path, status}]++
	h := m.latency[path]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[path] = h
	}
	sec := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// label quotes a label value as the text format requires: backslash, double
// quote and line feed escaped, everything else (UTF-8) as is.
func label(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// writeMetrics writes every metric, in a stable order. The text is rendered
// in memory first, so a slow reader never holds a lock.
func (s *server) writeMetrics(out io.Writer) {
	var w bytes.Buffer
	defer func() { out.Write(w.Bytes()) }()
	m := s.metrics
	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if a.path != b.path {
			if a.path < b.path {
				return -1
			}
			return 1
		}
		return a.status - b.status
	})
	fmt.Fprintln(&w, "# HELP budgetkit_requests_total Requests served, by endpoint and status.")
	fmt.Fprintln(&w, "# TYPE budgetkit_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(&w, "budgetkit_requests_total{path=%s,code=\"%d\"} %d\n", label(k.path), k.status, m.requests[k])
	}
	paths := make([]string, 0, len(m.latency))
	for p := range m.latency {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	fmt.Fprintln(&w, "# HELP budgetkit_request_duration_seconds Time to serve a request, by endpoint.")
	fmt.Fprintln(&w, "# TYPE budgetkit_request_duration_seconds histogram")
	for _, p := range paths {
		h := m.latency[p]
		var cum uint64
		for i, ub := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&w, "budgetkit_request_duration_seconds_bucket{path=%s,le=\"%s\"} %d\n", label(p), fmtFloat(ub), cum)
		}
		fmt.Fprintf(&w, "budgetkit_request_duration_seconds_bucket{path=%s,le=\"+Inf\"} %d\n", label(p), h.n)
		fmt.Fprintf(&w, "budgetkit_request_duration_seconds_sum{path=%s} %s\n", label(p), fmtFloat(h.sum))
		fmt.Fprintf(&w, "budgetkit_request_duration_seconds_count{path=%s} %d\n", label(p), h.n)
	}
	m.mu.Unlock()

	s.mu.RLock()
	list := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		list = append(list, ss)
	}
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b *session) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	type row struct {
		id      string
		shadow  float64
		tracked int
		arms    []string
		probs   []float64
	}
	rows := make([]row, len(list))
	for i, ss := range list {
		ss.mu.Lock()
		rows[i] = row{ss.id, ss.shadow, ss.eng.tracked(), ss.eng.sources(), ss.eng.probs()}
		ss.mu.Unlock()
	}
	fmt.Fprintln(&w, "# HELP budgetkit_shadow_price Shadow price (marginal value of budget) of the session's last allocation.")
	fmt.Fprintln(&w, "# TYPE budgetkit_shadow_price gauge")
	for _, r := range rows {
		fmt.Fprintf(&w, "budgetkit_shadow_price{session=%s} %s\n", label(r.id), fmtFloat(r.shadow))
	}
	fmt.Fprintln(&w, "# HELP budgetkit_tracked_prompts Prompts the session's success tracker holds.")
	fmt.Fprintln(&w, "# TYPE budgetkit_tracked_prompts gauge")
	for _, r := range rows {
		fmt.Fprintf(&w, "budgetkit_tracked_prompts{session=%s} %d\n", label(r.id), r.tracked)
	}
	fmt.Fprintln(&w, "# HELP budgetkit_source_probability Current sampling probability of each data source.")
	fmt.Fprintln(&w, "# TYPE budgetkit_source_probability gauge")
	for _, r := range rows {
		for i, a := range r.arms {
			fmt.Fprintf(&w, "budgetkit_source_probability{session=%s,source=%s} %s\n", label(r.id), label(a), fmtFloat(r.probs[i]))
		}
	}
}
