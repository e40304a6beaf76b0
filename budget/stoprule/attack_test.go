package stoprule

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

var (
	atkFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308, -1, 0, 5e-324, 0.5, 1, 2, 1e308}
	atkInts   = []int{math.MinInt, -1, 0, 1, 15, 16, 200, 1 << 20, 1 << 30, 1<<30 + 1, math.MaxInt}
)

func wantErr(t *testing.T, name string, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSnapshot) {
		t.Fatalf("%s: error %v wraps no sentinel", name, err)
	}
}

func snapOf(t *testing.T, c *Controller) []byte {
	t.Helper()
	b, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAttackConfig: every Config field over bad values; accepted configs
// must build a working controller without huge allocations.
func TestAttackConfig(t *testing.T) {
	for _, k := range atkInts {
		for _, x := range atkFloats {
			for _, cfg := range []Config{
				{MaxLength: k}, {MaxLength: 100, MinTokens: k}, {MaxLength: 100, CheckEvery: k}, {MaxLength: 100, Window: k},
				{MaxLength: 100, Hysteresis: k}, {MaxLength: 100, Grace: k}, {MaxLength: 100, RefitEvery: k}, {MaxLength: 100, RefitMin: k},
				{MaxLength: 100, History: k}, {MaxLength: 100, MinK1: k}, {MaxLength: 100, MinGap: k}, {MaxLength: 100, Signal: Signal(k)},
				{MaxLength: 100, EpsLen: x}, {MaxLength: 100, AbortEps: x}, {MaxLength: 100, K1Frac: x}, {MaxLength: 100, K2Frac: x},
				{MaxLength: 100, K1Pct: x}, {MaxLength: 100, K2Pct: x}, {MaxLength: 100, ThresholdLow: x}, {MaxLength: 100, ThresholdHigh: x},
			} {
				c, err := NewController(cfg)
				wantErr(t, "NewController", err)
				if err != nil {
					continue
				}
				r, err := c.Rule(0, 0, 0.5)
				if err != nil {
					t.Fatalf("%+v: %v", cfg, err)
				}
				for i := 0; i < 50; i++ {
					if _, err := r.Next(" tok", 0.9); err != nil {
						t.Fatalf("%+v: %v", cfg, err)
					}
				}
			}
		}
	}
	for _, d := range []string{"", "Math", "poetry", strings.Repeat("m", 10<<20)} {
		_, err := NewController(Config{MaxLength: 100, Domain: d})
		if d != "" {
			wantErr(t, "Domain", err)
			if err == nil {
				t.Fatalf("domain %.20q accepted", d)
			}
		}
	}
}

// TestAttackController: each method over bad arguments, with the snapshot
// unchanged after every failure.
func TestAttackController(t *testing.T) {
	c, _ := NewController(Config{MaxLength: 1000, Seed: 3})
	for i := 0; i < 40; i++ {
		_ = c.ObserveLength(100 + i)
	}
	_, _ = c.EndStep()
	for _, k := range atkInts {
		before := snapOf(t, c)
		if err := c.ObserveLength(k); err != nil {
			wantErr(t, "ObserveLength", err)
			if !bytes.Equal(before, snapOf(t, c)) {
				t.Fatal("failed ObserveLength changed the controller")
			}
		}
		for _, x := range atkFloats {
			for _, j := range atkInts {
				before := snapOf(t, c)
				r, err := c.Rule(k, j, x)
				wantErr(t, "Rule", err)
				if err == nil && (k < 0 || j < 0 || math.IsNaN(x) || math.IsInf(x, 0)) {
					t.Fatalf("Rule(%d, %d, %v) accepted", k, j, x)
				}
				if !bytes.Equal(before, snapOf(t, c)) {
					t.Fatal("Rule changed the controller")
				}
				_ = r
			}
		}
	}
	for _, s := range [][]float64{nil, {}, {1}, {math.NaN()}, {math.Inf(1)}, {1e308, 1e-308}, {-1e308, 1e308}} {
		for _, l := range [][]float64{nil, {}, {1}, {-1}, {math.NaN()}, {1e308, 0}, {0, 0}} {
			before := snapOf(t, c)
			th, err := c.Thresholds(s, l)
			wantErr(t, "Thresholds", err)
			if !bytes.Equal(before, snapOf(t, c)) {
				t.Fatal("Thresholds changed the controller")
			}
			for _, v := range th {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("Thresholds(%v, %v) = %v", s, l, th)
				}
			}
		}
	}
	// Rule.Next: NaN and ±Inf confidence are refused and not counted.
	r, _ := c.Rule(0, 0, 0.5)
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := r.Next("x", x); !errors.Is(err, ErrInvalid) || r.Result().Tokens != 0 {
			t.Fatalf("confidence %v: %v, %d tokens", x, err, r.Result().Tokens)
		}
	}
	for _, text := range []string{"", "\x00\xff\xfe", strings.Repeat("é", 1<<20), strings.Repeat(`\boxed{`, 1<<18)} {
		if _, err := r.Next(text, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	// Confidence.
	for _, s := range []Signal{Margin, MaxProb, Entropy, 7, -1} {
		for _, logits := range [][]float64{nil, {}, {math.NaN()}, {math.Inf(1)}, {math.Inf(-1), math.Inf(-1)}, {-1e308, 1e308}, {0}, {1, 1, 1}} {
			v, err := Confidence(s, logits)
			wantErr(t, "Confidence", err)
			if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Fatalf("Confidence(%v, %v) = %v", s, logits, v)
			}
		}
	}
	// CustomMarkers: bad and huge patterns.
	for _, p := range [][]string{nil, {"("}, {strings.Repeat("a", MaxPattern+1)}, {`a{1000}{1000}`}} {
		_, err := CustomMarkers("x", p...)
		wantErr(t, "CustomMarkers", err)
		if err == nil {
			t.Fatalf("CustomMarkers(%.20q) accepted", p)
		}
	}
}

