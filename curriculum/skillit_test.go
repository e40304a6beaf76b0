package curriculum

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

func TestSkillItClosedForm(t *testing.T) {
	s, err := NewSkillIt(3, SkillItConfig{Edges: [][2]int{{0, 1}}, Eta: 0.2, Prior: []float64{1, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	losses := [][]float64{{1, 2, 3}, {1, 1, 1}, {2, 0, 1}, {0.5, 0.5, 0.5}}
	for _, l := range losses {
		if err := s.Observe(l); err != nil {
			t.Fatal(err)
		}
	}
	// Window 3: the last three vectors sum to (3.5, 1.5, 2.5). A = I plus
	// A[0][1] = 0.5: (A·ΣL) = (3.5 + 0.75, 1.5, 2.5) = (4.25, 1.5, 2.5).
	w := []float64{1 * math.Exp(0.2*4.25), 1 * math.Exp(0.2*1.5), 2 * math.Exp(0.2*2.5)}
	z := w[0] + w[1] + w[2]
	p := s.Probs()
	for i := range w {
		if math.Abs(p[i]-w[i]/z) > 1e-14 {
			t.Fatalf("probs %v, want %v", p, []float64{w[0] / z, w[1] / z, w[2] / z})
		}
	}
	// Large losses do not overflow (the reference's exp would).
	big, _ := NewSkillIt(2, SkillItConfig{Eta: 0.8})
	_ = big.Observe([]float64{1e4, 1e4 - 1})
	if p := big.Probs(); math.IsNaN(p[0]) || math.Abs(p[0]+p[1]-1) > 1e-12 || p[0] <= p[1] {
		t.Fatalf("overflow case: %v", p)
	}
	// Normalisation divides by the first losses; an η schedule overrides η.
	n, _ := NewSkillIt(2, SkillItConfig{Normalize: true, EtaSchedule: func(int) float64 { return 0 }})
	_ = n.Observe([]float64{10, 1})
	if p := n.Probs(); p[0] != 0.5 {
		t.Fatalf("η = 0 must keep the prior: %v", p)
	}
	for _, c := range []struct {
		k   int
		cfg SkillItConfig
	}{{0, SkillItConfig{}}, {2, SkillItConfig{Edges: [][2]int{{0, 5}}}}, {2, SkillItConfig{Prior: []float64{1}}},
		{2, SkillItConfig{Graph: [][]float64{{1}}}}, {2, SkillItConfig{Eta: math.NaN()}}} {
		if _, err := NewSkillIt(c.k, c.cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewSkillIt(%d, %+v) = %v", c.k, c.cfg, err)
		}
	}
	before := s.Probs()
	if err := s.Observe([]float64{1, math.NaN(), 1}); !errors.Is(err, ErrInvalid) {
		t.Fatal("NaN loss accepted")
	}
	if after := s.Probs(); after[0] != before[0] {
		t.Fatal("failed Observe changed the mixture")
	}
}

var skillSink []float64

func BenchmarkSkillIt60(b *testing.B) {
	var edges [][2]int
	for i := 0; i < 60; i++ {
		edges = append(edges, [2]int{i, (i + 1) % 60}, [2]int{i, (i + 7) % 60})
	}
	s, _ := NewSkillIt(60, SkillItConfig{Edges: edges})
	losses := make([]float64, 60)
	for i := range losses {
		losses[i] = 1 + float64(i%9)/10
	}
	dst := make([]float64, 60)
	b.ReportAllocs()
	for b.Loop() {
		s.recompute()
		s.ProbsInto(dst)
	}
	skillSink = dst
}

func FuzzSkillItObserve(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 0.5)
	f.Fuzz(func(t *testing.T, a, b, c, eta float64) {
		s, err := NewSkillIt(3, SkillItConfig{Eta: eta, Edges: [][2]int{{0, 1}}})
		if err != nil {
			return
		}
		_ = s.Observe([]float64{a, b, c})
		var sum float64
		for _, p := range s.Probs() {
			if math.IsNaN(p) || p < 0 {
				t.Fatalf("probs %v", s.Probs())
			}
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("probs sum to %v", sum)
		}
	})
}

func TestSkillItOverflowRefused(t *testing.T) {
	s, _ := NewSkillIt(2, SkillItConfig{Eta: 1e300})
	before := s.Probs()
	if err := s.Observe([]float64{1e300, 1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("overflow accepted: %v", err)
	}
	if after := s.Probs(); after[0] != before[0] || math.IsNaN(after[0]) {
		t.Fatalf("probs after a refused Observe: %v", after)
	}
}

func TestSkillItReferenceOptions(t *testing.T) {
	// dynamic_lambda halves the off-diagonal entries after every update;
	// the update itself uses the graph as it was.
	s, _ := NewSkillIt(2, SkillItConfig{Edges: [][2]int{{0, 1}}, Eta: 1, Window: 1, DynamicLambda: true})
	_ = s.Observe([]float64{0, 1})
	// Round 1 uses A[0][1] = 0.5: logits (0.5, 1).
	want := math.Exp(0.5) / (math.Exp(0.5) + math.Exp(1))
	if p := s.Probs(); math.Abs(p[0]-want) > 1e-14 {
		t.Fatalf("round 1: %v, want %v", p[0], want)
	}
	_ = s.Observe([]float64{0, 1})
	// Round 2 uses A[0][1] = 0.25: logits (0.25, 1).
	want = math.Exp(0.25) / (math.Exp(0.25) + math.Exp(1))
	if p := s.Probs(); math.Abs(p[0]-want) > 1e-14 {
		t.Fatalf("round 2: %v, want %v", p[0], want)
	}
	// eta_schedule: η_t = η / (ΣL_t / ΣL_first); losses halve, η doubles.
	e, _ := NewSkillIt(2, SkillItConfig{Eta: 0.1, Window: 1, EtaByLoss: true})
	_ = e.Observe([]float64{2, 2})
	_ = e.Observe([]float64{1, 0})
	// η = 0.1 / (1/4) = 0.4; logits (0.4, 0).
	want = math.Exp(0.4) / (math.Exp(0.4) + 1)
	if p := e.Probs(); math.Abs(p[0]-want) > 1e-14 {
		t.Fatalf("η by loss: %v, want %v", p[0], want)
	}
}

type skillItRef struct {
	Name          string      `json:"name"`
	K             int         `json:"k"`
	Edges         [][2]int    `json:"edges"`
	Prior         []float64   `json:"prior"`
	Eta           float64     `json:"eta"`
	Window        int         `json:"window"`
	Normalize     bool        `json:"normalize"`
	EtaSchedule   bool        `json:"eta_schedule"`
	DynamicLambda bool        `json:"dynamic_lambda"`
	Losses        [][]float64 `json:"losses"`
	Reference     [][]float64 `json:"reference"`
	FirstLoss     [][]float64 `json:"first_loss"`
}

// TestSkillItReference replays testdata/skillit_reference.py, which follows
// the reference trainer's update step by step: the starting mixture
// prior ⊙ exp(η·A·prior) (issue 18: [0.452, 0.274, 0.274] for the issue's
// graph, where the package used to start uniform), and the mixture after
// each evaluation, by default with the first losses as reference point and
// with SecondLossAsFirst as the reference has it.
func TestSkillItReference(t *testing.T) {
	data, err := os.ReadFile("testdata/skillit_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []skillItRef
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, compat := range []bool{false, true} {
			want := c.FirstLoss
			if compat {
				want = c.Reference
			}
			s, err := NewSkillIt(c.K, SkillItConfig{Edges: c.Edges, Prior: c.Prior, Eta: c.Eta, Window: c.Window,
				Normalize: c.Normalize, EtaByLoss: c.EtaSchedule, DynamicLambda: c.DynamicLambda, SecondLossAsFirst: compat})
			if err != nil {
				t.Fatal(err)
			}
			check := func(round int) {
				got := s.Probs()
				for i := range got {
					if math.Abs(got[i]-want[round][i]) > 1e-13 {
						t.Fatalf("%s (SecondLossAsFirst %v) round %d: %v, reference %v", c.Name, compat, round, got, want[round])
					}
				}
			}
			check(0)
			for r, l := range c.Losses {
				if err := s.Observe(l); err != nil {
					t.Fatal(err)
				}
				check(r + 1)
			}
		}
	}
}
