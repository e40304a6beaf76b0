package guidance

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

var (
	atkFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308, -1, -5e-324, 0, 5e-324, 1e-300, 0.5, 1, 2, 30, 1e10, 1e308, math.MaxFloat64}
	atkInts   = []int{math.MinInt, -1, 0, 1, 2, 3, 7, 1 << 20, math.MaxInt32, math.MaxInt}
	atkF32    = []float32{float32(math.NaN()), float32(math.Inf(1)), -math.MaxFloat32, -1, 0, 1e-45, 1, math.MaxFloat32}
)

// wantErr checks an error wraps one of the package's sentinels.
func wantErr(t *testing.T, name string, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSnapshot) && !errors.Is(err, ErrSafetensors) && !errors.Is(err, ErrHeadMismatch) {
		t.Fatalf("%s: error %v wraps no sentinel", name, err)
	}
}

// finiteOrNaNParams: NaN is allowed only for invalid parameters, or for
// parameters beyond [1e-300, 1e300], where α·ln λ or ln Γ(α) overflow (the
// documented limit).
func finiteOrNaNParams(t *testing.T, name string, g Gamma, v float64) {
	t.Helper()
	moderate := g.Shape >= 1e-300 && g.Shape <= 1e300 && g.Rate >= 1e-300 && g.Rate <= 1e300
	if g.Validate() == nil && moderate && math.IsNaN(v) {
		t.Fatalf("Gamma(%v, %v).%s = NaN for valid parameters", g.Shape, g.Rate, name)
	}
}

// TestAttackGamma: every Gamma method over NaN, ±Inf, subnormal, zero,
// negative, 1e308 parameters and arguments: no panic, and NaN only for
// invalid parameters (the documented policy) or a NaN argument.
func TestAttackGamma(t *testing.T) {
	t.Parallel()
	vals := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 5e-324, 1e-300, 0.5, 1, 30, 1e10, 1e308}
	n := 0
	for _, a := range vals {
		for _, r := range vals {
			g := Gamma{Shape: a, Rate: r}
			if err := g.Validate(); err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatal(err)
			}
			finiteOrNaNParams(t, "Mean", g, g.Mean())
			finiteOrNaNParams(t, "Variance", g, g.Variance())
			finiteOrNaNParams(t, "Mode", g, g.Mode())
			for _, p := range []float64{0, 1e-300, 0.3, 0.9, 1} {
				finiteOrNaNParams(t, "Quantile", g, g.Quantile(p))
				finiteOrNaNParams(t, "RemainingQuantile", g, g.RemainingQuantile(p))
				finiteOrNaNParams(t, "LogQuantile", g, g.LogQuantile(math.Log(p)))
			}
			_ = g.LogQuantile(-1e300)
			_ = g.ExpectedRemaining()
			_ = g.MedianRemaining()
			_ = g.ModeRemaining()
			for _, x := range vals {
				n++
				for name, v := range map[string]float64{
					"LogProb": g.LogProb(x), "Prob": g.Prob(x), "CDF": g.CDF(x), "Survival": g.Survival(x),
					"LogCDF": g.LogCDF(x), "LogSurvival": g.LogSurvival(x), "ProbFinishWithin": g.ProbFinishWithin(x),
				} {
					if !math.IsNaN(x) {
						finiteOrNaNParams(t, name, g, v)
					}
				}
				_ = RemainingToX(x)
				_ = RemainingFromX(x)
			}
		}
	}
	if n < 1500 {
		t.Fatal(n)
	}
}

// snap returns s's snapshot bytes (nil if it cannot snapshot).
func snap(s interface{ Snapshot() ([]byte, error) }) []byte {
	b, _ := s.Snapshot()
	return b
}

