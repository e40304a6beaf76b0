package estimate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func trackerMust(t testing.TB, cfg TrackerConfig) *Tracker {
	t.Helper()
	tr, err := NewTracker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTrackerPosterior(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{PriorAlpha: 2, PriorBeta: 3})
	if a, b, err := tr.Posterior("x"); a != 2 || b != 3 || err != nil {
		t.Fatalf("unknown id: Posterior = %v, %v, %v; want the prior 2, 3, nil", a, b, err)
	}
	if p, ok := tr.Estimate("x"); ok || p != 0.4 {
		t.Fatalf("unknown Estimate = %v, %v; want prior mean 0.4, false", p, ok)
	}
	_ = tr.Observe("x", 3, 8)
	_ = tr.ObserveRewards("x", []float64{1, 0.2, 0.9, 0.5}, 0.5)
	a, b, err := tr.Posterior("x")
	// α = 2 + 3 + 3, β = 3 + 5 + 1.
	if err != nil || a != 8 || b != 9 {
		t.Fatalf("Posterior = %v, %v, %v; want 8, 9", a, b, err)
	}
	if p, ok := tr.Estimate("x"); !ok || p != 8.0/17 {
		t.Fatalf("Estimate = %v, %v", p, ok)
	}
}

func TestTrackerDecay(t *testing.T) {
	// After k observations of (s, n) with decay λ, the posterior is
	// α_k = a₀ + (s)(1−λᵏ)/(1−λ) (and β likewise), a geometric sum.
	const lambda, a0, b0 = 0.9, 1.0, 1.0
	tr := trackerMust(t, TrackerConfig{Decay: lambda})
	for k := 1; k <= 30; k++ {
		_ = tr.Observe("p", 2, 5)
		a, b, _ := tr.Posterior("p")
		geo := (1 - math.Pow(lambda, float64(k))) / (1 - lambda)
		if math.Abs(a-(a0+2*geo)) > 1e-12 || math.Abs(b-(b0+3*geo)) > 1e-12 {
			t.Fatalf("k=%d: Beta(%v, %v), want Beta(%v, %v)", k, a, b, a0+2*geo, b0+3*geo)
		}
	}
}

func TestTrackerWindow(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{Window: 4, MinObservations: 3})
	_ = tr.ObserveRewards("p", []float64{1, 1}, 1)
	if p, ok := tr.Estimate("p"); ok || p != 1 {
		t.Fatalf("2 of 3 needed: %v, %v", p, ok)
	}
	_ = tr.ObserveRewards("p", []float64{0, 0, 0}, 1) // window now 1 0 0 0
	if p, ok := tr.Estimate("p"); !ok || p != 0.25 {
		t.Fatalf("window mean = %v, %v; want 0.25", p, ok)
	}
	// A batch larger than the window keeps an even spread: 2 of 8 → 1 of 4.
	_ = tr.Observe("q", 2, 8)
	if p, _ := tr.Estimate("q"); p != 0.25 {
		t.Fatalf("spread batch: %v", p)
	}
	// The posterior still counts everything.
	if a, b, _ := tr.Posterior("p"); a != 3 || b != 4 {
		t.Fatalf("posterior Beta(%v, %v)", a, b)
	}
}

func TestTrackerLRU(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{MaxPrompts: 3, Shards: 1})
	for _, id := range []string{"a", "b", "c"} {
		_ = tr.Observe(id, 1, 1)
	}
	_ = tr.Observe("a", 0, 1) // a is now most recent; b is oldest
	_ = tr.Observe("d", 1, 2) // evicts b
	if _, valid := tr.Estimate("b"); valid {
		t.Fatal("b should be evicted")
	}
	for _, id := range []string{"a", "c", "d"} {
		if _, valid := tr.Estimate(id); !valid {
			t.Fatalf("%s evicted", id)
		}
	}
	if tr.Len() != 3 {
		t.Fatalf("Len = %d", tr.Len())
	}
}

func TestTrackerSnapshotContinues(t *testing.T) {
	cfg := TrackerConfig{Window: 16, MinObservations: 8, Decay: 0.97, MaxPrompts: 40, Shards: 4}
	a, b := trackerMust(t, cfg), trackerMust(t, cfg)
	r := rand.New(rand.NewPCG(1, 2))
	step := func(tr *Tracker, r *rand.Rand) {
		id := fmt.Sprintf("p%d", r.IntN(60))
		k := r.IntN(9)
		_ = tr.Observe(id, r.IntN(k+1), k)
	}
	for i := 0; i < 500; i++ {
		step(a, r)
	}
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	ra, rb := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		step(a, ra)
		step(b, rb)
	}
	sa, _ := a.Snapshot()
	sb, _ := b.Snapshot()
	if diff := cmp.Diff(string(sa), string(sb)); diff != "" {
		t.Fatalf("restored tracker diverged:\n%s", diff)
	}
	// A snapshot of another configuration is refused and leaves b intact.
	other := trackerMust(t, TrackerConfig{Window: 8})
	if err := other.Restore(data); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("config mismatch: %v", err)
	}
	if err := b.Restore([]byte(`{"kind":"estimate.Tracker"`)); !errors.Is(err, ErrSnapshot) {
		t.Fatalf("corrupt: %v", err)
	}
	if sb2, _ := b.Snapshot(); string(sb2) != string(sb) {
		t.Fatal("failed Restore changed the tracker")
	}
}

