package estimate

import (
	"encoding/base64"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const trackerKind, trackerVersion = "estimate.Tracker", 1

type trackerSnapEntry struct {
	// ID is the prompt id when it is valid UTF-8; otherwise IDBase64 holds
	// it in standard base64, so that any byte string round-trips exactly.
	ID       string  `json:"id,omitempty"`
	IDBase64 string  `json:"id_base64,omitempty"`
	Alpha    float64 `json:"alpha"`
	Beta     float64 `json:"beta"`
	Trials   int64   `json:"trials"`
	Window   string  `json:"window,omitempty"` // chronological, '1' success, '0' failure
}

type trackerSnapState struct {
	// Shards lists each shard's prompts from least to most recently used.
	Shards [][]trackerSnapEntry `json:"shards"`
}

// Snapshot returns the tracker's state as versioned JSON. Observations that
// race with Snapshot land either wholly in it or wholly after it, per shard.
// Prompt ids that are not valid UTF-8 are stored in base64 and restored
// byte for byte.
func (t *Tracker) Snapshot() ([]byte, error) {
	t.lazy()
	st := trackerSnapState{Shards: make([][]trackerSnapEntry, len(t.shards))}
	for i := range t.shards {
		st.Shards[i] = t.shards[i].entries()
	}
	return snapshot.Marshal(trackerKind, trackerVersion, t.cfg, st)
}

// entries lists the shard's prompts from least to most recently used.
func (s *trackerShard) entries() []trackerSnapEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]trackerSnapEntry, 0, len(s.m))
	for e := s.head.next; e != &s.head; e = e.next {
		win := make([]byte, e.size)
		for j := range win {
			win[j] = '0'
			if e.ring[(e.start+j)%len(e.ring)] {
				win[j] = '1'
			}
		}
		se := trackerSnapEntry{Alpha: e.alpha, Beta: e.beta, Trials: e.trials, Window: string(win)}
		if utf8.ValidString(e.id) {
			se.ID = e.id
		} else {
			se.IDBase64 = base64.StdEncoding.EncodeToString([]byte(e.id))
		}
		list = append(list, se)
	}
	return list
}

// Restore replaces the tracker's state with a snapshot taken from a tracker
// of the same configuration, so that it continues bit-identically. Every
// field is checked against its domain: ids non-empty, at most MaxIDLen
// bytes, unique and in their shard; α, β finite and > 0 with a finite sum,
// reachable from the prior in the recorded trials (α ≥ a₀, β ≥ b₀,
// (α − a₀) + (β − b₀) ≤ trials); 0 ≤ trials; a window of '0'/'1' no longer than Window or than trials; at
// most ⌈MaxPrompts/Shards⌉ prompts per shard. On error (wrapping
// ErrSnapshot) the tracker is unchanged.
func (t *Tracker) Restore(data []byte) error {
	t.lazy()
	var st trackerSnapState
	if err := snapshot.Unmarshal(data, trackerKind, trackerVersion, t.cfg, &st); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if len(st.Shards) != len(t.shards) {
		return fmt.Errorf("%w: %d shards, want %d", ErrSnapshot, len(st.Shards), len(t.shards))
	}
	fresh := &Tracker{}
	fresh.setup(t.cfg)
	for i, list := range st.Shards {
		if t.perCap > 0 && len(list) > t.perCap {
			return fmt.Errorf("%w: shard %d holds %d prompts, capacity %d", ErrSnapshot, i, len(list), t.perCap)
		}
		s := &fresh.shards[i]
		for k, se := range list {
			id, err := se.id()
			if err != nil {
				return fmt.Errorf("%w: shards[%d][%d]: %v", ErrSnapshot, i, k, err)
			}
			bad := func(why string) error {
				return fmt.Errorf("%w: shards[%d][%d] (prompt %s): %s", ErrSnapshot, i, k, quoteID(id), why)
			}
			switch {
			case checkID(id) != nil:
				return bad(checkID(id).Error())
			case fresh.shard(id) != s:
				return bad("stored in the wrong shard")
			case !(se.Alpha > 0) || math.IsInf(se.Alpha, 1) || !(se.Beta > 0) || math.IsInf(se.Beta, 1) || math.IsInf(se.Alpha+se.Beta, 1):
				return bad(fmt.Sprintf("posterior Beta(%v, %v) (need finite α, β > 0 with a finite sum)", se.Alpha, se.Beta))
			case se.Trials < 0:
				return bad(fmt.Sprintf("trials = %d (must be ≥ 0)", se.Trials))
			case !t.reachable(se.Alpha, se.Beta, se.Trials):
				return bad(fmt.Sprintf("posterior Beta(%v, %v) after %d trials (need α ≥ a₀ = %v, β ≥ b₀ = %v, (α − a₀) + (β − b₀) ≤ trials)", se.Alpha, se.Beta, se.Trials, t.cfg.PriorAlpha, t.cfg.PriorBeta))
			case len(se.Window) > t.cfg.Window:
				return bad(fmt.Sprintf("window of %d outcomes, capacity %d", len(se.Window), t.cfg.Window))
			case int64(len(se.Window)) > se.Trials:
				return bad(fmt.Sprintf("window of %d outcomes after %d trials", len(se.Window), se.Trials))
			}
			if _, dup := s.m[id]; dup {
				return bad("listed twice")
			}
			e := fresh.entry(s, id)
			e.alpha, e.beta, e.trials = se.Alpha, se.Beta, se.Trials
			for _, c := range []byte(se.Window) {
				if c != '0' && c != '1' {
					return bad(fmt.Sprintf("window byte %q (want '0' or '1')", c))
				}
				e.push(c == '1')
			}
		}
	}
	t.swap(fresh)
	return nil
}

