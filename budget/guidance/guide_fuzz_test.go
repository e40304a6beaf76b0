package guidance

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func FuzzGuideRestore(f *testing.F) {
	g, _ := NewGuide(100, 3, Config{})
	g.Advance(Token{ID: 1, Newline: true})
	data, _ := g.Snapshot()
	f.Add(data)
	f.Add([]byte(`{"kind":"guidance.Guide","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _ := NewGuide(100, 3, Config{})
		before := h.st
		if err := h.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("error does not wrap ErrSnapshot: %v", err)
			}
			if h.st != before {
				t.Fatal("failed Restore changed the state")
			}
			return
		}
		if h.Thinking() < 0 {
			t.Fatal("negative t restored")
		}
		if _, err := h.Snapshot(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzGuideApply feeds arbitrary logits, candidate ids and Gamma parameters
// (decoded from bytes) to Apply: it must never panic, and must either fail
// with ErrInvalid leaving the logits unchanged or produce no NaN/+Inf.
func FuzzGuideApply(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 2}, uint8(3), uint16(50))
	f.Fuzz(func(t *testing.T, raw []byte, k uint8, budget uint16) {
		var vals []float64
		for len(raw) >= 8 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		if len(vals) == 0 {
			return
		}
		n := len(vals)
		logits := append([]float64(nil), vals...)
		kk := int(k) % (n + 2)
		cands := make([]int, kk)
		params := make([]Gamma, kk)
		for i := range cands {
			cands[i] = (i*7 + int(k)) % (n + 1)
			params[i] = Gamma{Shape: math.Abs(vals[i%n]), Rate: math.Abs(vals[(i+1)%n]) + float64(i)}
		}
		g, _ := NewGuide(int(budget), int(k)%n, Config{Precision: Precision(k % 2), Unscored: Unscored(budget % 2)})
		_, err := g.Apply(logits, cands, params)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			for i := range logits {
				if math.Float64bits(logits[i]) != math.Float64bits(vals[i]) {
					t.Fatal("failed Apply modified logits")
				}
			}
			return
		}
		for i, z := range logits {
			if math.IsNaN(z) || math.IsInf(z, 1) {
				t.Fatalf("logits[%d] = %v after Apply", i, z)
			}
		}
	})
}