func TestTrackerBadInput(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{})
	for name, err := range map[string]error{
		"empty id":    tr.Observe("", 1, 1),
		"negative":    tr.Observe("x", -1, 1),
		"s > k":       tr.Observe("x", 3, 2),
		"NaN reward":  tr.ObserveRewards("x", []float64{1, math.NaN()}, 0.5),
		"NaN thresh":  tr.ObserveRewards("x", []float64{1}, math.NaN()),
		"empty id rw": tr.ObserveRewards("", []float64{1}, 0.5),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if tr.Len() != 0 {
		t.Fatal("failed calls recorded state")
	}
	for _, cfg := range []TrackerConfig{{PriorAlpha: -1}, {PriorBeta: math.NaN()}, {Decay: 1.5}, {Window: -1},
		{Window: 4, MinObservations: 5}, {MaxPrompts: -1}, {Shards: -2}} {
		if _, err := NewTracker(cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewTracker(%+v) err = %v", cfg, err)
		}
	}
}

func TestTrackerConcurrent(t *testing.T) {
	tr := trackerMust(t, TrackerConfig{Window: 16, MaxPrompts: 100})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 2000; i++ {
				id := fmt.Sprintf("p%d", r.IntN(150))
				switch r.IntN(4) {
				case 0:
					_, _ = tr.Estimate(id)
				case 1:
					_, _, _ = tr.Posterior(id)
				case 2:
					if i%500 == 0 {
						data, err := tr.Snapshot()
						if err != nil {
							t.Error(err)
							return
						}
						_ = data
					}
				default:
					_ = tr.Observe(id, r.IntN(3), 2)
				}
			}
		}(g)
	}
	wg.Wait()
	if n := tr.Len(); n > 16*7 {
		t.Fatalf("Len = %d above the sharded cap", n)
	}
}

func FuzzTrackerRestore(f *testing.F) {
	tr, _ := NewTracker(TrackerConfig{Window: 4, Shards: 2})
	_ = tr.Observe("a", 2, 3)
	data, _ := tr.Snapshot()
	f.Add(data)
	f.Add([]byte(`{"kind":"estimate.Tracker","version":1,"config":{},"state":{"shards":[[{"id":"x","alpha":1,"beta":1,"trials":0,"window":"12"}],[]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, _ := NewTracker(TrackerConfig{Window: 4, Shards: 2})
		if err := tr.Restore(data); err != nil {
			return
		}
		// A restored tracker keeps working.
		_ = tr.Observe("a", 1, 2)
		if _, err := tr.Snapshot(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzTrackerObserve(f *testing.F) {
	f.Add("p", 1, 2, 0.5, 1.0)
	f.Fuzz(func(t *testing.T, id string, s, k int, r, th float64) {
		tr, _ := NewTracker(TrackerConfig{Window: 3, Decay: 0.5})
		if k > 1e6 {
			return
		}
		err1 := tr.Observe(id, s, k)
		err2 := tr.ObserveRewards(id, []float64{r, r}, th)
		if err1 != nil && err2 != nil && tr.Len() != 0 {
			t.Fatal("failed calls left state")
		}
		if p, ok := tr.Estimate(id); ok && !(p >= 0 && p <= 1) {
			t.Fatalf("estimate %v", p)
		}
	})
}

var trackerSink float64

func BenchmarkTrackerObserve(b *testing.B) {
	tr := trackerMust(b, TrackerConfig{Window: 16, MinObservations: 8})
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprintf("prompt-%d", i)
		_ = tr.Observe(ids[i], 1, 2)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = tr.Observe(ids[i&1023], 3, 8)
		i++
	}
	p, _ := tr.Estimate(ids[0])
	trackerSink = p
}

func BenchmarkTrackerObserveParallel(b *testing.B) {
	tr := trackerMust(b, TrackerConfig{Window: 16})
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprintf("prompt-%d", i)
		_ = tr.Observe(ids[i], 1, 2)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = tr.Observe(ids[i&1023], 1, 1)
			i += 7
		}
	})
}

// TestTrackerZeroValue checks that the zero Tracker works with the default
// configuration (Observe used to panic on it).
func TestTrackerZeroValue(t *testing.T) {
	var tr Tracker
	if a, b, err := tr.Posterior("x"); a != 1 || b != 1 || err != nil {
		t.Fatalf("zero Tracker Posterior = %v, %v, %v; want the prior 1, 1", a, b, err)
	}
	if err := tr.Observe("x", 2, 3); err != nil {
		t.Fatal(err)
	}
	if a, b, _ := tr.Posterior("x"); a != 3 || b != 2 {
		t.Fatalf("Posterior = %v, %v; want 3, 2", a, b)
	}
	want, _ := NewTracker(TrackerConfig{})
	if diff := cmp.Diff(want.Config(), tr.Config()); diff != "" {
		t.Errorf("zero Tracker config differs from the default (-want +got):\n%s", diff)
	}
	data, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var other Tracker
	if err := other.Restore(data); err != nil {
		t.Fatal(err)
	}
	if other.Len() != 1 {
		t.Errorf("Len = %d", other.Len())
	}
}