// TestAttackGuide: constructors and every method of Guide, Batch and
// Forcing over bad sizes, ids, logits, candidates and Gammas; a failed call
// leaves the Snapshot bytes unchanged.
func TestAttackGuide(t *testing.T) {
	for _, b := range atkInts {
		for _, e := range atkInts {
			g, err := NewGuide(b, e, Config{})
			wantErr(t, "NewGuide", err)
			if err == nil && (b < 0 || b > MaxBudget || e < 0) {
				t.Fatalf("NewGuide(%d, %d) accepted", b, e)
			}
			f, err := NewForcing(b, e)
			wantErr(t, "NewForcing", err)
			_ = f
			_, err = NewBatch(b, 10, e, Config{})
			wantErr(t, "NewBatch", err)
			_ = g
		}
	}
	for _, x := range atkFloats {
		for _, k := range atkInts {
			_, err := NewGuide(10, 1, Config{MinRate: x, MinShape: x, MinModeRemaining: x, CapSlack: k, Schedule: Schedule(k), Unscored: Unscored(k), Precision: Precision(k)})
			wantErr(t, "NewGuide(cfg)", err)
		}
	}
	g, _ := NewGuide(20, 2, Config{HardCap: true})
	f, _ := NewForcing(20, 2)
	bt, _ := NewBatch(2, 20, 2, Config{})
	head, _ := NewHead(4, 2)
	valid := Gamma{Shape: 2, Rate: 20}
	logitsSets := [][]float64{nil, {}, {0, 1, 2, 3}, {math.NaN(), 1, 2, 3}, {0, math.Inf(1), 2, 3}, {math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}, {1e308, -1e308, 0, 1}}
	candSets := [][]int{nil, {}, {0}, {-1}, {4}, {math.MaxInt}, {1, 1}, {0, 1, 2, 3}}
	paramSets := [][]Gamma{nil, {}, {valid}, {{Shape: math.NaN(), Rate: 1}}, {{Shape: 1, Rate: math.Inf(1)}}, {{Shape: 0, Rate: 1}}, {valid, valid, valid, valid}}
	for _, logits := range logitsSets {
		for _, cands := range candSets {
			for _, params := range paramSets {
				before := snap(g)
				l := append([]float64(nil), logits...)
				_, err := g.Apply(l, cands, params)
				wantErr(t, "Guide.Apply", err)
				if err != nil && (!bytes.Equal(before, snap(g)) || !equalFloats(l, logits)) {
					t.Fatalf("failed Apply changed state or logits")
				}
			}
		}
		for _, feats := range [][]float32{nil, {1}, {1, 2}, {float32(math.NaN()), 1}, {math.MaxFloat32, math.MaxFloat32}} {
			before := snap(g)
			_, _, err := g.Greedy(logits, head, feats)
			wantErr(t, "Guide.Greedy", err)
			if !bytes.Equal(before, snap(g)) {
				t.Fatal("Greedy changed the guide")
			}
			_, _, err = g.Greedy(logits, nil, feats)
			wantErr(t, "Guide.Greedy(nil head)", err)
		}
		before := snap(f)
		l := append([]float64(nil), logits...)
		if _, err := f.Apply(l); err != nil && (!bytes.Equal(before, snap(f)) || !equalFloats(l, logits)) {
			t.Fatal("failed Forcing.Apply changed state")
		}
	}
	for _, id := range atkInts {
		before := snap(g)
		if err := g.Advance(Token{ID: id}); err != nil {
			wantErr(t, "Advance", err)
			if !bytes.Equal(before, snap(g)) {
				t.Fatal("failed Advance changed the guide")
			}
		}
		if err := g.Reset(id); err != nil {
			wantErr(t, "Reset", err)
		}
		if err := f.Advance(Token{ID: id}); err != nil {
			wantErr(t, "Forcing.Advance", err)
		}
	}
	for _, w := range []float64{math.NaN(), math.Inf(1), -1, 0, 1e308} {
		_ = g.Weight(Gamma{Shape: w, Rate: w})
	}
	// Batch: bad slabs, vocab sizes and mismatched rows.
	for _, vocab := range atkInts {
		for _, slab := range [][]float64{nil, make([]float64, 8), make([]float64, 7)} {
			err := bt.Apply(slab, vocab, [][]int{{0}, {1}}, [][]Gamma{{valid}, {valid}}, nil)
			wantErr(t, "Batch.Apply", err)
		}
	}
	wantErr(t, "Batch.Apply rows", bt.Apply(make([]float64, 8), 4, [][]int{{0}}, [][]Gamma{{valid}}, nil))
	wantErr(t, "Batch.Apply steps", bt.Apply(make([]float64, 8), 4, [][]int{{0}, {1}}, [][]Gamma{{valid}, {valid}}, make([]Step, 3)))
	wantErr(t, "Batch.Advance", bt.Advance([]Token{{ID: -1}, {ID: 1}}))
	wantErr(t, "Batch.Due", bt.Due(make([]bool, 3)))
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// TestAttackHeadAndTrainer: shapes, rows, features, ids and examples.
func TestAttackHeadAndTrainer(t *testing.T) {
	for _, v := range atkInts {
		for _, d := range atkInts {
			_, err := NewHead(v, d)
			wantErr(t, "NewHead", err)
			if err == nil && (v <= 0 || d <= 0 || v > MaxHeadElems/d) {
				t.Fatalf("NewHead(%d, %d) accepted", v, d)
			}
		}
	}
	_, err := NewHeadFromWeights(2, 2, make([]float32, 3), make([]float32, 4))
	wantErr(t, "NewHeadFromWeights", err)
	head, _ := NewHead(3, 2)
	for _, x := range atkF32 {
		row := []float32{x, 1}
		alpha, rate := head.Weights()
		a0, r0 := append([]float32(nil), alpha...), append([]float32(nil), rate...)
		if err := head.SetRow(1, row, row); err != nil {
			wantErr(t, "SetRow", err)
			if a, r := head.Weights(); !equal32(a, a0) || !equal32(r, r0) {
				t.Fatal("failed SetRow changed the head")
			}
		}
		for _, id := range atkInts {
			gm, err := head.Predict([]float32{x, x}, id)
			wantErr(t, "Predict", err)
			if err == nil && gm.Validate() != nil {
				t.Fatalf("Predict = %+v with nil error", gm)
			}
			dst := []Gamma{{Shape: 7, Rate: 7}}
			if err := head.Score([]float32{x, 1}, []int{id}, dst); err != nil {
				wantErr(t, "Score", err)
				if dst[0] != (Gamma{Shape: 7, Rate: 7}) {
					t.Fatal("failed Score wrote dst")
				}
			} else if dst[0].Validate() != nil {
				t.Fatalf("Score wrote %+v", dst[0])
			}
		}
	}
	wantErr(t, "ScoreAll", head.ScoreAll([]float32{1, 1}, make([]Gamma, 2)))
	wantErr(t, "Score len", head.Score([]float32{1, 1}, []int{0, 1}, make([]Gamma, 1)))
	// Readers: junk, 10 MB strings, huge declared shapes.
	big := strings.Repeat("x", 10<<20)
	for _, in := range []string{"", "{", `{"vocab":1e18,"dim":1}`, `{"vocab":2,"dim":2,"alpha":[1,2,3,4],"rate":[1,2,3]}`, `{"vocab":-1}`, big} {
		_, err := ReadHeadJSON(strings.NewReader(in))
		if err == nil {
			t.Fatalf("ReadHeadJSON(%.30q) accepted", in)
		}
		wantErr(t, "ReadHeadJSON", err)
		_, err = ReadHeadSafetensors(strings.NewReader(in), SafetensorsNames{})
		if err == nil {
			t.Fatalf("ReadHeadSafetensors(%.30q) accepted", in)
		}
		wantErr(t, "ReadHeadSafetensors", err)
	}
	for _, dt := range []string{"", "F8", big} {
		wantErr(t, "WriteHeadSafetensors", WriteHeadSafetensors(&bytes.Buffer{}, head, dt, SafetensorsNames{}))
	}
	wantErr(t, "WriteHeadSafetensors names", WriteHeadSafetensors(&bytes.Buffer{}, head, "F32", SafetensorsNames{Alpha: big, Rate: big}))
	// Trainer.
	_, err = NewTrainer(nil, TrainerConfig{})
	wantErr(t, "NewTrainer(nil)", err)
	for _, x := range atkFloats {
		for _, k := range atkInts {
			_, err := NewTrainer(head, TrainerConfig{LearningRate: x, Beta1: x, Beta2: x, Epsilon: x, BatchSize: k, Epochs: min(k, 3)})
			wantErr(t, "NewTrainer", err)
		}
	}
	tr, _ := NewTrainer(head, TrainerConfig{})
	for _, x := range atkFloats {
		for _, id := range atkInts {
			for _, f := range atkF32 {
				ex := []TrainExample{{Features: []float32{f, 1}, Token: id, Remaining: x}}
				alpha, _ := head.Weights()
				a0 := append([]float32(nil), alpha...)
				if _, err := tr.Fit(context.Background(), ex); err != nil {
					wantErr(t, "Fit", err)
				}
				headFinite(t, head)
				if _, err := tr.Loss(ex); err != nil {
					wantErr(t, "Loss", err)
				}
				_ = a0
			}
		}
	}
	_, err = tr.Fit(context.Background(), nil)
	wantErr(t, "Fit(nil)", err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.Fit(ctx, []TrainExample{{Features: []float32{1, 1}, Token: 0, Remaining: 3}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Fit: %v", err)
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAttackLengthModel: lengths, configs and queries.
func TestAttackLengthModel(t *testing.T) {
	for _, ls := range [][]int{nil, {}, {1}, {0, 1}, {-1, 5}, {math.MaxInt, 1}, {math.MaxInt, math.MaxInt - 1, 3}, {1, 2, 3, 4, 5}} {
		for _, k := range atkInts {
			for _, m := range []LengthFitMethod{LengthFitMLE, LengthFitMoments, 9} {
				lm, err := FitLengthModel(ls, LengthFitConfig{Method: m, MinSurvivors: k})
				wantErr(t, "FitLengthModel", err)
				if err != nil {
					continue
				}
				for _, gen := range atkInts {
					gm, err := lm.Predict(gen)
					wantErr(t, "LengthModel.Predict", err)
					if err == nil && gm.Validate() != nil {
						t.Fatalf("Predict(%d) = %+v", gen, gm)
					}
					for _, b := range atkInts {
						p, err := lm.ProbFinishWithin(gen, b)
						wantErr(t, "ProbFinishWithin", err)
						if err == nil && !(p >= 0 && p <= 1) {
							t.Fatalf("ProbFinishWithin(%d, %d) = %v", gen, b, p)
						}
					}
					e, err := lm.ExpectedRemaining(gen)
					wantErr(t, "ExpectedRemaining", err)
					if err == nil && (math.IsNaN(e) || math.IsInf(e, 0) || e < 0) {
						t.Fatalf("ExpectedRemaining(%d) = %v (lengths %v)", gen, e, ls)
					}
				}
			}
		}
	}
}
