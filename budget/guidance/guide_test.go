package guidance

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func must(t testing.TB, budget int, cfg Config) *Guide {
	t.Helper()
	g, err := NewGuide(budget, 7, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGuideHandComputedWeights checks the weights and masks on candidates
// whose CDF values were computed with mpmath (P(α, λ·log 21), budget 20).
func TestGuideHandComputedWeights(t *testing.T) {
	t.Parallel()
	g := must(t, 20, Config{})
	cands := []int{0, 1, 2, 3, 4, 5}
	params := []Gamma{
		{30, 12},  // w = 0.88016677335694826
		{40, 12},  // w = 0.30448934971049461
		{30, 9.9}, // λ < 10: masked
		{1, 20},   // α = 1 (not > 1): masked
		{2, 20},   // exp(1/20) − 1 = 0.051 < 0.9: masked
		{12, 11},  // w = 0.99999379062762545 (exp(1/11·11)… mode 1 → e−1 ≥ 0.9)
	}
	want := []float64{0.88016677335694826, 0.30448934971049461, 0, 0, 0, 0.99999379062762545}
	for i, p := range params {
		if got := g.Weight(p); !gammaClose(got, want[i], 1e-12) {
			t.Errorf("Weight(%+v) = %v, want %v", p, got, want[i])
		}
	}
	logits := []float64{1, 2, 3, 4, 5, 0.5, 9, 10}
	step, err := g.Apply(logits, cands, params)
	if err != nil {
		t.Fatal(err)
	}
	inf := math.Inf(-1)
	wantLogits := []float64{1 + math.Log(want[0]), 2 + math.Log(want[1]), inf, inf, inf, 0.5 + math.Log(want[5]), inf, inf}
	for i := range wantLogits {
		if !gammaClose(logits[i], wantLogits[i], 1e-12) {
			t.Errorf("logits[%d] = %v, want %v", i, logits[i], wantLogits[i])
		}
	}
	if diff := cmp.Diff(Step{Guided: true, Kept: 3}, step); diff != "" {
		t.Errorf("step (-want +got):\n%s", diff)
	}
	// Pass-through policy leaves unscored tokens alone.
	g2 := must(t, 20, Config{Unscored: PassUnscored})
	logits = []float64{1, 2, 3, 4, 5, 0.5, 9, 10}
	if _, err := g2.Apply(logits, cands, params); err != nil {
		t.Fatal(err)
	}
	if logits[6] != 9 || logits[7] != 10 || !math.IsInf(logits[2], -1) {
		t.Errorf("pass-through logits = %v", logits)
	}
	// Disabled masks: a negative threshold turns the rate mask off.
	g3 := must(t, 20, Config{MinRate: -1})
	if w := g3.Weight(Gamma{30, 9.9}); !(w > 0) {
		t.Errorf("rate mask disabled, weight = %v", w)
	}
}

func TestGuideFallbackToArgmax(t *testing.T) {
	t.Parallel()
	g := must(t, 20, Config{})
	logits := []float64{1, 3, 2, 0}
	step, err := g.Apply(logits, []int{0, 2}, []Gamma{{1, 20}, {30, 5}})
	if err != nil {
		t.Fatal(err)
	}
	inf := math.Inf(-1)
	if diff := cmp.Diff([]float64{inf, 3, inf, inf}, logits); diff != "" {
		t.Errorf("fallback keeps only the raw argmax (-want +got):\n%s", diff)
	}
	if !step.Fallback {
		t.Error("step.Fallback = false")
	}
}

// TestGuideFloat32Underflow: P(260, 10·log 501) ≈ 7.2e-78 (mpmath) underflows
// float32, so the reference falls back to argmax; log space keeps the weight.
func TestGuideFloat32Underflow(t *testing.T) {
	t.Parallel()
	p := []Gamma{{260, 10}}
	g64 := must(t, 500, Config{})
	l64 := []float64{0, 1}
	s, err := g64.Apply(l64, []int{0}, p)
	if err != nil || s.Fallback {
		t.Fatalf("log64: step %+v, err %v", s, err)
	}
	if !gammaClose(l64[0], -177.620811468948, 1e-9) {
		t.Errorf("log-space weight: logit = %v, want ln w = −177.6208", l64[0])
	}
	g32 := must(t, 500, Config{Precision: Float32})
	l32 := []float64{0, 1}
	s, err = g32.Apply(l32, []int{0}, p)
	if err != nil || !s.Fallback {
		t.Fatalf("float32: step %+v, err %v", s, err)
	}
	if !math.IsInf(l32[0], -1) || l32[1] != 1 {
		t.Errorf("float32 logits = %v, want raw argmax only", l32)
	}
}

func TestGuideSchedule(t *testing.T) {
	t.Parallel()
	g := must(t, 100, Config{})
	type ev struct {
		tok     Token
		wantDue bool // Due() before this token
	}
	seq := []ev{
		{Token{ID: 1}, true}, // first thinking token
		{Token{ID: 2, Newline: true}, false},
		{Token{ID: 3}, true}, // after a newline
		{Token{ID: 4}, false},
		{Token{ID: 5, Newline: true}, false},
		{Token{ID: 7}, true}, // end of thinking (id 7)
		{Token{ID: 1, Newline: true}, false},
		{Token{ID: 2}, false}, // never again
	}
	for i, e := range seq {
		if got := g.Due(); got != e.wantDue {
			t.Errorf("step %d: Due() = %v, want %v", i, got, e.wantDue)
		}
		if err := g.Advance(e.tok); err != nil {
			t.Fatal(err)
		}
	}
	if !g.Done() || g.Thinking() != 6 {
		t.Errorf("Done = %v, Thinking = %d; want true, 6", g.Done(), g.Thinking())
	}
	every := must(t, 100, Config{Schedule: EveryToken})
	for i := 0; i < 5; i++ {
		if !every.Due() {
			t.Errorf("EveryToken step %d not due", i)
		}
		every.Advance(Token{ID: 1})
	}
	// Off-schedule Apply leaves logits alone.
	logits := []float64{1, 2}
	if s, err := g.Apply(logits, nil, nil); err != nil || s != (Step{}) || logits[0] != 1 {
		t.Errorf("Apply after end: %+v %v %v", s, err, logits)
	}
}

func TestGuideRemainingBudget(t *testing.T) {
	t.Parallel()
	g := must(t, 3, Config{})
	want := []int{3, 2, 1, 1, 1}
	for i, w := range want {
		if got := g.Remaining(); got != w {
			t.Errorf("t=%d: Remaining = %d, want %d", i, got, w)
		}
		g.Advance(Token{ID: 0})
	}
}

func TestGuideHardCapAndForcing(t *testing.T) {
	t.Parallel()
	g := must(t, 2, Config{HardCap: true, CapSlack: 1})
	inf := math.Inf(-1)
	for i := 0; i < 3; i++ {
		if g.Capped() {
			t.Fatalf("capped early at t=%d", i)
		}
		g.Advance(Token{ID: 0})
	}
	logits := make([]float64, 9)
	s, err := g.Apply(logits, nil, nil)
	if err != nil || !s.Forced {
		t.Fatalf("cap: %+v %v", s, err)
	}
	for i, z := range logits {
		if (i == 7) != (z != inf) {
			t.Errorf("logits[%d] = %v", i, z)
		}
	}
	f, err := NewForcing(2, 7)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		l := []float64{1, 2, 3, 4, 5, 6, 7, 8}
		if forced, _ := f.Apply(l); forced || l[0] != 1 {
			t.Fatalf("forced at t=%d", i)
		}
		f.Advance(Token{ID: 0})
	}
	l := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	if forced, err := f.Apply(l); !forced || err != nil || l[7] != 8 || l[0] != inf {
		t.Fatalf("Forcing at cap: %v %v %v", forced, err, l)
	}
	f.Advance(Token{ID: 7})
	if !f.Done() || f.Capped() {
		t.Error("Forcing must stop after end of thinking")
	}
	data, _ := f.Snapshot()
	f2, _ := NewForcing(2, 7)
	if err := f2.Restore(data); err != nil || f2.Thinking() != 3 || !f2.Done() {
		t.Errorf("Forcing restore: %v", err)
	}
}

func TestGuideBadInputLeavesStateUnchanged(t *testing.T) {
	t.Parallel()
	g := must(t, 20, Config{})
	good := []Gamma{{30, 12}, {40, 12}}
	cases := []struct {
		name   string
		logits []float64
		cands  []int
		params []Gamma
	}{
		{"NaN logit", []float64{math.NaN(), 0, 0}, []int{0, 1}, good},
		{"+Inf logit", []float64{math.Inf(1), 0, 0}, []int{0, 1}, good},
		{"empty logits", nil, []int{0, 1}, good},
		{"id out of range", []float64{0, 0, 0}, []int{0, 3}, good},
		{"negative id", []float64{0, 0, 0}, []int{-1, 1}, good},
		{"duplicate id", []float64{0, 0, 0}, []int{1, 1}, good},
		{"length mismatch", []float64{0, 0, 0}, []int{0}, good},
		{"no candidates", []float64{0, 0, 0}, nil, nil},
		{"bad gamma", []float64{0, 0, 0}, []int{0, 1}, []Gamma{{30, 12}, {math.NaN(), 1}}},
	}
	before, _ := g.Snapshot()
	for _, c := range cases {
		orig := slices.Clone(c.logits)
		if _, err := g.Apply(c.logits, c.cands, c.params); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
		}
		if !slices.EqualFunc(orig, c.logits, func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }) {
			t.Errorf("%s: logits modified", c.name)
		}
	}
	if err := g.Advance(Token{ID: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative token: %v", err)
	}
	after, _ := g.Snapshot()
	if string(before) != string(after) {
		t.Error("failed calls changed the guide's state")
	}
	if _, err := NewGuide(-1, 0, Config{}); !errors.Is(err, ErrInvalid) {
		t.Error("negative budget accepted")
	}
	if _, err := NewGuide(10, 0, Config{MinRate: math.NaN()}); !errors.Is(err, ErrInvalid) {
		t.Error("NaN threshold accepted")
	}
}

func TestGuideSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	g := must(t, 50, Config{})
	logits := []float64{0, 1, 2}
	if _, err := g.Apply(logits, []int{0, 1, 2}, []Gamma{{30, 12}, {40, 12}, {12, 11}}); err != nil {
		t.Fatal(err)
	}
	for _, nl := range []bool{false, true, false} {
		g.Advance(Token{ID: 1, Newline: nl})
	}
	data, err := g.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	h := must(t, 50, Config{})
	if err := h.Restore(data); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g.st, h.st); diff != "" {
		t.Errorf("restored state (-want +got):\n%s", diff)
	}
	d1, ok1 := g.Difficulty()
	d2, ok2 := h.Difficulty()
	if !ok1 || d1 != d2 || ok1 != ok2 {
		t.Errorf("difficulty %v/%v vs %v/%v", d1, ok1, d2, ok2)
	}
	other := must(t, 51, Config{})
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Errorf("budget mismatch: %v", err)
	}
	if err := h.Restore([]byte(`{"kind":`)); !errors.Is(err, ErrSnapshot) {
		t.Errorf("corrupt: %v", err)
	}
	if diff := cmp.Diff(g.st, h.st); diff != "" {
		t.Errorf("failed restore changed state:\n%s", diff)
	}
}

// randHead returns a head whose predictions straddle the masks.
func randHead(rng *rand.Rand, vocab, dim int) *Head {
	h, _ := NewHead(vocab, dim)
	a, r := h.Weights()
	for i := range a {
		a[i] = float32(rng.NormFloat64()*3 + 2)
		r[i] = float32(rng.NormFloat64()*3 + 3)
	}
	return h
}