// swap replaces every shard's prompts with fresh's, holding all the shard
// locks at once so that no reader sees a half-restored tracker.
func (t *Tracker) swap(fresh *Tracker) {
	for i := range t.shards {
		t.shards[i].mu.Lock()
		defer t.shards[i].mu.Unlock()
	}
	for i := range t.shards {
		t.shards[i].adopt(&fresh.shards[i])
	}
}

// reachable reports whether observations can produce Beta(α, β) after the
// given number of trials: every update α ← λα + (1−λ)a₀ + s keeps α ≥ a₀
// and adds at most the batch's trials to (α − a₀) + (β − b₀), so
//
//	α ≥ a₀,  β ≥ b₀,  (α − a₀) + (β − b₀) ≤ trials
//
// up to a relative rounding allowance of 1e-9. A saturated trial count
// (math.MaxInt64) only bounds α and β to finite values.
func (t *Tracker) reachable(alpha, beta float64, trials int64) bool {
	const tol = 1e-9
	a0, b0 := t.cfg.PriorAlpha, t.cfg.PriorBeta
	if alpha < a0*(1-tol) || beta < b0*(1-tol) {
		return false
	}
	if trials == math.MaxInt64 {
		return true
	}
	return (alpha-a0)+(beta-b0) <= (float64(trials)+a0+b0)*tol+float64(trials)
}

// id decodes the entry's prompt id.
func (se *trackerSnapEntry) id() (string, error) {
	switch {
	case se.ID != "" && se.IDBase64 != "":
		return "", fmt.Errorf("both id and id_base64 set")
	case se.IDBase64 != "":
		b, err := base64.StdEncoding.DecodeString(se.IDBase64)
		if err != nil {
			return "", fmt.Errorf("id_base64: %v", err)
		}
		if utf8.Valid(b) {
			return "", fmt.Errorf("id_base64 holds valid UTF-8 (stored as id)")
		}
		return string(b), nil
	}
	return se.ID, nil
}

// adopt replaces s's prompts with f's; s must be locked.
func (s *trackerShard) adopt(f *trackerShard) {
	s.m = f.m
	if f.head.next == &f.head {
		s.head.prev, s.head.next = &s.head, &s.head
		return
	}
	s.head.next, s.head.prev = f.head.next, f.head.prev
	s.head.next.prev = &s.head
	s.head.prev.next = &s.head
}
