package stoprule

import (
	"errors"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStopMarkers(t *testing.T) {
	math_, _ := Markers("math")
	code, _ := Markers("code")
	generic, _ := Markers("generic")
	cases := []struct {
		set  *MarkerSet
		text string
		want bool
	}{
		{math_, `so the answer is \boxed{42}.`, true},
		{math_, `\boxed{\frac{1}{2}}`, true},
		{math_, `\boxed{\sqrt{\frac{1}{2}}}`, true}, // two nesting levels
		{math_, `\boxed{\frac{1}{2}`, false},        // unclosed
		{math_, `\boxed{a{b{c{d}}}}`, false},        // three levels: no complete match
		{math_, `\boxed[7]`, true},
		{math_, "## Final Answer\n12", true},
		{math_, "Final answer: 12", true},
		{math_, "Final answer:   ", false},
		{math_, "Therefore, the answer is 3", true},
		{math_, "<answer>3</answer>", true},
		{math_, "let me think about the boxed value", false},
		{code, "```python\nprint(1)\n```", true},
		{code, "```\nx = 1\n```", true},
		{code, "```python\nprint(1)\n", false},
		{code, "done\n```", true},
		{code, `\boxed{1}`, false},
		{generic, "<final_answer>x</final_answer>", true},
		{generic, `\boxed{1}`, true},
		{generic, "the answer is probably", false},
	}
	for _, c := range cases {
		if got := c.set.Match([]byte(c.text)); got != c.want {
			t.Errorf("%s.Match(%q) = %v, want %v", c.set.Domain(), c.text, got, c.want)
		}
	}
	if _, err := Markers("chess"); !errors.Is(err, ErrInvalid) {
		t.Error("unknown domain accepted")
	}
	if _, err := CustomMarkers("x", "("); !errors.Is(err, ErrInvalid) {
		t.Error("bad regexp accepted")
	}
}

// feed feeds n tokens of text, returning the token index (1-based) at
// which the rule forced the end, or 0.
func feed(t *testing.T, r *Rule, n int, text func(i int) string, conf func(i int) float64) int {
	t.Helper()
	for i := 1; i <= n; i++ {
		force, err := r.Next(text(i), conf(i))
		if err != nil {
			t.Fatal(err)
		}
		if force {
			return i
		}
	}
	return 0
}

func testController(t *testing.T, cfg Config) *Controller {
	t.Helper()
	c, err := NewController(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStopRuleBranches(t *testing.T) {
	base := Config{MaxLength: 1000, EpsLen: -1} // K1 = 300, K2 = 700
	word := func(int) string { return " x" }
	withMarker := func(at int) func(int) string {
		return func(i int) string {
			if i == at {
				return ` \boxed{5}`
			}
			return " x"
		}
	}
	high := func(int) float64 { return 0.99 }

	// Floor and K1: a marker at token 100 is only searched for from K1 = 300
	// on, at multiples of 8; it is still among the last 256 tokens, so the
	// rule arms at 304 and fires after 5 passing tokens, at 308. A marker at
	// token 10 has left the 256-token window by then and is never seen.
	c := testController(t, base)
	r, _ := c.Rule(0, 0, 0.9)
	if got := feed(t, r, 1000, withMarker(10), high); r.Result().MarkerSeen || r.Result().Outcome == Fired {
		t.Fatalf("marker outside the window: fired at %d, %+v", got, r.Result())
	}
	r, _ = c.Rule(0, 0, 0.9)
	if got := feed(t, r, 1000, withMarker(100), high); got != 308 {
		t.Fatalf("fired at %d, want 308", got)
	}
	if res := r.Result(); res.Outcome != Fired || !res.MarkerSeen || res.Weight != 1 {
		t.Fatalf("result %+v", res)
	}

	// Hysteresis: the signal dips every 4th token, so 5 in a row only
	// happens once the dips stop: 497 … 501.
	r, _ = c.Rule(0, 1, 0.9)
	dips := func(i int) float64 {
		if i < 500 && i%4 == 0 {
			return 0.1
		}
		return 0.95
	}
	if got := feed(t, r, 1000, withMarker(350), dips); got != 501 {
		t.Fatalf("hysteresis: fired at %d, want 501", got)
	}

	// Abort: no marker by K2 + Grace = 850; AbortEps 0 always aborts.
	cfg := base
	cfg.AbortEps = -1
	c = testController(t, cfg)
	r, _ = c.Rule(0, 0, 0.9)
	if got := feed(t, r, 1000, word, high); got != 850 {
		t.Fatalf("abort at %d, want 850", got)
	}
	if res := r.Result(); res.Outcome != Aborted || res.Weight != 0 {
		t.Fatalf("abort result %+v", res)
	}

	// ε-keep: AbortEps 1 always keeps, weight 1/1, and never fires later.
	cfg.AbortEps = 1
	c = testController(t, cfg)
	r, _ = c.Rule(0, 0, 0.9)
	if got := feed(t, r, 1000, word, high); got != 0 {
		t.Fatalf("ε-kept rollout forced at %d", got)
	}
	if res := r.Result(); res.Outcome != EpsKept || res.Weight != 1 || res.Tokens != 1000 {
		t.Fatalf("ε-keep result %+v", res)
	}

	// A late marker inside the grace window still arms the rule.
	c = testController(t, base)
	r, _ = c.Rule(0, 0, 0.9)
	if got := feed(t, r, 1000, withMarker(760), high); got != 764 {
		t.Fatalf("late marker: fired at %d, want 764", got)
	}

	// Entropy stops when the signal is below the threshold.
	cfg = base
	cfg.Signal = Entropy
	c = testController(t, cfg)
	r, _ = c.Rule(0, 0, 0.5)
	low := func(int) float64 { return 0.1 }
	if got := feed(t, r, 1000, withMarker(300), low); got != 304+4 {
		t.Fatalf("entropy: fired at %d, want 308", got)
	}
}

func TestStopRuleProbabilities(t *testing.T) {
	// Abort with probability 1 − 0.05; weight 1/0.05 when kept.
	c := testController(t, Config{MaxLength: 400, MinTokens: 10, Window: 32, Seed: 3})
	const n = 3000
	sd := math.Sqrt(n * 0.05 * 0.95)
	kept := 0
	for i := range n {
		r, _ := c.Rule(1, i, 0.9)
		for k := 0; k < 600; k++ { // K2 + Grace = 280 + 150
			if force, _ := r.Next(" y", 0.5); force {
				break
			}
		}
		res := r.Result()
		switch res.Outcome {
		case EpsKept:
			kept++
			if res.Weight != 20 {
				t.Fatalf("ε-kept weight %v", res.Weight)
			}
		case Aborted:
		default:
			t.Fatalf("outcome %v", res.Outcome)
		}
	}
	if math.Abs(float64(kept)-0.05*n) > 5*sd {
		t.Fatalf("kept %d of %d, want about %v", kept, n, 0.05*n)
	}
	// ε_len skips a firing with probability 0.05: the first firing attempt
	// (after 5 passing tokens) succeeds for about 95% of rollouts, and a
	// skipped one fires on the next token.
	c = testController(t, Config{MaxLength: 400, MinTokens: 10, Window: 32, Seed: 4})
	first := 0
	for i := range n {
		r, _ := c.Rule(2, i, 0.5)
		at := 0
		for k := 1; k <= 400 && at == 0; k++ {
			text := " y"
			if k == 119 {
				text = `\boxed{1}`
			}
			if force, _ := r.Next(text, 0.9); force {
				at = k
			}
		}
		if at == 124 {
			first++
		} else if at <= 124 {
			t.Fatalf("fired at %d before hysteresis", at)
		}
	}
	if math.Abs(float64(first)-0.95*n) > 5*sd {
		t.Fatalf("first attempts fired %d of %d, want about %v", first, n, 0.95*n)
	}
	// Determinism: the same (seed, step, index) gives the same decisions.
	a, _ := c.Rule(9, 9, 0.5)
	b, _ := c.Rule(9, 9, 0.5)
	for k := 0; k < 400; k++ {
		fa, _ := a.Next(" y", 0.99)
		fb, _ := b.Next(" y", 0.99)
		if fa != fb {
			t.Fatal("same stream, different decisions")
		}
	}
}

// numpyPercentile is numpy.percentile's default, written from its
// definition: the value at virtual index (n−1)·q/100 of the sorted data,
// interpolating linearly between neighbours.
func numpyPercentile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	h := float64(len(s)-1) * (q / 100)
	i := int(h)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	g, d := h-float64(i), s[i+1]-s[i]
	if g >= 0.5 { // numpy's _lerp, from the upper neighbour when t ≥ ½
		return s[i+1] - d*(1-g)
	}
	return s[i] + d*g
}

func TestStopControllerRefit(t *testing.T) {
	c := testController(t, Config{MaxLength: 4096, History: 100})
	if k1, k2 := c.K(); k1 != 1228 || k2 != 2867 {
		t.Fatalf("initial K = %d, %d; want 1228, 2867", k1, k2)
	}
	var all []float64
	for step := 1; step <= 30; step++ {
		for i := 0; i < 7; i++ {
			l := 100 + (step*37+i*101)%900
			all = append(all, float64(l))
			_ = c.ObserveLength(l)
		}
		refit, _ := c.EndStep()
		if refit != (step%10 == 9) { // the reference's cadence: 9, 19, 29
			t.Fatalf("step %d: refit %v", step, refit)
		}
		if !refit {
			continue
		}
		last := all[max(0, len(all)-100):]
		k1 := max(int(numpyPercentile(last, 30)), 32)
		k2 := max(int(numpyPercentile(last, 80)), k1+50)
		if g1, g2 := c.K(); g1 != k1 || g2 != k2 {
			t.Fatalf("step %d: K = %d, %d; want %d, %d", step, g1, g2, k1, k2)
		}
	}
	// Too few samples: no refit; K2 ≥ K1 + 50 even when lengths are equal.
	c = testController(t, Config{MaxLength: 4096})
	for i := 0; i < 31; i++ {
		_ = c.ObserveLength(10)
	}
	for i := 0; i < 10; i++ {
		_, _ = c.EndStep()
	}
	if k1, _ := c.K(); k1 != 1228 {
		t.Fatal("refitted with 31 samples")
	}
	_ = c.ObserveLength(10)
	if refit, _ := c.EndStep(); !refit { // deferred refit happens as soon as possible
		t.Fatal("deferred refit did not happen at step 11")
	}
	if k1, k2 := c.K(); k1 != 32 || k2 != 82 {
		t.Fatalf("floors: K = %d, %d; want 32, 82", k1, k2)
	}
}

func TestStopThresholds(t *testing.T) {
	c := testController(t, Config{MaxLength: 100})
	// Rates s²/L: 0.01, 0.04, 0.0025 (L clamped to 1 for the last: 4).
	th, err := c.Thresholds([]float64{1, 2, 0.5, 2}, []float64{100, 100, 100, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Ranks: 0.0025 → 0, 0.01 → 1, 0.04 → 2, 4 → 3 over [0.5, 0.99].
	want := []float64{0.5 + 0.49/3, 0.5 + 0.49*2/3, 0.5, 0.99}
	if !cmp.Equal(th, want, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })) {
		t.Fatalf("thresholds %v, want %v", th, want)
	}
	one, _ := c.Thresholds([]float64{1}, []float64{1})
	if one[0] != 0.745 {
		t.Fatalf("single prompt: %v", one)
	}
	if _, err := c.Thresholds([]float64{1}, []float64{1, 2}); !errors.Is(err, ErrInvalid) {
		t.Fatal("mismatch accepted")
	}
}

func TestStopConfidence(t *testing.T) {
	logits := []float64{2, 1, 0.5, -1, math.Inf(-1)}
	var z float64
	p := make([]float64, len(logits))
	for i, x := range logits {
		p[i] = math.Exp(x)
		z += p[i]
	}
	var h float64
	for i := range p {
		p[i] /= z
		if p[i] > 0 {
			h -= p[i] * math.Log(p[i])
		}
	}
	for _, c := range []struct {
		s    Signal
		want float64
	}{{Margin, p[0] - p[1]}, {MaxProb, p[0]}, {Entropy, h}} {
		got, err := Confidence(c.s, logits)
		if err != nil || math.Abs(got-c.want) > 1e-14 {
			t.Errorf("signal %d: %v, %v; want %v", c.s, got, err, c.want)
		}
	}
	if _, err := Confidence(Margin, []float64{math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Error("NaN logit accepted")
	}
}

func TestStopSnapshotAndBadInput(t *testing.T) {
	c := testController(t, Config{MaxLength: 2000, History: 50})
	for i := 0; i < 70; i++ {
		_ = c.ObserveLength(i * 13)
	}
	for i := 0; i < 10; i++ {
		c.EndStep()
	}
	data, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	d := testController(t, Config{MaxLength: 2000, History: 50})
	if err := d.Restore(data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 15; i++ {
		_ = c.ObserveLength(i * 7)
		_ = d.ObserveLength(i * 7)
		c.EndStep()
		d.EndStep()
	}
	s1, _ := c.Snapshot()
	s2, _ := d.Snapshot()
	if string(s1) != string(s2) {
		t.Fatal("restored controller diverged")
	}
	other := testController(t, Config{MaxLength: 1000})
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("config mismatch: %v", err)
	}
	for _, cfg := range []Config{{}, {MaxLength: -1}, {MaxLength: 10, MinTokens: 20}, {MaxLength: 10, EpsLen: 1},
		{MaxLength: 10, K1Frac: 0.8, K2Frac: 0.5}, {MaxLength: 10, Domain: "poetry"}, {MaxLength: 10, Signal: 7}} {
		if _, err := NewController(cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewController(%+v) = %v", cfg, err)
		}
	}
	if err := c.ObserveLength(-1); !errors.Is(err, ErrInvalid) {
		t.Error("negative length accepted")
	}
	if _, err := c.Rule(0, 0, math.NaN()); !errors.Is(err, ErrInvalid) {
		t.Error("NaN threshold accepted")
	}
	r, _ := c.Rule(0, 0, 0.5)
	if _, err := r.Next("x", math.NaN()); !errors.Is(err, ErrInvalid) || r.Result().Tokens != 0 {
		t.Error("NaN confidence accepted or counted")
	}
}

func TestStopWindowKeepsRecentText(t *testing.T) {
	c := testController(t, Config{MaxLength: 100, Window: 16})
	r, _ := c.Rule(0, 0, 0.5)
	var all []string
	for i := range 100 {
		s := strings.Repeat(string(rune('a'+i%26)), 1+i%7)
		all = append(all, s)
		_, _ = r.Next(s, 0)
		want := strings.Join(all[max(0, len(all)-16):], "")
		if got := string(r.buf[r.start:]); got != want {
			t.Fatalf("after %d tokens: window %q, want the last 16 tokens %q", i+1, got, want)
		}
	}
}

func FuzzStopMarkers(f *testing.F) {
	f.Add(`\boxed{\frac{1}{2}}`)
	f.Add("```go\nx\n```")
	f.Add("Final answer = 3")
	f.Add("\n```")
	f.Fuzz(func(t *testing.T, text string) {
		for _, d := range []string{"math", "code", "generic"} {
			m, _ := Markers(d)
			// The literal prefilter never changes the answer.
			if got, want := m.Match([]byte(text)), m.re.Match([]byte(text)); got != want {
				t.Fatalf("%s: Match(%q) = %v, regexp says %v", d, text, got, want)
			}
		}
	})
}

func FuzzStopRule(f *testing.F) {
	f.Add("tok", 0.5, 0.9, uint16(300))
	f.Fuzz(func(t *testing.T, text string, conf, threshold float64, n uint16) {
		c, _ := NewController(Config{MaxLength: 500, MinTokens: 5, Window: 32})
		r, err := c.Rule(0, 0, threshold)
		if err != nil {
			return
		}
		for i := 0; i < int(n%600); i++ {
			if _, err := r.Next(text, conf); err != nil {
				return
			}
		}
		if w := r.Result().Weight; w < 0 || math.IsNaN(w) {
			t.Fatalf("weight %v", w)
		}
	})
}

var sink bool

func BenchmarkStopRuleToken(b *testing.B) {
	// Before K1 no regex check is due: the amortised per-token cost.
	c, _ := NewController(Config{MaxLength: 1 << 30})
	r, _ := c.Rule(0, 0, 0.9)
	b.ReportAllocs()
	for b.Loop() {
		f, _ := r.Next(" token", 0.5)
		sink = f
	}
}

func BenchmarkStopRuleTokenChecking(b *testing.B) {
	// From K1 on, a marker search every 8 tokens over the last 256 tokens.
	c, _ := NewController(Config{MaxLength: 1 << 30, K1Frac: 1e-9, K2Frac: 1})
	r, _ := c.Rule(0, 0, 0.9)
	b.ReportAllocs()
	for b.Loop() {
		f, _ := r.Next(" token", 0.5)
		sink = f
	}
}