// TestGuideGreedyMatchesFullVocabulary: the greedy shortcut picks exactly
// the argmax of full-vocabulary guidance.
func TestGuideGreedyMatchesFullVocabulary(t *testing.T) {
	t.Parallel()
	rng := randx.New(1)
	cases := 3000
	if testing.Short() {
		cases = 600
	}
	var scoredTotal, vocabTotal int
	for c := 0; c < cases; c++ {
		vocab := 2 + rng.IntN(60)
		dim := 1 + rng.IntN(6)
		head := randHead(rng, vocab, dim)
		feat := make([]float32, dim)
		for i := range feat {
			feat[i] = float32(rng.NormFloat64())
		}
		logits := make([]float64, vocab)
		for i := range logits {
			switch rng.IntN(10) {
			case 0:
				logits[i] = math.Inf(-1)
			case 1:
				logits[i] = 1 // ties
			default:
				logits[i] = rng.NormFloat64() * 3
			}
		}
		cfg := Config{}
		if rng.IntN(4) == 0 {
			cfg.Precision = Float32
		}
		g := must(t, 1+rng.IntN(2000), cfg)
		g.st.T = rng.IntN(2500)
		// full-vocabulary guidance
		all := make([]int, vocab)
		params := make([]Gamma, vocab)
		for i := range all {
			all[i] = i
		}
		if err := head.ScoreAll(feat, params); err != nil {
			t.Fatal(err)
		}
		full := slices.Clone(logits)
		if _, err := g.Apply(full, all, params); err != nil {
			t.Fatal(err)
		}
		want := argmax(full)
		got, scored, err := g.Greedy(logits, head, feat)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("case %d: Greedy = %d, full guidance argmax = %d (logits %v)", c, got, want, full)
		}
		scoredTotal += scored
		vocabTotal += vocab
	}
	t.Logf("greedy scored %d of %d candidates", scoredTotal, vocabTotal)
}