// TestControllerSnapshotContinuation: snapshot a controller mid-run,
// restore into a fresh one, continue both with the same inputs: identical
// K1/K2, refit decisions and snapshots.
func TestControllerSnapshotContinuation(t *testing.T) {
	cfg := Config{MaxLength: 2048, History: 64, Seed: 9}
	a, _ := NewController(cfg)
	feedStep := func(c *Controller, s int) (bool, int, int) {
		for i := 0; i < 7; i++ {
			_ = c.ObserveLength((s*131 + i*57) % 2049)
		}
		refit, err := c.EndStep()
		if err != nil {
			t.Fatal(err)
		}
		k1, k2 := c.K()
		return refit, k1, k2
	}
	for s := 0; s < 23; s++ {
		feedStep(a, s)
	}
	data := snapOf(t, a)
	b, _ := NewController(cfg)
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, snapOf(t, b)) {
		t.Fatal("restored snapshot differs")
	}
	for s := 23; s < 80; s++ {
		ra, a1, a2 := feedStep(a, s)
		rb, b1, b2 := feedStep(b, s)
		if ra != rb || a1 != b1 || a2 != b2 || a.Step() != b.Step() {
			t.Fatalf("step %d diverged: %v %d %d vs %v %d %d", s, ra, a1, a2, rb, b1, b2)
		}
		// Rules from both draw the same decisions.
		x, _ := a.Rule(s, 3, 0.5)
		y, _ := b.Rule(s, 3, 0.5)
		for k := 0; k < 1000; k++ {
			fx, _ := x.Next(" t", 0.9)
			fy, _ := y.Next(" t", 0.9)
			if fx != fy {
				t.Fatal("rules diverged")
			}
		}
	}
	if !bytes.Equal(snapOf(t, a), snapOf(t, b)) {
		t.Fatal("final snapshots differ")
	}
}

// TestControllerCorruptSnapshots: truncated, wrong kind or version,
// out-of-domain fields and wrong lengths are refused with ErrSnapshot, and
// the controller is unchanged.
func TestControllerCorruptSnapshots(t *testing.T) {
	c, _ := NewController(Config{MaxLength: 1000, History: 4})
	for i := 0; i < 3; i++ {
		_ = c.ObserveLength(10 * i)
	}
	good := snapOf(t, c)
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		_ = json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	state := func(m map[string]any) map[string]any { return m["state"].(map[string]any) }
	cases := map[string][]byte{
		"empty":     nil,
		"truncated": good[:len(good)/2],
		"garbage":   []byte("\x00\x01{"),
		"kind":      mutate(func(m map[string]any) { m["kind"] = "budget.Controller" }),
		"version":   mutate(func(m map[string]any) { m["version"] = 1 }),
		"negK1":     mutate(func(m map[string]any) { state(m)["k1"] = -1 }),
		"K2<K1":     mutate(func(m map[string]any) { state(m)["k2"] = 0; state(m)["k1"] = 5 }),
		"hugeK2":    mutate(func(m map[string]any) { state(m)["k2"] = 1e15 }),
		"negStep":   mutate(func(m map[string]any) { state(m)["step"] = -3 }),
		"lastRefit": mutate(func(m map[string]any) { state(m)["last_refit"] = 99 }),
		"negLength": mutate(func(m map[string]any) { state(m)["lengths"] = []int{-1} }),
		"bigLength": mutate(func(m map[string]any) { state(m)["lengths"] = []int{1001} }),
		"tooMany":   mutate(func(m map[string]any) { state(m)["lengths"] = []int{1, 2, 3, 4, 5} }),
		"NaNstep":   []byte(strings.Replace(string(good), `"step":0`, `"step":NaN`, 1)),
		"config":    mutate(func(m map[string]any) { m["config"].(map[string]any)["max_length"] = 999 }),
	}
	for name, data := range cases {
		if err := c.Restore(data); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: Restore = %v, want ErrSnapshot", name, err)
		}
		if !bytes.Equal(good, snapOf(t, c)) {
			t.Fatalf("%s: failed Restore changed the controller", name)
		}
	}
	_ = doc
}

func FuzzControllerRestore(f *testing.F) {
	c, _ := NewController(Config{MaxLength: 500, History: 8})
	_ = c.ObserveLength(3)
	good, _ := c.Snapshot()
	f.Add(good)
	f.Add([]byte(`{"kind":"stoprule.Controller","version":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _ := NewController(Config{MaxLength: 500, History: 8})
		before, _ := c.Snapshot()
		if err := c.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatal(err)
			}
			after, _ := c.Snapshot()
			if !bytes.Equal(before, after) {
				t.Fatal("failed Restore changed the controller")
			}
			return
		}
		// A restored controller works and snapshots again.
		if _, err := c.EndStep(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Snapshot(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestControllerConcurrent: the controller is shared by the rollouts of a
// run; run with -race.
func TestControllerConcurrent(t *testing.T) {
	c, _ := NewController(Config{MaxLength: 1000, History: 64})
	done := make(chan bool)
	for w := 0; w < 4; w++ {
		go func(w int) {
			for i := 0; i < 200; i++ {
				_ = c.ObserveLength((w*37 + i) % 1000)
				if i%20 == 0 {
					_, _ = c.EndStep()
				}
				r, _ := c.Rule(i, w, 0.5)
				_, _ = r.Next(" x", 0.9)
				_, _ = c.K()
				_, _ = c.Snapshot()
			}
			done <- true
		}(w)
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	if c.Step() != 40 {
		t.Fatalf("steps %d, want 40", c.Step())
	}
}
