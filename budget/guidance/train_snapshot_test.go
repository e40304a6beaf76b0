package guidance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestTrainerSnapshotContinuation: train, snapshot, restore into a fresh
// trainer over a fresh head, continue both on the same examples: the heads
// and snapshots are bit-identical.
func TestTrainerSnapshotContinuation(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var ex []TrainExample
	for i := 0; i < 200; i++ {
		ex = append(ex, TrainExample{Features: []float32{float32(rng.NormFloat64()), 1, float32(rng.NormFloat64())}, Token: rng.IntN(6), Remaining: 1 + float64(rng.IntN(300))})
	}
	cfg := TrainerConfig{LearningRate: 0.05, BatchSize: 16, Seed: 3}
	h1, _ := NewHead(6, 3)
	t1, _ := NewTrainer(h1, cfg)
	if _, err := t1.Fit(context.Background(), ex); err != nil {
		t.Fatal(err)
	}
	data, err := t1.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := NewHead(6, 3)
	t2, _ := NewTrainer(h2, cfg)
	if err := t2.Restore(data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := t1.Fit(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
		if _, err := t2.Fit(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
	}
	a1, r1 := h1.Weights()
	a2, r2 := h2.Weights()
	if !equal32(a1, a2) || !equal32(r1, r2) {
		t.Fatal("heads diverged after restore")
	}
	s1, _ := t1.Snapshot()
	s2, _ := t2.Snapshot()
	if !bytes.Equal(s1, s2) {
		t.Fatal("snapshots diverged")
	}
	// Corrupted snapshots are refused and change nothing.
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		_ = json.Unmarshal(s1, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	rows := func(m map[string]any) []any { return m["state"].(map[string]any)["rows"].([]any) }
	for name, bad := range map[string][]byte{
		"truncated": s1[:len(s1)/2],
		"step":      mutate(func(m map[string]any) { m["state"].(map[string]any)["step"] = -1 }),
		"token":     mutate(func(m map[string]any) { rows(m)[0].(map[string]any)["token"] = 99 }),
		"order":     mutate(func(m map[string]any) { rows(m)[1].(map[string]any)["token"] = 0 }),
		"length":    mutate(func(m map[string]any) { rows(m)[0].(map[string]any)["wa"] = []float64{1} }),
		"negVar":    mutate(func(m map[string]any) { rows(m)[0].(map[string]any)["va"] = []float64{-1, 0, 0} }),
		"huge":      mutate(func(m map[string]any) { rows(m)[0].(map[string]any)["wl"] = []float64{1e39, 0, 0} }),
		"config":    mutate(func(m map[string]any) { m["config"].(map[string]any)["Dim"] = 4 }),
	} {
		if err := t2.Restore(bad); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: %v", name, err)
		}
		if s, _ := t2.Snapshot(); !bytes.Equal(s, s2) {
			t.Fatalf("%s: failed Restore changed the trainer", name)
		}
	}
	var zero Trainer
	if _, err := zero.Snapshot(); !errors.Is(err, ErrInvalid) {
		t.Error("zero Trainer Snapshot")
	}
	if err := zero.Restore(s1); !errors.Is(err, ErrInvalid) {
		t.Error("zero Trainer Restore")
	}
}

func FuzzTrainerRestore(f *testing.F) {
	h, _ := NewHead(3, 2)
	tr, _ := NewTrainer(h, TrainerConfig{})
	_, _ = tr.Fit(context.Background(), []TrainExample{{Features: []float32{1, 2}, Token: 1, Remaining: 4}})
	good, _ := tr.Snapshot()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _ := NewHead(3, 2)
		tr, _ := NewTrainer(h, TrainerConfig{})
		before, _ := tr.Snapshot()
		if err := tr.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatal(err)
			}
			if after, _ := tr.Snapshot(); !bytes.Equal(before, after) {
				t.Fatal("failed Restore changed the trainer")
			}
			return
		}
		headFinite(t, h)
	})
}
