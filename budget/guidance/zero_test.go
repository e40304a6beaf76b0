package guidance

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestZeroValues calls every method on zero values (and nil pointers where
// the method has an error result): none may panic, and each error-returning
// method reports ErrInvalid.
func TestZeroValues(t *testing.T) {
	logits := []float64{0, 1, 2}
	isInvalid := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	var g Guide
	_, _, _, _, _ = g.Budget(), g.Thinking(), g.Remaining(), g.Done(), g.Due()
	_, _ = g.Capped(), g.Weight(Gamma{Shape: 2, Rate: 20})
	_, _ = g.Difficulty()
	_, err := g.Apply(logits, []int{0}, []Gamma{{Shape: 2, Rate: 20}})
	isInvalid("Guide.Apply", err)
	isInvalid("Guide.Advance", g.Advance(Token{ID: 1}))
	isInvalid("Guide.Reset", g.Reset(3))
	_, err = g.Snapshot()
	isInvalid("Guide.Snapshot", err)
	isInvalid("Guide.Restore", g.Restore([]byte("{}")))
	h, _ := NewHead(3, 2)
	_, _, err = g.Greedy(logits, h, []float32{1, 1})
	isInvalid("Guide.Greedy", err)

	var f Forcing
	_, _, _ = f.Capped(), f.Thinking(), f.Done()
	_, err = f.Apply(logits)
	isInvalid("Forcing.Apply", err)
	isInvalid("Forcing.Advance", f.Advance(Token{ID: 1}))
	_, err = f.Snapshot()
	isInvalid("Forcing.Snapshot", err)
	isInvalid("Forcing.Restore", f.Restore([]byte("{}")))

	var b Batch
	isInvalid("Batch.Due", b.Due(make([]bool, 1)))
	isInvalid("Batch.Apply", b.Apply(logits, 3, nil, nil, nil))
	isInvalid("Batch.Advance", b.Advance(nil))
	b.Guides = []*Guide{nil}
	isInvalid("Batch.Due(nil guide)", b.Due(make([]bool, 1)))
	isInvalid("Batch.Advance(nil guide)", b.Advance([]Token{{ID: 1}}))
	isInvalid("Batch.Apply(nil guide)", b.Apply(logits, 3, [][]int{nil}, [][]Gamma{nil}, nil))

	var hd Head
	_, _ = hd.Vocab(), hd.Dim()
	_, _ = hd.Weights()
	isInvalid("Head.SetRow", hd.SetRow(0, nil, nil))
	_, err = hd.Predict(nil, 0)
	isInvalid("Head.Predict", err)
	isInvalid("Head.Score", hd.Score(nil, []int{0}, make([]Gamma, 1)))
	isInvalid("Head.ScoreAll", hd.ScoreAll(nil, nil))
	isInvalid("WriteHeadJSON", WriteHeadJSON(&bytes.Buffer{}, &hd))
	isInvalid("WriteHeadSafetensors", WriteHeadSafetensors(&bytes.Buffer{}, &hd, "F32", SafetensorsNames{}))
	isInvalid("WriteHeadJSON(nil)", WriteHeadJSON(&bytes.Buffer{}, nil))

	var tr Trainer
	_ = tr.Steps()
	_, err = tr.Loss([]TrainExample{{Features: []float32{1}, Remaining: 1}})
	isInvalid("Trainer.Loss", err)
	_, err = tr.Fit(context.Background(), []TrainExample{{Features: []float32{1}, Remaining: 1}})
	isInvalid("Trainer.Fit", err)

	var lm LengthModel
	_, err = lm.Predict(1)
	isInvalid("LengthModel.Predict", err)
	_, err = lm.ProbFinishWithin(1, 2)
	isInvalid("LengthModel.ProbFinishWithin", err)
	_, err = lm.ExpectedRemaining(1)
	isInvalid("LengthModel.ExpectedRemaining", err)
}

// TestBatchRefusesSharedGuide: a guide in two rows would advance twice per
// token; Batch refuses it, and a failed call changes no guide.
func TestBatchRefusesSharedGuide(t *testing.T) {
	g, _ := NewGuide(10, 2, Config{})
	h, _ := NewGuide(10, 2, Config{})
	b := &Batch{Guides: []*Guide{g, h, g}}
	if err := b.Advance([]Token{{ID: 1}, {ID: 1}, {ID: 1}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("shared guide: %v", err)
	}
	if g.Thinking() != 0 || h.Thinking() != 0 {
		t.Fatal("failed Advance changed a guide")
	}
	b.Guides = []*Guide{g, h}
	if err := b.Advance([]Token{{ID: 1}, {ID: 1}}); err != nil || g.Thinking() != 1 {
		t.Fatalf("distinct guides: %v", err)
	}
	// The same guides in a second batch are fine.
	b2 := &Batch{Guides: []*Guide{h, g}}
	if err := b2.Due(make([]bool, 2)); err != nil {
		t.Fatal(err)
	}
}
