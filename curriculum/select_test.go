package curriculum_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/budgetkit/budgetkit/estimate"
	"github.com/google/go-cmp/cmp"
)

// The success-rate tracker plugs straight into pre-rollout selection.
var (
	_ curriculum.Predictor       = (*estimate.Tracker)(nil)
	_ curriculum.PosteriorSource = (*estimate.Tracker)(nil)
)

func TestBand(t *testing.T) {
	dapo := curriculum.Band{Low: 0, High: 1, Open: true}
	closed := curriculum.Band{Low: 0.3, High: 0.7}
	for _, c := range []struct {
		b    curriculum.Band
		p    float64
		want bool
	}{
		{dapo, 0, false}, {dapo, 1, false}, {dapo, 0.5, true}, {dapo, math.NaN(), false},
		{closed, 0.3, true}, {closed, 0.7, true}, {closed, 0.29, false},
	} {
		if got := c.b.Keep(c.p); got != c.want {
			t.Errorf("%+v.Keep(%v) = %v", c.b, c.p, got)
		}
	}
	idx, err := curriculum.TopKVariance([]float64{0.1, 0.5, 0.9, 0.4, 0.6}, 3)
	if err != nil || !cmp.Equal(idx, []int{1, 3, 4}) {
		t.Fatalf("TopKVariance = %v, %v", idx, err)
	}
	if _, err := curriculum.TopKVariance([]float64{1.5}, 1); !errors.Is(err, curriculum.ErrInvalid) {
		t.Fatal("p = 1.5 accepted")
	}
}

func TestSelectWithTracker(t *testing.T) {
	tr, _ := estimate.NewTracker(estimate.TrackerConfig{})
	_ = tr.Observe("easy", 9, 10)   // posterior mean 10/12
	_ = tr.Observe("medium", 5, 10) // 6/12 = 0.5
	_ = tr.Observe("hard", 1, 10)   // 2/12
	_ = tr.Observe("okay", 3, 10)   // 4/12
	ids := []string{"easy", "medium", "hard", "okay", "unseen"}
	got, err := curriculum.Select(ids, tr, curriculum.SelectConfig{B: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Distances to 0.5: medium 0, unseen 0 (Unknown = Target), okay 1/6, …
	if diff := cmp.Diff([]string{"medium", "unseen", "okay"}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	got, _ = curriculum.Select(ids, tr, curriculum.SelectConfig{B: 5, Band: &curriculum.Band{Low: 0.3, High: 0.7}, Unknown: 0.9})
	if diff := cmp.Diff([]string{"medium", "okay"}, got); diff != "" {
		t.Fatalf("band (-want +got):\n%s", diff)
	}
	// Thompson draws from the posterior.
	r := rand.New(rand.NewPCG(1, 2))
	pred, _ := curriculum.ThompsonPredictor(tr, r)
	var sum float64
	for i := 0; i < 4000; i++ {
		p, ok := pred.Estimate("hard")
		if !ok || p < 0 || p > 1 {
			t.Fatalf("draw %v", p)
		}
		sum += p
	}
	if math.Abs(sum/4000-2.0/12) > 0.01 {
		t.Fatalf("mean of Thompson draws %v, posterior mean %v", sum/4000, 2.0/12)
	}
	if _, err := curriculum.Select(ids, nil, curriculum.SelectConfig{B: 1}); !errors.Is(err, curriculum.ErrInvalid) {
		t.Fatal("nil predictor accepted")
	}
}

func TestStack(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	calls := 0
	next := func(context.Context) ([]float64, error) {
		calls++
		b := make([]float64, 8)
		for i := range b {
			b[i] = float64(r.IntN(5)) / 4 // pass rates 0, .25, .5, .75, 1
		}
		return b, nil
	}
	keep := curriculum.Band{Low: 0, High: 1, Open: true}.Keep
	got, rounds, err := curriculum.Stack(context.Background(), 20, 10, next, keep)
	if err != nil || len(got) != 20 || rounds != calls {
		t.Fatalf("Stack: %d items, %d rounds, %v", len(got), rounds, err)
	}
	for _, p := range got {
		if !keep(p) {
			t.Fatalf("kept %v", p)
		}
	}
	// The round cap returns what there is.
	got, rounds, err = curriculum.Stack(context.Background(), 1000, 2, next, keep)
	if err != nil || rounds != 2 || len(got) > 16 {
		t.Fatalf("capped: %d items, %d rounds, %v", len(got), rounds, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := curriculum.Stack(ctx, 5, 3, next, keep); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestPool(t *testing.T) {
	items := [][]string{{"a1", "a2", "a3"}, {}, {"c1", "c2"}}
	p, err := curriculum.NewPool(items, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	// An epoch visits every prompt once; the next epoch reshuffles.
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		id, from, err := p.Draw(0, nil)
		if err != nil || from != 0 {
			t.Fatal(err)
		}
		seen[id]++
	}
	if !cmp.Equal(seen, map[string]int{"a1": 2, "a2": 2, "a3": 2}) {
		t.Fatalf("two epochs drew %v", seen)
	}
	// An empty arm falls back to the next non-empty one, reported.
	if _, from, _ := p.Draw(1, nil); from != 2 {
		t.Fatalf("fallback from arm 1 went to %d", from)
	}
	// Snapshot mid-epoch; a restored pool continues identically.
	data, _ := p.Snapshot()
	q, _ := curriculum.NewPool(items, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 42})
	if err := q.Restore(data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		a, _, _ := p.Draw(i%3, nil)
		b, _, _ := q.Draw(i%3, nil)
		if a != b {
			t.Fatalf("draw %d: %s vs %s", i, a, b)
		}
	}
	other, _ := curriculum.NewPool(items, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 7})
	if err := other.Restore(data); !errors.Is(err, curriculum.ErrSnapshot) {
		t.Fatalf("seed mismatch: %v", err)
	}
	wr, _ := curriculum.NewPool(items, curriculum.PoolConfig{Seed: 1})
	if id, _, err := wr.Draw(2, rand.New(rand.NewPCG(1, 1))); err != nil || (id != "c1" && id != "c2") {
		t.Fatalf("with replacement: %q, %v", id, err)
	}
	if _, err := curriculum.NewPool([][]string{{}, {}}, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 1}); !errors.Is(err, curriculum.ErrInvalid) {
		t.Fatal("all-empty pool accepted")
	}
	if _, _, err := p.Draw(9, nil); !errors.Is(err, curriculum.ErrUnknownArm) {
		t.Fatal("arm 9 accepted")
	}
}

func FuzzPoolRestore(f *testing.F) {
	items := [][]string{{"a", "b", "c"}, {"d"}}
	p, _ := curriculum.NewPool(items, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 3})
	_, _, _ = p.Draw(0, nil)
	data, _ := p.Snapshot()
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := curriculum.NewPool(items, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 3})
		if err := p.Restore(data); err != nil {
			return
		}
		for i := 0; i < 8; i++ {
			if _, _, err := p.Draw(i%2, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}