func TestGuideBatchMatchesSingle(t *testing.T) {
	const n, vocab = 3, 6
	b, err := NewBatch(n, 20, 5, Config{})
	if err != nil {
		t.Fatal(err)
	}
	slab := make([]float64, n*vocab)
	for i := range slab {
		slab[i] = float64(i % 5)
	}
	cands := [][]int{{0, 1}, {2, 3}, {4, 1}}
	params := [][]Gamma{{{30, 12}, {40, 12}}, {{30, 12}, {1, 1}}, {{12, 11}, {40, 12}}}
	want := slices.Clone(slab)
	for i := 0; i < n; i++ {
		g, _ := NewGuide(20, 5, Config{})
		if _, err := g.Apply(want[i*vocab:(i+1)*vocab], cands[i], params[i]); err != nil {
			t.Fatal(err)
		}
	}
	steps := make([]Step, n)
	if err := b.Apply(slab, vocab, cands, params, steps); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, slab); diff != "" {
		t.Errorf("batch (-single +batch):\n%s", diff)
	}
	// A bad row leaves every row untouched.
	slab2 := slices.Clone(slab)
	bad := [][]int{{0, 1}, {2, 99}, {4, 1}}
	if err := b.Apply(slab2, vocab, bad, params, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad row: %v", err)
	}
	if diff := cmp.Diff(slab, slab2); diff != "" {
		t.Error("failed batch Apply modified the slab")
	}
	allocs := testing.AllocsPerRun(50, func() {
		copy(slab2, slab)
		_ = b.Apply(slab2, vocab, cands, params, steps)
	})
	if allocs != 0 {
		t.Errorf("Batch.Apply allocates %v per call", allocs)
	}
	if err := b.Advance([]Token{{ID: 1}, {ID: 5}, {ID: 2, Newline: true}}); err != nil {
		t.Fatal(err)
	}
	due := make([]bool, n)
	b.Due(due)
	if diff := cmp.Diff([]bool{false, false, true}, due); diff != "" {
		t.Errorf("Due after Advance:\n%s", diff)
	}
}

// BenchmarkGuideGreedy runs the exact greedy shortcut over a 151,936-token
// vocabulary with d = 768 (the head holds α ≈ 30, λ ≈ 12 rows).
func BenchmarkGuideGreedy(b *testing.B) {
	if testing.Short() {
		b.Skip("allocates a 0.93 GB head")
	}
	const vocab, dim = 151936, 768
	rng := randx.New(8)
	h, _ := NewHead(vocab, dim)
	a, r := h.Weights()
	for i := range a {
		a[i] = 30.0 / dim
		r[i] = 12.0 / dim
	}
	feat := make([]float32, dim)
	for i := range feat {
		feat[i] = 1
	}
	logits := make([]float64, vocab)
	for i := range logits {
		logits[i] = 3 * rng.NormFloat64()
	}
	g, _ := NewGuide(500, 0, Config{Schedule: EveryToken})
	b.ReportAllocs()
	b.ResetTimer()
	var scored int
	for i := 0; i < b.N; i++ {
		_, s, err := g.Greedy(logits, h, feat)
		if err != nil {
			b.Fatal(err)
		}
		scored += s
	}
	b.ReportMetric(float64(scored)/float64(b.N), "scored/op")
}
