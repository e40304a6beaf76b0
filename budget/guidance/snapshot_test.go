package guidance

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGuideAndForcingContinuation: snapshot mid-decode, restore into fresh
// objects, continue both with the same logits and tokens: every step's
// rewritten logits and the final snapshots are bit-identical.
func TestGuideAndForcingContinuation(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const vocab = 16
	g, _ := NewGuide(40, 3, Config{HardCap: true, CapSlack: 5})
	f, _ := NewForcing(40, 3)
	head := randHead(rng, vocab, 4)
	params := make([]Gamma, vocab)
	cands := make([]int, vocab)
	for i := range cands {
		cands[i] = i
	}
	step := func(g *Guide, f *Forcing, logits []float64, feats []float32, tok int) ([]float64, []float64) {
		l1 := append([]float64(nil), logits...)
		l2 := append([]float64(nil), logits...)
		if g.Due() {
			_ = head.ScoreAll(feats, params)
		}
		if _, err := g.Apply(l1, cands, params); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Apply(l2); err != nil {
			t.Fatal(err)
		}
		_ = g.Advance(Token{ID: tok, Newline: tok%5 == 0})
		_ = f.Advance(Token{ID: tok})
		return l1, l2
	}
	type in struct {
		logits []float64
		feats  []float32
		tok    int
	}
	inputs := make([]in, 120)
	for i := range inputs {
		l := make([]float64, vocab)
		for j := range l {
			l[j] = rng.NormFloat64()
		}
		inputs[i] = in{l, []float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()), 1, -1}, 4 + rng.IntN(vocab-4)}
	}
	for _, x := range inputs[:30] {
		step(g, f, x.logits, x.feats, x.tok)
	}
	gs, _ := g.Snapshot()
	fs, _ := f.Snapshot()
	g2, _ := NewGuide(40, 3, Config{HardCap: true, CapSlack: 5})
	f2, _ := NewForcing(40, 3)
	if err := g2.Restore(gs); err != nil {
		t.Fatal(err)
	}
	if err := f2.Restore(fs); err != nil {
		t.Fatal(err)
	}
	for i, x := range inputs[30:] {
		a1, a2 := step(g, f, x.logits, x.feats, x.tok)
		b1, b2 := step(g2, f2, x.logits, x.feats, x.tok)
		if !equalFloats(a1, b1) || !equalFloats(a2, b2) {
			t.Fatalf("step %d diverged", 30+i)
		}
	}
	if !bytes.Equal(snap(g), snap(g2)) || !bytes.Equal(snap(f), snap(f2)) {
		t.Fatal("final snapshots differ")
	}
}

// TestCorruptGuideSnapshots: truncated, wrong kind, version or
// configuration and out-of-domain fields are refused with ErrSnapshot, and
// nothing changes.
func TestCorruptGuideSnapshots(t *testing.T) {
	g, _ := NewGuide(40, 3, Config{})
	_ = g.Advance(Token{ID: 1, Newline: true})
	f, _ := NewForcing(40, 3)
	_ = f.Advance(Token{ID: 1})
	for _, obj := range []interface {
		Snapshot() ([]byte, error)
		Restore([]byte) error
	}{g, f} {
		good := snap(obj)
		mutate := func(fn func(m map[string]any)) []byte {
			var m map[string]any
			_ = json.Unmarshal(good, &m)
			fn(m)
			b, _ := json.Marshal(m)
			return b
		}
		st := func(m map[string]any) map[string]any { return m["state"].(map[string]any) }
		for name, data := range map[string][]byte{
			"empty":      nil,
			"truncated":  good[:len(good)-3],
			"kind":       mutate(func(m map[string]any) { m["kind"] = "guidance.Other" }),
			"version":    mutate(func(m map[string]any) { m["version"] = 99 }),
			"negT":       mutate(func(m map[string]any) { st(m)["t"] = -1 }),
			"hugeT":      mutate(func(m map[string]any) { st(m)["t"] = 1e18 }),
			"config":     mutate(func(m map[string]any) { m["config"].(map[string]any)["budget"] = 41 }),
			"difficulty": []byte(strings.Replace(string(good), `"difficulty":0`, `"difficulty":-5`, 1)),
		} {
			err := obj.Restore(data)
			if name == "difficulty" && !bytes.Contains(good, []byte(`"difficulty":0`)) {
				continue // Forcing has no difficulty
			}
			if !errors.Is(err, ErrSnapshot) {
				t.Errorf("%T %s: %v", obj, name, err)
			}
			if !bytes.Equal(good, snap(obj)) {
				t.Fatalf("%T %s: failed Restore changed state", obj, name)
			}
		}
	}
}
